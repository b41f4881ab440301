//! RFC 7662 introspection (also through authlib's introspection client,
//! `tests/it/clients/introspect_authlib.py`), RFC 8414 and RFC 9728 metadata, and the
//! `resource_metadata` that `/mcp`'s 401 names.

use crate::common;

use common::TestServer;
use serde_json::{Value, json};

use crate::token_exchange::post_form;

const AUTHLIB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/clients/introspect_authlib.py"
);

async fn introspect(s: &TestServer, caller: &str, token: &str) -> common::Resp {
    post_form(s, "/v1/oauth/introspect", Some(caller), &[("token", token)]).await
}

#[tokio::test]
async fn introspection_answers_an_active_tokens_claims_and_only_active_false_otherwise() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, gateway) = s
        .mint(
            &owner,
            json!({"name": "gateway", "scopes": ["tokens:verify"]}),
        )
        .await;
    let (id, reader) = s
        .mint(
            &owner,
            json!({"name": "reader", "scopes": ["work:read"], "audience": ["https://a.example"]}),
        )
        .await;
    let r = introspect(&s, &gateway, &reader).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["scope"], "work:read");
    assert_eq!(r.body["client_id"], id.as_str());
    assert_eq!(r.body["username"], "owner@example.com");
    assert_eq!(r.body["sub"], "owner@example.com");
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["aud"], json!(["https://a.example"]));
    assert!(r.body["exp"].as_i64().unwrap() > r.body["iat"].as_i64().unwrap());
    assert_eq!(r.body["iss"], s.url.as_str());
    assert_eq!(r.header("cache-control"), Some("no-store"));

    // The oracle: every kind of inactive token gets the same bytes, and nothing more.
    let (revoked_id, revoked) = s
        .mint(&owner, json!({"name": "revoked", "scopes": ["work:read"]}))
        .await;
    s.post(
        &format!("/v1/tokens/{revoked_id}/revoke"),
        &owner,
        json!({}),
    )
    .await;
    let (expired_id, expired) = s
        .mint(&owner, json!({"name": "expired", "scopes": ["work:read"]}))
        .await;
    s.exec_sql(&format!(
        "UPDATE tokens SET expires_at = 1000000 WHERE id = '{expired_id}'"
    ));
    let unknown = {
        let other = TestServer::start();
        let o = other.owner_session().await;
        other.mint(&o, json!({"name": "elsewhere"})).await.1
    };
    for (what, token) in [
        ("revoked", revoked.as_str()),
        ("expired", expired.as_str()),
        ("unknown", unknown.as_str()),
        ("malformed", "not-a-token"),
    ] {
        let r = introspect(&s, &gateway, token).await;
        assert_eq!(r.status, 200, "{what}: {}", r.text);
        assert_eq!(r.text, r#"{"active":false}"#, "{what}");
    }

    // Introspection is not a use: the token's limit and last use do not move.
    let before = s
        .post("/v1/verify", &gateway, json!({"token": reader}))
        .await
        .body["rate_limit"]["remaining_minute"]
        .as_u64()
        .unwrap();
    for _ in 0..3 {
        introspect(&s, &gateway, &reader).await;
    }
    let after = s
        .post("/v1/verify", &gateway, json!({"token": reader}))
        .await
        .body["rate_limit"]["remaining_minute"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before - 1, "only the second verify counted");
}

#[tokio::test]
async fn introspection_without_tokens_verify_learns_nothing() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, reader) = s
        .mint(&owner, json!({"name": "reader", "scopes": ["work:read"]}))
        .await;
    let (_, nosy) = s
        .mint(&owner, json!({"name": "nosy", "scopes": ["tokens:read"]}))
        .await;
    // The same refusal whether the token asked about is valid or not.
    let valid = introspect(&s, &nosy, &reader).await;
    let invalid = introspect(&s, &nosy, &common::unknown_secret()).await;
    assert_eq!(valid.status, 403, "{}", valid.text);
    assert_eq!(valid.code(), "forbidden");
    assert_eq!(valid.text, invalid.text);
    // Nor without any credential, nor with a token not meant for tokctl.
    let r = post_form(&s, "/v1/oauth/introspect", None, &[("token", &reader)]).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let (_, elsewhere) = s
        .mint(
            &owner,
            json!({"name": "elsewhere", "scopes": ["tokens:verify"], "audience": ["https://a.example"]}),
        )
        .await;
    let r = introspect(&s, &elsewhere, &reader).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.code(), "wrong_audience");
    // `token` twice is refused rather than guessed at.
    let r = post_form(
        &s,
        "/v1/oauth/introspect",
        Some(&owner),
        &[("token", &reader), ("token", &common::unknown_secret())],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
}

#[tokio::test]
async fn guessing_through_introspection_is_throttled() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    // The budget of verify's guess throttle: a burst of 300 per address, then a trickle.
    let mut throttled = false;
    for i in 0..1000 {
        let guess = format!("tokctl_pat_{i:0>36}");
        let r = introspect(&s, &owner, &guess).await;
        if r.status == 429 {
            throttled = true;
            break;
        }
        assert_eq!(r.text, r#"{"active":false}"#);
    }
    assert!(throttled, "1000 guesses from one address were all answered");
}

#[tokio::test]
async fn metadata_documents_point_standard_clients_at_the_endpoints() {
    let s = TestServer::start();
    let r = s
        .call("GET", "/.well-known/oauth-authorization-server", None, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["issuer"], s.url.as_str());
    assert_eq!(
        r.body["token_endpoint"],
        format!("{}/v1/oauth/token", s.url)
    );
    assert_eq!(
        r.body["introspection_endpoint"],
        format!("{}/v1/oauth/introspect", s.url)
    );
    assert_eq!(
        r.body["grant_types_supported"],
        json!(["urn:ietf:params:oauth:grant-type:token-exchange"])
    );
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let r = s.call("GET", path, None, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(r.body["authorization_servers"], json!([s.url]));
    }
    let r = s
        .call(
            "GET",
            "/.well-known/oauth-protected-resource/mcp",
            None,
            None,
        )
        .await;
    assert_eq!(r.body["resource"], format!("{}/mcp", s.url));

    // /mcp's 401 names the metadata, as the MCP authorization spec asks.
    let resp = reqwest::Client::new()
        .post(format!("{}/mcp", s.url))
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let challenge = resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        challenge,
        format!(
            "Bearer error=\"invalid_token\", resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"",
            s.url
        )
    );
    // A forged Host from an untrusted peer cannot point clients elsewhere... it names the
    // Host the client itself used, which is all RFC 9728 asks of an unconfigured server; a
    // header-injection attempt is refused by the name check.
    let resp = reqwest::Client::new()
        .get(format!(
            "{}/.well-known/oauth-protected-resource/mcp",
            s.url
        ))
        .header("host", "evil.example\", x=\"")
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(
        !body["resource"].as_str().unwrap_or("").contains('"'),
        "{body}"
    );
}

/// Runs authlib's introspection client; None (with a skip notice) without it.
fn authlib(test: &str, url: &str, gateway: &str, token: &str, scope: &str) -> Option<Value> {
    common::python_client(test, &[AUTHLIB, url, token, scope], &[("GATEWAY", gateway)])
}

#[tokio::test]
async fn authlibs_introspection_client_judges_tokctl_tokens() {
    const TEST: &str = "authlibs_introspection_client_judges_tokctl_tokens";
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, gateway) = s
        .mint(
            &owner,
            json!({"name": "gateway", "scopes": ["tokens:verify"]}),
        )
        .await;
    let (revoked_id, revoked) = s
        .mint(&owner, json!({"name": "revoked", "scopes": ["work:read"]}))
        .await;
    s.post(
        &format!("/v1/tokens/{revoked_id}/revoke"),
        &owner,
        json!({}),
    )
    .await;
    let (_, reader) = s
        .mint(&owner, json!({"name": "reader", "scopes": ["work:read"]}))
        .await;
    for (token, scope, verdict) in [
        (reader.clone(), "work:read", "ok"),
        (reader.clone(), "work:write", "insufficient_scope"),
        (revoked.clone(), "work:read", "invalid_token"),
    ] {
        let (url, gw) = (s.url.clone(), gateway.clone());
        let Some(r) = tokio::task::spawn_blocking(move || authlib(TEST, &url, &gw, &token, scope))
            .await
            .unwrap()
        else {
            return;
        };
        assert_eq!(r["verdict"], verdict, "{scope}: {r}");
    }
}
