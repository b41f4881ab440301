//! Test harness: starts the real `tokctl server` on a free loopback port with a fresh SQLite
//! database in a temp dir and an initialized org, and speaks real HTTP to it.
#![allow(dead_code)]

pub mod oidc;
pub mod oidc_issuer;
pub mod tcp_proxy;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "owner-password-123";
pub const ORG: &str = "acme";

/// A well-formed secret no server knows, generated per call: a test never commits a string a
/// secret scanner would take for a real one.
pub fn unknown_secret() -> String {
    tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat)
        .expose()
        .to_string()
}

pub fn tokctl_bin() -> &'static str {
    env!("CARGO_BIN_EXE_tokctl")
}

/// Options for starting a server.
#[derive(Clone, Default)]
pub struct ServerOptions {
    /// Extra arguments after `tokctl server`.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Use this database URL instead of a fresh SQLite file (e.g. PostgreSQL).
    pub database: Option<String>,
}

/// Which database the suite runs on: `TOKCTL_TEST_BACKEND=postgres` (with
/// `TOKCTL_TEST_DATABASE_URL`) runs the same tests on PostgreSQL; SQLite otherwise.
pub fn backend_is_postgres() -> bool {
    std::env::var("TOKCTL_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// The PostgreSQL admin URL for tests, or None (and a line saying the test is skipped).
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("TOKCTL_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            say_skipped(test, "TOKCTL_TEST_DATABASE_URL is not set (no PostgreSQL)");
            None
        }
    }
}

/// A number from the environment (a test's size knob), or `default`.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `host:port` of a server URL, for raw TCP connections.
pub fn host_port(url: &str) -> String {
    url.trim_start_matches("http://").to_string()
}

/// Prints a skip notice that `cargo test`'s output capture does not swallow (it captures
/// only the print macros, not direct writes to the stderr handle).
pub fn say_skipped(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// Runs a Python client script (`python3 ARGS…`, with `env`) that prints one JSON line; exit 3
/// means its library is missing. None, with a skip notice, when python3 or the library is.
pub fn python_client(test: &str, args: &[&str], env: &[(&str, &str)]) -> Option<Value> {
    let out = match Command::new("python3")
        .args(args)
        .envs(env.iter().copied())
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            say_skipped(test, &format!("no python3 ({e})"));
            return None;
        }
    };
    if out.status.code() == Some(3) {
        say_skipped(test, String::from_utf8_lossy(&out.stderr).trim());
        return None;
    }
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("one JSON line"))
}

/// Runs `f` on a fresh single-threaded runtime in its own thread (usable from sync tests
/// and from inside another runtime alike).
pub fn block_on<T: Send + 'static>(f: impl std::future::Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    })
    .join()
    .unwrap()
}

/// A fresh PostgreSQL database named after a random suffix; returns its URL.
pub fn create_pg_database(admin_url: &str) -> String {
    let name = format!(
        "tokctl_t_{}",
        tokctl::api::secret::random_base62(12).to_lowercase()
    );
    let admin = admin_url.to_string();
    let db = name.clone();
    block_on(async move {
        use sqlx::Executor;
        let pool = sqlx::PgPool::connect(&admin)
            .await
            .expect("connect to PostgreSQL");
        pool.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .await
            .expect("create test database");
        pool.close().await;
    });
    replace_db_name(admin_url, &name)
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let cut = base
        .rfind('/')
        .filter(|i| *i > "postgres://".len())
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..cut]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

pub fn drop_pg_database(admin_url: &str, db_url: &str) {
    let Some(name) = db_url
        .rsplit('/')
        .next()
        .map(|n| n.split('?').next().unwrap_or(n).to_string())
    else {
        return;
    };
    let admin = admin_url.to_string();
    block_on(async move {
        use sqlx::Executor;
        if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
            let _ = pool
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await;
            pool.close().await;
        }
    });
}

/// A fresh database dropped at the end of the test, even when it fails.
pub struct PgDb {
    admin: String,
    pub url: String,
}

impl PgDb {
    pub fn new(admin: &str) -> PgDb {
        PgDb {
            admin: admin.to_string(),
            url: create_pg_database(admin),
        }
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        drop_pg_database(&self.admin, &self.url);
    }
}

pub struct TestServer {
    pub url: String,
    pub dir: tempfile::TempDir,
    pub database: String,
    /// The admin URL, when this server got a database of its own on PostgreSQL (dropped at the end).
    created_pg: Option<String>,
    pub options: ServerOptions,
    child: Option<Child>,
    /// Everything the server wrote to stderr (its log), across restarts.
    pub log: Arc<Mutex<String>>,
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    /// Reads a whole answer: status, headers, text, and the text as JSON (null if it is not).
    pub async fn read(resp: reqwest::Response) -> Resp {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_with(ServerOptions::default())
    }

    pub fn start_with(options: ServerOptions) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut created_pg = None;
        let database = match options.database.clone() {
            Some(db) => db,
            None if backend_is_postgres() => {
                let admin = std::env::var("TOKCTL_TEST_DATABASE_URL")
                    .expect("TOKCTL_TEST_BACKEND=postgres needs TOKCTL_TEST_DATABASE_URL");
                let url = create_pg_database(&admin);
                created_pg = Some(admin);
                url
            }
            None => dir.path().join("tokctl.db").display().to_string(),
        };
        let mut init = Command::new(tokctl_bin())
            .args([
                "server",
                "init",
                "--org",
                ORG,
                "--owner",
                OWNER_EMAIL,
                "--password-stdin",
            ])
            .args(["--database", &database])
            .env("HOME", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn server init");
        init.stdin
            .take()
            .unwrap()
            .write_all(format!("{OWNER_PASSWORD}\n").as_bytes())
            .unwrap();
        let out = init.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "server init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut server = TestServer {
            url: String::new(),
            dir,
            database,
            created_pg,
            options,
            child: None,
            log: Arc::new(Mutex::new(String::new())),
        };
        server.spawn();
        server
    }

    /// Another replica on the same database as `first` (no init).
    pub fn replica_of(first: &TestServer, options: ServerOptions) -> TestServer {
        let mut server = TestServer {
            url: String::new(),
            dir: tempfile::tempdir().expect("temp dir"),
            database: options
                .database
                .clone()
                .unwrap_or_else(|| first.database.clone()),
            created_pg: None,
            options,
            child: None,
            log: Arc::new(Mutex::new(String::new())),
        };
        server.spawn();
        server
    }

    /// Starts (or restarts) the server process on a fresh port.
    pub fn spawn(&mut self) {
        let mut cmd = Command::new(tokctl_bin());
        cmd.args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &self.database,
        ])
        .args(&self.options.args)
        .env("HOME", self.dir.path())
        .env_remove("TOKCTL_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        for (k, v) in &self.options.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn server");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let log = self.log.clone();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("tokctl server listening on ")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(url.to_string());
                }
                let mut l = log.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        self.url = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("server did not start: {}", self.log.lock().unwrap()));
        self.child = Some(child);
    }

    /// Graceful stop: SIGTERM and wait for the process to exit.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("server running");
        unsafe_sigterm(child.id());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("server did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Hard stop: SIGKILL, nothing flushed.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn db_path(&self) -> PathBuf {
        PathBuf::from(&self.database)
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let client = reqwest::Client::new();
        let mut req = client.request(method.parse().unwrap(), format!("{}{}", self.url, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Resp::read(req.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call("GET", path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call("POST", path, Some(token), Some(body)).await
    }

    /// Logs in and returns the session secret.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .call(
                "POST",
                "/v1/sessions",
                None,
                Some(serde_json::json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(r.status, 201, "login failed: {}", r.text);
        r.body["secret"].as_str().unwrap().to_string()
    }

    pub async fn owner_session(&self) -> String {
        self.login(OWNER_EMAIL, OWNER_PASSWORD).await
    }

    /// Mints a token and returns (id, secret).
    pub async fn mint(&self, token: &str, body: Value) -> (String, String) {
        let r = self.post("/v1/tokens", token, body).await;
        assert_eq!(r.status, 201, "mint failed: {}", r.text);
        (
            r.body["token"]["id"].as_str().unwrap().to_string(),
            r.body["secret"].as_str().unwrap().to_string(),
        )
    }

    /// Adds a person with a role and returns a session of theirs.
    pub async fn add_person(&self, admin: &str, email: &str, role: &str) -> String {
        let password = format!("{email}-pass-word");
        let r = self
            .post(
                "/v1/users",
                admin,
                serde_json::json!({"email": email, "role": role, "password": password}),
            )
            .await;
        assert_eq!(r.status, 201, "add user failed: {}", r.text);
        self.login(email, &password).await
    }

    /// Waits until the buffered usage writes have been flushed (at most a few seconds).
    pub async fn settle(&self) {
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
        if let Some(admin) = &self.created_pg {
            drop_pg_database(admin, &self.database);
        }
    }
}

impl TestServer {
    pub fn is_postgres(&self) -> bool {
        self.database.starts_with("postgres")
    }

    /// A second org (id 900, `other`) with an owner and a PAT of id `token_id` and the given
    /// per-minute / per-hour limits, written behind the server's back (no API makes a second
    /// org). Returns the PAT's secret.
    pub fn intruder_org(
        &self,
        token_id: &str,
        per_minute: u32,
        per_hour: u32,
    ) -> tokctl::api::secret::Secret {
        let intruder = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat);
        let hash = tokctl::api::secret::hash(intruder.expose(), None);
        let now = chrono::Utc::now().timestamp_micros();
        let later = now + 86_400_000_000;
        self.exec_sql(
            "INSERT INTO orgs (id, name, policy, created_at) \
             SELECT 900, 'other', policy, created_at FROM orgs WHERE name = 'acme'",
        );
        self.exec_sql(&format!(
            "INSERT INTO users (id, org_id, email, name, role, service, created_at) \
             VALUES (900, 900, 'intruder@example.com', 'intruder@example.com', 'owner', FALSE, \
             {now})"
        ));
        self.exec_sql(&format!(
            "INSERT INTO tokens (id, org_id, user_id, name, active_name, kind, scopes, \
             secret_hash, created_at, issued_at, expires_at, per_minute, per_hour) VALUES \
             ('{token_id}', 900, 900, 'intruder', 'intruder', 'pat', '[]', '{hash}', {now}, \
             {now}, {later}, {per_minute}, {per_hour})"
        ));
        intruder
    }

    /// Runs one SQL statement on the server's database behind its back; returns rows affected.
    pub fn exec_sql(&self, sql: &str) -> u64 {
        let db = self.database.clone();
        let sql = sql.to_string();
        let pg = self.is_postgres();
        block_on(async move {
            if pg {
                let pool = sqlx::PgPool::connect(&db).await.unwrap();
                let n = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&pool)
                    .await
                    .unwrap()
                    .rows_affected();
                pool.close().await;
                n
            } else {
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{db}"))
                    .await
                    .unwrap();
                let n = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&pool)
                    .await
                    .unwrap()
                    .rows_affected();
                pool.close().await;
                n
            }
        })
    }

    /// The first column, as text, of every row a query returns: for what the API does not show
    /// (every row of a table, or columns no answer carries).
    pub fn query_texts(&self, sql: &str) -> Vec<String> {
        let db = self.database.clone();
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        let pg = self.is_postgres();
        block_on(async move {
            if pg {
                let pool = sqlx::PgPool::connect(&db).await.unwrap();
                let rows = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
                pool.close().await;
                rows
            } else {
                let url = format!("sqlite://{db}");
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                let rows = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
                pool.close().await;
                rows
            }
        })
    }

    /// Every row of every table as text (for "no secret in the database" checks).
    pub fn dump_db(&self) -> String {
        if !self.is_postgres() {
            let mut out = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                if let Ok(bytes) = std::fs::read(format!("{}{suffix}", self.database)) {
                    out.extend(bytes);
                }
            }
            return String::from_utf8_lossy(&out).into_owned();
        }
        let db = self.database.clone();
        block_on(async move {
            let pool = sqlx::PgPool::connect(&db).await.unwrap();
            let mut out = String::new();
            for table in ["orgs", "users", "tokens", "audit_events", "access_log"] {
                let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT row_to_json(x)::text FROM {table} x"
                )))
                .fetch_all(&pool)
                .await
                .unwrap();
                out.push_str(&rows.join("\n"));
            }
            pool.close().await;
            out
        })
    }
}

fn unsafe_sigterm(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
}

/// Every file under `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                hits.push(p);
            }
        }
    }
    hits
}
pub mod cli;
pub mod oracle;
pub mod pty;
pub mod shared_limit;
