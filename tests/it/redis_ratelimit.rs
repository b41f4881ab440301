//! Rate-limit counters in Redis (`tokctl server --redis URL`): two replicas on one PostgreSQL
//! database share one budget per token, and Redis going away answers 503 until it is back.
//! Skipped (and saying so) without `TOKCTL_TEST_REDIS_URL`, `TOKCTL_TEST_DATABASE_URL` or
//! `redis-server`.

use crate::common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{PgDb, ServerOptions, TestServer, shared_limit};
use serde_json::json;

/// PostgreSQL's admin URL and the shared Redis URL, or None (and a skip notice).
fn urls(test: &str) -> Option<(String, String)> {
    let redis = match std::env::var("TOKCTL_TEST_REDIS_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            common::say_skipped(test, "TOKCTL_TEST_REDIS_URL is not set (no Redis)");
            return None;
        }
    };
    let pg = common::postgres_url(test)?;
    Some((pg, redis))
}

fn with_redis(db: &str, redis: &str) -> ServerOptions {
    ServerOptions {
        database: Some(db.to_string()),
        args: vec!["--redis".into(), redis.into()],
        ..Default::default()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A redis-server of this test's own on a loopback port, killed when dropped.
struct OwnRedis {
    port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let mut r = OwnRedis { port, child: None };
        r.spawn();
        r
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

fn have_redis_server() -> bool {
    Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test]
async fn a_rate_limit_in_redis_holds_across_replicas() {
    let Some((admin, redis)) = urls("redis_rate_limit_across_replicas") else {
        return;
    };
    let db = PgDb::new(&admin);
    let a = TestServer::start_with(with_redis(&db.url, &redis));
    let b = TestServer::replica_of(&a, with_redis(&db.url, &redis));
    let owner = a.owner_session().await;
    shared_limit::assert_one_budget_across(&a, &b, &owner).await;

    // Concurrent requests on both replicas: still exactly the budget in total.
    let (_, burst) = a
        .mint(
            &owner,
            json!({"name": "burst", "rate_limit": {"per_minute": 10, "per_hour": 1000}}),
        )
        .await;
    let counts = shared_limit::allowed_and_refused_at_once(&a, &b, &burst, 24, |_| "/v1/me").await;
    assert_eq!(counts, (10, 14));
}

#[tokio::test]
async fn redis_outage_answers_503_then_recovers() {
    let Some((admin, _)) = urls("redis_outage") else {
        return;
    };
    if !have_redis_server() {
        common::say_skipped("redis_outage", "redis-server is not installed");
        return;
    }
    let db = PgDb::new(&admin);
    let port = free_port();

    // No Redis at the URL when the server starts: a clear error and exit 1.
    let a = TestServer::start_with(ServerOptions {
        database: Some(db.url.clone()),
        ..Default::default()
    });
    let out = Command::new(common::tokctl_bin())
        .args(["server", "--listen", "127.0.0.1:0", "--database", &db.url])
        .args(["--redis", &format!("redis://127.0.0.1:{port}")])
        .env("HOME", a.dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run tokctl server");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot use Redis at redis://127.0.0.1:"),
        "{err}"
    );

    let mut redis = OwnRedis::start(port);
    let b = TestServer::replica_of(&a, with_redis(&db.url, &redis.url()));
    let owner = a.owner_session().await;
    let (_, secret) = a
        .mint(
            &owner,
            json!({"name": "blip", "rate_limit": {"per_minute": 600, "per_hour": 10000}}),
        )
        .await;
    assert_eq!(b.get("/v1/me", &secret).await.status, 200);

    // Redis gone: 503 `unavailable`, never a yes.
    redis.kill();
    for _ in 0..3 {
        let r = b.get("/v1/me", &secret).await;
        assert_eq!((r.status, r.code()), (503, "unavailable"), "{}", r.text);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("rate-limit store"),
            "{}",
            r.text
        );
        let v = b.post("/v1/verify", &owner, json!({"token": secret})).await;
        assert_eq!(v.status, 503, "{}", v.text);
    }

    // Back (empty: counters start afresh): the server recovers by itself.
    redis.spawn();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = b.get("/v1/me", &secret).await;
        if r.status == 200 {
            break;
        }
        assert_eq!(r.status, 503, "{}", r.text);
        assert!(Instant::now() < deadline, "server did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(b.log_text().contains("rate limiter unavailable"));
}
