//! Two credentials in one request are never resolved by picking one: two `Authorization` header
//! lines, or one line holding two credentials (`Bearer a, Bearer b`, `Bearer a b`), are refused
//! with `ambiguous_credential` on every authenticated surface — REST (400), `/v1/verify`'s
//! caller (400), `/mcp` (400, JSON-RPC -32001), `/metrics` (400) — and forward-auth answers
//! 401 for a forwarded request carrying two (nginx `auth_request` understands only 2xx, 401 and
//! 403). The attack: an owner's token and a member's in one request, where "the first wins"
//! depended on which header a proxy or library kept.

use crate::common;

use common::TestServer;
use serde_json::{Value, json};

struct Answer {
    status: u16,
    challenge: Option<String>,
    body: Value,
}

/// A request carrying each of `authorizations` as its own `Authorization` header line.
async fn send(
    s: &TestServer,
    method: &str,
    path: &str,
    authorizations: &[&str],
    extra: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let mut req =
        reqwest::Client::new().request(method.parse().unwrap(), format!("{}{path}", s.url));
    for a in authorizations {
        // `header` appends: two calls are two header lines on the wire.
        req = req.header("authorization", *a);
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let challenge = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    let text = r.text().await.unwrap_or_default();
    Answer {
        status,
        challenge,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

/// Header sets that each name two credentials, from an owner's and a member's secrets.
fn two_credentials(a: &str, b: &str) -> Vec<Vec<String>> {
    vec![
        vec![format!("Bearer {a}"), format!("Bearer {b}")],
        vec![format!("Bearer {b}"), format!("Bearer {a}")],
        vec![format!("Bearer {a}"), format!("Bearer {a}")],
        vec![format!("Bearer {a}"), "Basic dXNlcjpwYXNz".to_string()],
        vec![format!("Bearer {a}"), String::new()],
        vec![format!("Bearer {a}, Bearer {b}")],
        vec![format!("Bearer {a},Bearer {b}")],
        vec![format!("Bearer {a} {b}")],
        vec![format!("Bearer {a}\t{b}")],
        vec![format!("Bearer {a}, Basic dXNlcjpwYXNz")],
    ]
}

fn lines(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[tokio::test]
async fn two_credentials_are_refused_on_every_authenticated_surface() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let member = s.add_person(&owner, "m@example.com", "member").await;
    let (_, judged) = s.mint(&owner, json!({"name": "judged"})).await;

    // One credential works everywhere (the control).
    let one = format!("Bearer {owner}");
    assert_eq!(
        send(&s, "GET", "/v1/me", &[&one], &[], None).await.status,
        200
    );

    for auth in two_credentials(&owner, &member) {
        let auth = lines(&auth);
        for (method, path, body) in [
            ("GET", "/v1/me", None),
            ("GET", "/v1/tokens", None),
            ("POST", "/v1/tokens", Some(json!({"name": "sneaky"}))),
            ("GET", "/v1/audit", None),
            ("GET", "/metrics", None),
            ("POST", "/v1/verify", Some(json!({"token": judged}))),
        ] {
            let r = send(&s, method, path, &auth, &[], body).await;
            assert_eq!(
                (r.status, r.body["error"]["code"].as_str()),
                (400, Some("ambiguous_credential")),
                "{method} {path} with {auth:?}: {}",
                r.body
            );
            assert_eq!(
                r.challenge.as_deref(),
                Some("Bearer error=\"invalid_request\""),
                "{method} {path}"
            );
        }
        let r = send(
            &s,
            "POST",
            "/mcp",
            &auth,
            &[("accept", "application/json, text/event-stream")],
            Some(json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list"})),
        )
        .await;
        assert_eq!(r.status, 400, "/mcp with {auth:?}: {}", r.body);
        assert_eq!(r.body["id"], 9);
        assert_eq!(r.body["error"]["code"], -32001);
        assert_eq!(r.body["error"]["data"]["code"], "ambiguous_credential");
    }
    // Nothing was minted by any of them.
    let r = s.get("/v1/tokens?owner=*", &owner).await;
    assert!(!r.text.contains("sneaky"), "{}", r.text);
    // Each refusal is a failed authentication the admins can see.
    let r = s
        .get("/v1/audit?action=auth.failed&limit=500", &owner)
        .await;
    assert!(
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["detail"]["reason"] == "ambiguous"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn forward_auth_refuses_a_forwarded_request_with_two_credentials_with_401() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let member = s.add_person(&owner, "m@example.com", "member").await;
    let (_, admin_pat) = s.mint(&owner, json!({"name": "admin-pat"})).await;
    let (_, member_pat) = s.mint(&member, json!({"name": "member-pat"})).await;

    let path = "/v1/forward-auth?permission=audit:read";
    let r = send(
        &s,
        "GET",
        path,
        &[&format!("Bearer {admin_pat}")],
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, 204, "the control: {}", r.body);

    for auth in two_credentials(&admin_pat, &member_pat) {
        let auth = lines(&auth);
        let r = send(&s, "GET", path, &auth, &[], None).await;
        assert_eq!(
            (r.status, r.body["error"]["code"].as_str()),
            (401, Some("ambiguous_credential")),
            "{auth:?}: {}",
            r.body
        );
        assert!(r.challenge.is_some(), "401 without WWW-Authenticate");
    }
}
