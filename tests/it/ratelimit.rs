//! Per-token rate limits and allowed networks over real HTTP: exact at the edge, both limits
//! consumed together, the same budget on every surface (REST, verify, MCP).

use crate::common;

use std::time::{Duration, Instant};

use common::{Resp, TestServer};
use serde_json::json;

async fn me(s: &TestServer, secret: &str) -> Resp {
    s.get("/v1/me", secret).await
}

#[tokio::test]
async fn n_allowed_then_429_then_allowed_again_after_the_refill() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, secret) = s
        .mint(
            &owner,
            json!({"name": "five", "rate_limit": {"per_minute": 5, "per_hour": 1000}}),
        )
        .await;
    for i in 0..5 {
        let r = me(&s, &secret).await;
        assert_eq!(r.status, 200, "request {i}: {}", r.text);
        assert_eq!(r.header("ratelimit-limit"), Some("5"));
        assert_eq!(
            r.header("ratelimit-remaining"),
            Some((4 - i).to_string().as_str())
        );
    }
    let r = me(&s, &secret).await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert_eq!(r.code(), "rate_limited");
    assert_eq!(r.header("ratelimit-limit"), Some("5"));
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    // One request refills every 60/5 = 12 s.
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((11..=12).contains(&retry), "Retry-After {retry}");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("5 requests per minute")
    );
    // Refused requests spend nothing: still refused, still the same wait.
    assert_eq!(me(&s, &secret).await.status, 429);

    // Wait out the refill (the server says how long), then exactly one more is allowed.
    let deadline = Instant::now() + Duration::from_secs(30);
    tokio::time::sleep(Duration::from_secs(retry)).await;
    loop {
        let r = me(&s, &secret).await;
        if r.status == 200 {
            assert_eq!(r.header("ratelimit-remaining"), Some("0"));
            break;
        }
        assert_eq!(r.status, 429);
        assert!(Instant::now() < deadline, "never refilled");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(me(&s, &secret).await.status, 429);
}

#[tokio::test]
async fn the_hour_limit_refuses_without_spending_the_minute_limit() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, gw) = s
        .mint(&owner, json!({"name": "gw", "scopes": ["tokens:verify"]}))
        .await;
    let (_, secret) = s
        .mint(
            &owner,
            json!({"name": "hourly", "rate_limit": {"per_minute": 10, "per_hour": 3}}),
        )
        .await;
    for _ in 0..3 {
        assert_eq!(me(&s, &secret).await.status, 200);
    }
    let r = me(&s, &secret).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("ratelimit-limit"), Some("3"));
    // One request of a 3/hour limit refills in 20 minutes.
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1199..=1200).contains(&retry), "Retry-After {retry}");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("per hour")
    );
    for _ in 0..5 {
        assert_eq!(me(&s, &secret).await.status, 429);
    }
    // Verify sees the same budget: the refusals above took no minute slot.
    let v = s.post("/v1/verify", &gw, json!({"token": secret})).await;
    assert_eq!(v.body["reason"], "rate_limited", "{}", v.text);
    assert_eq!(
        v.body["rate_limit"],
        json!({"per_minute": 10, "per_hour": 3, "remaining_minute": 7, "remaining_hour": 0})
    );
}

#[tokio::test]
async fn one_budget_across_rest_verify_and_mcp() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, gw) = s
        .mint(&owner, json!({"name": "gw", "scopes": ["tokens:verify"]}))
        .await;
    let (_, secret) = s
        .mint(
            &owner,
            json!({"name": "agent", "type": "mcp", "rate_limit": {"per_minute": 3, "per_hour": 100}}),
        )
        .await;
    assert_eq!(me(&s, &secret).await.status, 200);
    let v = s.post("/v1/verify", &gw, json!({"token": secret})).await;
    assert_eq!(v.body["allowed"], true);
    assert_eq!(v.body["rate_limit"]["remaining_minute"], 1);
    let mcp = |body: serde_json::Value| {
        reqwest::Client::new()
            .post(format!("{}/mcp", s.url))
            .bearer_auth(&secret)
            .header("accept", "application/json, text/event-stream")
            .json(&body)
            .send()
    };
    let r = mcp(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The fourth use in the minute, on MCP: HTTP 429, a JSON-RPC error with the retry time.
    let r = mcp(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["id"], 2);
    assert_eq!(body["error"]["data"]["code"], "rate_limited");
    assert_eq!(body["error"]["data"]["retry_after"], retry);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("retry in {retry} s"))
    );
    assert_eq!(me(&s, &secret).await.status, 429);
    let v = s.post("/v1/verify", &gw, json!({"token": secret})).await;
    assert_eq!(v.body["reason"], "rate_limited");
    // Each refusal counted once in /metrics: MCP, REST, verify.
    let m = s.get("/metrics", &owner).await.text;
    let refused: u64 = m
        .lines()
        .find_map(|l| l.strip_prefix("tokctl_rate_limited_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no rate-limited counter in /metrics:\n{m}"));
    assert_eq!(refused, 3, "{m}");
}

#[tokio::test]
async fn limits_are_per_token() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let limit = json!({"per_minute": 2, "per_hour": 100});
    let (_, a) = s
        .mint(&owner, json!({"name": "a", "rate_limit": limit}))
        .await;
    let (_, b) = s
        .mint(&owner, json!({"name": "b", "rate_limit": limit}))
        .await;
    for _ in 0..2 {
        assert_eq!(me(&s, &a).await.status, 200);
    }
    assert_eq!(me(&s, &a).await.status, 429);
    assert_eq!(me(&s, &b).await.status, 200);
    // The owner's session has its own (session) limit and is unaffected.
    assert_eq!(me(&s, &owner).await.status, 200);
}

#[tokio::test]
async fn allowed_networks_refuse_other_addresses() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, fenced) = s
        .mint(
            &owner,
            json!({"name": "fenced", "allowed_cidrs": ["10.0.0.0/8"]}),
        )
        .await;
    let r = me(&s, &fenced).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.code(), "ip_not_allowed");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("10.0.0.0/8")
    );
    // The same on MCP, as a JSON-RPC error.
    let r = reqwest::Client::new()
        .post(format!("{}/mcp", s.url))
        .bearer_auth(&fenced)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["data"]["code"], "ip_not_allowed");

    let (_, local) = s
        .mint(
            &owner,
            json!({"name": "local", "allowed_cidrs": ["127.0.0.0/8", "10.0.0.0/8"]}),
        )
        .await;
    assert_eq!(me(&s, &local).await.status, 200);
}
