//! Test harness: starts the real `tokctl server` on a free loopback port with a fresh SQLite
//! database in a temp dir and an initialized org, and speaks real HTTP to it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "owner-password-123";
pub const ORG: &str = "acme";

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

pub struct TestServer {
    pub url: String,
    pub dir: tempfile::TempDir,
    pub database: String,
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
        let database = options
            .database
            .clone()
            .unwrap_or_else(|| dir.path().join("tokctl.db").display().to_string());
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
        let resp = req.send().await.expect("request");
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
