//! Revocation under load: verify and REST calls at full speed while the tokens they use are
//! revoked and rotated concurrently. Not one request sent after its revoke (or the rotation
//! that retired its secret) was acknowledged may be allowed — on any surface.
//!
//! Ordering is by the client's own clock: a request counts as "after" only when it was sent
//! after the acknowledgement had been received, so the check is exact, not a timing guess.
//! `TOKCTL_RACE_TOKENS` scales it (default 24 tokens, half revoked, half rotated).

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{PgDb, ServerOptions, TestServer};
use serde_json::{Value, json};

#[derive(Clone)]
struct Target {
    id: String,
    secret: String,
    /// When the client received the acknowledgement that retired `secret`.
    retired_at: Arc<Mutex<Option<Instant>>>,
    revoke: bool,
}

#[derive(Default)]
struct Seen {
    /// (target index, sent at, allowed)
    requests: Vec<(usize, Instant, bool)>,
}

async fn hammer(
    url: String,
    gateway: String,
    targets: Arc<Vec<Target>>,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    worker: usize,
) {
    let client = reqwest::Client::new();
    let mut i = worker;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let n = i % targets.len();
        let t = &targets[n];
        i += 7;
        let sent = Instant::now();
        let allowed = if i.is_multiple_of(2) && t.revoke {
            // Verify, as a gateway would (only for revokes: an old secret after a rotation is
            // "unknown", which the per-caller fishing throttle rightly charges).
            let r = client
                .post(format!("{url}/v1/verify"))
                .bearer_auth(&gateway)
                .json(&json!({"token": t.secret}))
                .send()
                .await
                .expect("verify");
            let body: Value = r.json().await.unwrap_or(Value::Null);
            body["allowed"] == true
        } else {
            let r = client
                .get(format!("{url}/v1/me"))
                .bearer_auth(&t.secret)
                .send()
                .await
                .expect("me");
            r.status().is_success()
        };
        seen.lock().unwrap().requests.push((n, sent, allowed));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_is_allowed_after_its_revoke_or_rotation_was_acknowledged() {
    let s = TestServer::start();
    race(&s, &s, "one server").await;
}

/// The same race across two PostgreSQL replicas: the tokens are retired through one while the
/// other, whose credential cache holds them, is hammered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_replica_allows_a_request_after_a_revoke_acknowledged_by_another() {
    let Some(admin) = common::postgres_url("revocation_race_across_replicas") else {
        return;
    };
    let db = PgDb::new(&admin);
    let on = || ServerOptions {
        database: Some(db.url.clone()),
        ..Default::default()
    };
    let a = TestServer::start_with(on());
    let b = TestServer::replica_of(&a, on());
    race(&a, &b, "two replicas").await;
}

/// Mints and retires tokens through `s` while 8 clients use them through `hammered`.
async fn race(s: &TestServer, hammered: &TestServer, label: &str) {
    let count: usize = std::env::var("TOKCTL_RACE_TOKENS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let first = s.owner_session().await;
    let r = s
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&first),
            Some(json!({"default_rate_limit": "1000000/min,10000000/hour",
                        "session_rate_limit": "1000000/min,10000000/hour"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let owner = s.owner_session().await;
    let (_, gateway) = s
        .mint(
            &owner,
            json!({"name": "gateway", "scopes": ["tokens:verify"]}),
        )
        .await;
    let mut targets = Vec::new();
    for i in 0..count {
        let (id, secret) = s
            .mint(
                &owner,
                json!({"name": format!("race-{i}"), "scopes": ["work:read"]}),
            )
            .await;
        targets.push(Target {
            id,
            secret,
            retired_at: Arc::new(Mutex::new(None)),
            revoke: i.is_multiple_of(2),
        });
    }
    let targets = Arc::new(targets);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..8)
        .map(|w| {
            tokio::spawn(hammer(
                hammered.url.clone(),
                gateway.clone(),
                targets.clone(),
                seen.clone(),
                stop.clone(),
                w,
            ))
        })
        .collect();

    // Retire them one by one while the hammering goes on.
    let client = reqwest::Client::new();
    for t in targets.iter() {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let action = if t.revoke { "revoke" } else { "rotate" };
        let r = client
            .post(format!("{}/v1/tokens/{}/{action}", s.url, t.id))
            .bearer_auth(&owner)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{action}: {}", r.status());
        let _ = r.bytes().await;
        *t.retired_at.lock().unwrap() = Some(Instant::now());
    }
    // Keep going a little after the last acknowledgement, then stop.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }

    let seen = seen.lock().unwrap();
    let mut after_ack = 0usize;
    let mut allowed_before = 0usize;
    for (n, sent, allowed) in &seen.requests {
        let retired = *targets[*n].retired_at.lock().unwrap();
        match retired {
            Some(at) if *sent > at => {
                after_ack += 1;
                assert!(
                    !allowed,
                    "token {} was allowed on a request sent after its {} was acknowledged",
                    targets[*n].id,
                    if targets[*n].revoke {
                        "revoke"
                    } else {
                        "rotation"
                    }
                );
            }
            _ => allowed_before += usize::from(*allowed),
        }
    }
    assert!(after_ack > 0, "no request landed after an acknowledgement");
    println!(
        "revocation race ({label}): {} requests (verify and REST, 8 concurrent clients) while {} tokens \
         were revoked and {} rotated; {after_ack} sent after their token's acknowledgement, all \
         refused; {allowed_before} allowed before",
        seen.requests.len(),
        targets.iter().filter(|t| t.revoke).count(),
        targets.iter().filter(|t| !t.revoke).count(),
    );
}
