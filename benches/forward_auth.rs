//! `cargo bench --bench forward_auth`: requests/s through nginx with tokctl forward auth against
//! the same nginx proxying with no auth, as a ratio measured in one run.
//!
//! Starts the release `tokctl server` (SQLite, `--trusted-proxy 127.0.0.1/32`), a tiny upstream
//! (axum, a short body) and one nginx with two server blocks on loopback ports:
//! `examples/forward-auth/nginx.conf` (the file docs/forward-auth.md shows), rendered with this
//! run's addresses (`auth_request` to `/v1/forward-auth?permission=work:read`), and a plain
//! `proxy_pass` to the same upstream. Both are driven with the same bearer token from a
//! closed-loop generator (reqwest, keep-alive, `TOKCTL_BENCH_CONCURRENCY` in flight, default 16)
//! in alternating rounds
//! (`TOKCTL_BENCH_ROUNDS`, default 3, of `TOKCTL_BENCH_SECONDS`, default 4, each), so neither
//! side gets a warmer machine. The generator, nginx, tokctl and the upstream share the cores; the
//! ratio, not the absolute numbers, is the result. Skipped with a message when nginx is missing.

// A test binary has no API: `pub` here only shares helpers between its modules, so the
// crate-wide `unreachable_pub` (which keeps the library's API honest) does not apply.
#![allow(unreachable_pub)]

#[path = "../tests/it/common/mod.rs"]
mod common;
#[path = "support/load.rs"]
mod support;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{ServerOptions, TestServer};
use serde_json::json;
use support::{Load, env_num};

/// GET `url` with the bearer `token`, through the shared load generator.
async fn load(
    client: &reqwest::Client,
    concurrency: u64,
    seconds: u64,
    url: &str,
    token: &str,
) -> Load {
    let (url, token) = (url.to_string(), token.to_string());
    support::load(client, concurrency, seconds, move |c, _| {
        c.get(&url).bearer_auth(&token)
    })
    .await
}

/// The upstream: a short plain-text body for every request.
async fn start_upstream() -> SocketAddr {
    let app = axum::Router::new().fallback(|| async { "hello from the upstream\n" });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Nginx {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One nginx (a single worker process) serving docs/forward-auth.md's server block on
/// `auth_port` and a plain proxy to the same upstream on `plain_port`.
async fn start_nginx(tokctl: &str, upstream: SocketAddr, auth_port: u16, plain_port: u16) -> Nginx {
    let dir = tempfile::tempdir().unwrap();
    let example = format!(
        "{}/examples/forward-auth/nginx.conf",
        env!("CARGO_MANIFEST_DIR")
    );
    let site = std::fs::read_to_string(example)
        .unwrap()
        .replace("listen 8080;", &format!("listen 127.0.0.1:{auth_port};"))
        .replace("127.0.0.1:8700", tokctl)
        .replace("127.0.0.1:9000", &upstream.to_string());
    let plain = format!(
        "server {{\n    listen 127.0.0.1:{plain_port};\n\n    location / {{\n        \
         proxy_pass http://{upstream};\n    }}\n}}\n"
    );
    std::fs::write(dir.path().join("tokctl.conf"), site).unwrap();
    std::fs::write(dir.path().join("plain.conf"), plain).unwrap();
    let d = dir.path().display();
    let main = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 4096; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         include {d}/tokctl.conf;\n  include {d}/plain.conf;\n}}\n"
    );
    std::fs::write(dir.path().join("nginx.conf"), main).unwrap();
    let mut child = Command::new("nginx")
        .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
        .args(["-e", &format!("{d}/error.log")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn nginx");
    let deadline = Instant::now() + Duration::from_secs(20);
    for port in [auth_port, plain_port] {
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
                panic!("nginx exited: {status}\n{log}");
            }
            assert!(Instant::now() < deadline, "nginx did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    Nginx { child, _dir: dir }
}

fn row(name: &str, l: &Load) {
    println!(
        "| {name:<28} | {:>8} | {:>9.0} | {:>6.2} | {:>6.2} | {:>6} |",
        l.requests,
        l.rps(),
        l.percentile(0.50),
        l.percentile(0.99),
        l.errors
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo test --all-targets` runs bench binaries without `--bench`: build-check only.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "forward_auth: not run under `cargo test`; use `cargo bench --bench forward_auth`"
        );
        return;
    }
    if Command::new("nginx").arg("-v").output().is_err() {
        println!(
            "forward_auth benchmark SKIPPED: nginx is not installed \
             (`apt-get install -y nginx`, or see .ci/run)"
        );
        return;
    }
    let seconds = env_num("TOKCTL_BENCH_SECONDS", 4);
    let rounds = env_num("TOKCTL_BENCH_ROUNDS", 3).max(1);
    let concurrency = env_num("TOKCTL_BENCH_CONCURRENCY", 16);

    // Request logs off (warn): the harness keeps the server's stderr in memory.
    let s = TestServer::start_with(ServerOptions {
        args: vec!["--trusted-proxy".into(), "127.0.0.1/32".into()],
        env: vec![(
            "TOKCTL_LOG".into(),
            std::env::var("TOKCTL_LOG").unwrap_or_else(|_| "warn".into()),
        )],
        ..Default::default()
    });
    let owner = s.owner_session().await;
    // Raise the policy cap out of the way: the benchmark measures forward auth, not the limiter.
    let r = s
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&owner),
            Some(json!({"default_rate_limit": "100000000/min,100000000/hour"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (_, token) = s
        .mint(&owner, json!({"name": "bench", "scopes": ["work:read"]}))
        .await;

    let upstream = start_upstream().await;
    let (auth_port, plain_port) = (free_port(), free_port());
    let tokctl = s.url.trim_start_matches("http://").to_string();
    let _nginx = start_nginx(&tokctl, upstream, auth_port, plain_port).await;
    let auth_url = format!("http://127.0.0.1:{auth_port}/items/42?view=full");
    let plain_url = format!("http://127.0.0.1:{plain_port}/items/42?view=full");

    // Both paths answer, and the auth path really checks the token.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency as usize)
        .build()
        .unwrap();
    let ok = client
        .get(&auth_url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200, "{}", ok.text().await.unwrap_or_default());
    let refused = client.get(&auth_url).send().await.unwrap();
    assert_eq!(refused.status(), 401, "no token must be refused");
    let plain = client
        .get(&plain_url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 200);

    // Warm up both paths, then alternate rounds.
    load(&client, concurrency, 1, &plain_url, &token).await;
    load(&client, concurrency, 1, &auth_url, &token).await;
    let (mut no_auth, mut with_auth) = (Load::default(), Load::default());
    for _ in 0..rounds {
        no_auth.add(load(&client, concurrency, seconds, &plain_url, &token).await);
        with_auth.add(load(&client, concurrency, seconds, &auth_url, &token).await);
    }

    println!(
        "\ntokctl forward-auth benchmark — nginx {}, 1 worker, SQLite, {concurrency} in flight, \
         {rounds}×{seconds}s per row, {} cores",
        nginx_version(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!("| path through nginx           | requests |     req/s | p50 ms | p99 ms | errors |");
    println!("|------------------------------|----------|-----------|--------|--------|--------|");
    row("proxy_pass, no auth", &no_auth);
    row("auth_request → tokctl", &with_auth);
    println!(
        "forward auth / no auth throughput ratio: {:.2}",
        with_auth.rps() / no_auth.rps()
    );
    assert_eq!(
        with_auth.errors + no_auth.errors,
        0,
        "requests failed during the run"
    );
}

fn nginx_version() -> String {
    Command::new("nginx")
        .arg("-v")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .and_then(|v| v.trim().rsplit('/').next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}
