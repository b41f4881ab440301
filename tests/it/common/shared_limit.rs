//! One rate limit shared by two replicas, checked the same way whichever store keeps the
//! counters (PostgreSQL in `replicas.rs`, Redis in `redis_ratelimit.rs`).
#![allow(dead_code)]

use serde_json::json;

use super::TestServer;

/// Requests alternating between `a` and `b` on a 5/min token: 5 in total are allowed, not 5 on
/// each; the refusal names the limit and when to retry; verify on either replica counts against
/// the same budget.
pub async fn assert_one_budget_across(a: &TestServer, b: &TestServer, owner: &str) {
    let (_, secret) = a
        .mint(
            owner,
            json!({"name": "limited", "rate_limit": {"per_minute": 5, "per_hour": 100}}),
        )
        .await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let s = if i % 2 == 0 { a } else { b };
        statuses.push(s.get("/v1/me", &secret).await.status);
    }
    assert_eq!(&statuses[..5], &[200; 5], "{statuses:?}");
    assert_eq!(&statuses[5..], &[429, 429, 429], "{statuses:?}");
    let r = b.get("/v1/me", &secret).await;
    assert_eq!(r.status, 429);
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=12).contains(&retry), "Retry-After {retry}");
    assert_eq!(r.header("ratelimit-limit"), Some("5"));
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    let v = a.post("/v1/verify", owner, json!({"token": secret})).await;
    assert_eq!(v.body["allowed"], false, "{}", v.text);
    assert_eq!(v.body["reason"], "rate_limited");
}

/// Sends `n` requests with `secret` all at once, alternating between `a` and `b`, request `i`
/// to `path(i)`; returns how many were allowed (200) and refused (429).
pub async fn allowed_and_refused_at_once(
    a: &TestServer,
    b: &TestServer,
    secret: &str,
    n: usize,
    path: impl Fn(usize) -> &'static str,
) -> (usize, usize) {
    // Spawned (on the test's multi-thread runtime), so the requests really run in parallel.
    let client = reqwest::Client::new();
    let calls: Vec<_> = (0..n)
        .map(|i| {
            let url = format!("{}{}", if i % 2 == 0 { &a.url } else { &b.url }, path(i));
            let request = client.get(url).bearer_auth(secret);
            tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    let mut statuses = Vec::with_capacity(n);
    for call in calls {
        statuses.push(call.await.expect("task").expect("request"));
    }
    let allowed = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(allowed + refused, n, "{statuses:?}");
    (allowed, refused)
}
