//! The MCP endpoint over real HTTP (plain JSON-RPC 2.0 POSTs, as any MCP client sends them):
//! initialize, tools/list, tools/call under the token's permissions, and -32001 for every way a
//! token fails — including right after it is revoked.

use crate::common;

use common::TestServer;
use serde_json::{Value, json};

struct McpResp {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn post_mcp(s: &TestServer, token: Option<&str>, body: Value) -> McpResp {
    post_mcp_to(s, "/mcp", token, body).await
}

async fn post_mcp_to(s: &TestServer, path: &str, token: Option<&str>, body: Value) -> McpResp {
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", s.url))
        .header("accept", "application/json, text/event-stream")
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    McpResp {
        status,
        headers,
        body,
    }
}

fn call(id: u64, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": tool, "arguments": arguments}})
}

/// A tool call's structured result (panics on a JSON-RPC error).
fn result(r: &McpResp) -> &Value {
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["error"].is_null(), "{}", r.body);
    &r.body["result"]["structuredContent"]
}

fn assert_unauthenticated(r: &McpResp, id: Value, code: &str) {
    assert_eq!(r.status, 401, "{}", r.body);
    // RFC 6750's challenge, naming the RFC 9728 metadata as the MCP authorization spec asks.
    let challenge = r.headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with("Bearer error=\"invalid_token\", resource_metadata=\"http://")
            && challenge.ends_with("/.well-known/oauth-protected-resource/mcp\""),
        "{challenge}"
    );
    assert_eq!(r.body["jsonrpc"], "2.0");
    assert_eq!(r.body["id"], id);
    assert_eq!(r.body["error"]["code"], -32001);
    assert_eq!(r.body["error"]["data"]["code"], code);
}

#[tokio::test]
async fn initialize_list_and_call_tools() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, agent) = s
        .mint(
            &owner,
            json!({"name": "agent", "type": "mcp", "scopes": ["tokens:read", "tokens:write"]}),
        )
        .await;
    assert!(agent.starts_with("tokctl_mcp_"));

    let r = post_mcp(
        &s,
        Some(&agent),
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "test-agent", "version": "1.0"}}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["id"], 1);
    assert_eq!(r.body["result"]["serverInfo"]["name"], "tokctl");
    assert!(r.body["result"]["capabilities"]["tools"].is_object());
    // Stateless: no session to keep, so nothing can outlive a revocation.
    assert!(r.headers.get("mcp-session-id").is_none());

    let r = post_mcp(
        &s,
        Some(&agent),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    )
    .await;
    let names: Vec<&str> = r.body["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["whoami", "list_tokens", "revoke_token", "audit", "delegate"]
    );

    // whoami: the same document as GET /v1/me.
    let r = post_mcp(&s, Some(&agent), call(3, "whoami", json!({}))).await;
    let who = result(&r);
    assert_eq!(who["credential"]["id"], id.as_str());
    assert_eq!(who["user"]["email"], common::OWNER_EMAIL);
    assert_eq!(who["permissions"], json!(["tokens:read", "tokens:write"]));
    let rest = s.get("/v1/me", &agent).await;
    assert_eq!(who["permissions"], rest.body["permissions"]);

    // list_tokens: the caller's own tokens, like GET /v1/tokens.
    let r = post_mcp(&s, Some(&agent), call(4, "list_tokens", json!({}))).await;
    let items = result(&r)["items"].as_array().unwrap();
    assert!(items.iter().any(|t| t["id"] == id.as_str()));
    assert!(items.iter().all(|t| t.get("secret").is_none()));

    // audit: this token lacks audit:read, so the tool refuses like the REST call does.
    let r = post_mcp(&s, Some(&agent), call(5, "audit", json!({}))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["result"]["isError"], true);
    assert_eq!(
        r.body["result"]["structuredContent"]["error"]["code"],
        "forbidden"
    );
    assert_eq!(s.get("/v1/audit", &agent).await.status, 403);

    // Bad arguments are a JSON-RPC invalid-params error; an unknown tool too.
    let r = post_mcp(
        &s,
        Some(&agent),
        call(6, "list_tokens", json!({"limit": "x"})),
    )
    .await;
    assert_eq!(r.body["error"]["code"], -32602, "{}", r.body);
    let r = post_mcp(&s, Some(&agent), call(7, "format_disk", json!({}))).await;
    assert_eq!(r.body["error"]["code"], -32602, "{}", r.body);
}

#[tokio::test]
async fn an_admin_agent_reads_the_audit_log_and_revokes_others() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, admin_agent) = s
        .mint(&owner, json!({"name": "admin-agent", "type": "mcp"}))
        .await;
    let member = s.add_person(&owner, "dev@example.com", "member").await;
    let (victim_id, victim) = s.mint(&member, json!({"name": "laptop"})).await;

    let r = post_mcp(
        &s,
        Some(&admin_agent),
        call(1, "audit", json!({"action": "token.mint", "limit": 5})),
    )
    .await;
    let items = result(&r)["items"].as_array().unwrap();
    assert!(items.iter().any(|e| e["target"] == victim_id.as_str()));
    assert!(items.iter().all(|e| e["action"] == "token.mint"));

    // A member's agent may not revoke someone else's token: it is not even found.
    let (_, member_agent) = s
        .mint(&member, json!({"name": "member-agent", "type": "mcp"}))
        .await;
    let (owner_tok_id, _) = s.mint(&owner, json!({"name": "owner-thing"})).await;
    let r = post_mcp(
        &s,
        Some(&member_agent),
        call(2, "revoke_token", json!({"token": owner_tok_id})),
    )
    .await;
    assert_eq!(r.body["result"]["isError"], true, "{}", r.body);
    assert_eq!(
        r.body["result"]["structuredContent"]["error"]["code"],
        "not_found"
    );

    // With tokens:admin it can (offboarding from an agent).
    let r = post_mcp(
        &s,
        Some(&admin_agent),
        call(
            3,
            "revoke_token",
            json!({"token": victim_id, "reason": "lost laptop"}),
        ),
    )
    .await;
    assert_eq!(result(&r)["revoked"][0]["status"], "revoked");
    assert_eq!(s.get("/v1/me", &victim).await.code(), "token_revoked");
}

#[tokio::test]
async fn an_agent_revokes_itself_and_its_next_call_gets_32001() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, agent) = s
        .mint(
            &owner,
            json!({"name": "one-shot", "type": "mcp", "scopes": ["tokens:write"]}),
        )
        .await;
    let r = post_mcp(&s, Some(&agent), call(1, "revoke_token", json!({}))).await;
    let revoked = result(&r);
    assert_eq!(revoked["revoked"][0]["id"], id.as_str());
    assert_eq!(revoked["already_revoked"], false);

    let r = post_mcp(&s, Some(&agent), call(2, "whoami", json!({}))).await;
    assert_unauthenticated(&r, json!(2), "token_revoked");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
    // And on REST at the same moment: one token, one revocation, both surfaces.
    assert_eq!(s.get("/v1/me", &agent).await.code(), "token_revoked");
}

#[tokio::test]
async fn every_failing_credential_gets_401_and_32001_naming_the_reason() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let list = json!({"jsonrpc": "2.0", "id": "req-1", "method": "tools/list"});

    let r = post_mcp(&s, None, list.clone()).await;
    assert_unauthenticated(&r, json!("req-1"), "unauthenticated");

    let r = post_mcp(&s, Some("tokctl_pat_nonsense"), list.clone()).await;
    assert_unauthenticated(&r, json!("req-1"), "token_malformed");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("well-formed")
    );

    let never = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Mcp);
    let r = post_mcp(&s, Some(never.expose()), list.clone()).await;
    assert_unauthenticated(&r, json!("req-1"), "token_unknown");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a known token")
    );

    let (exp_id, expired) = s.mint(&owner, json!({"name": "old", "type": "mcp"})).await;
    s.exec_sql(&format!(
        "UPDATE tokens SET expires_at = 1000000 WHERE id = '{exp_id}'"
    ));
    let r = post_mcp(&s, Some(&expired), list.clone()).await;
    assert_unauthenticated(&r, json!("req-1"), "token_expired");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    let (rev_id, revoked) = s.mint(&owner, json!({"name": "gone", "type": "mcp"})).await;
    s.post(&format!("/v1/tokens/{rev_id}/revoke"), &owner, json!({}))
        .await;
    let r = post_mcp(&s, Some(&revoked), list.clone()).await;
    assert_unauthenticated(&r, json!("req-1"), "token_revoked");

    // A secret in the URL: 400 with a -32001 body, never served.
    let (_, good) = s.mint(&owner, json!({"name": "good", "type": "mcp"})).await;
    let r = post_mcp_to(&s, &format!("/mcp?access_token={good}"), None, list.clone()).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["code"], -32001);
    assert_eq!(r.body["error"]["data"]["code"], "token_in_url");
    assert!(!s.log_text().contains(&good), "the secret reached the log");

    // The failures are audit events.
    let ev = s.get("/v1/audit?action=auth.failed", &owner).await;
    let reasons: Vec<&str> = ev.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"]["reason"].as_str().unwrap_or(""))
        .collect();
    assert!(
        reasons.contains(&"revoked") && reasons.contains(&"expired"),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_agent_surface() {
    let s = TestServer::start();
    let r = s.call("GET", "/openapi.json", None, None).await;
    assert_eq!(r.status, 200);
    for path in [
        "/mcp",
        "/v1/verify",
        "/v1/forward-auth",
        "/v1/audit",
        "/v1/tokens/{token}/usage",
    ] {
        assert!(
            r.body["paths"][path].is_object(),
            "{path} is not documented"
        );
    }
    for schema in [
        "VerifyResponse",
        "AuditPage",
        "TokenUsage",
        "RateLimitState",
    ] {
        assert!(
            r.body["components"]["schemas"][schema].is_object(),
            "{schema} is not documented"
        );
    }
}

/// A POST to `/mcp` with a raw body and extra headers (each appended: two of a name are two
/// header lines).
async fn post_raw(
    s: &TestServer,
    token: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/mcp", s.url))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, content_type, body)
}

#[tokio::test]
async fn malformed_json_and_invalid_requests_get_jsonrpc_errors() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    for junk in ["{\"jsonrpc\": ", "not json", "{'id': 1}", "\u{0}"] {
        let (status, content_type, body) = post_raw(&s, &owner, &[], junk).await;
        assert_eq!(status, 400, "{junk}: {body}");
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        assert_eq!(body["jsonrpc"], "2.0");
        assert_eq!(body["id"], Value::Null);
        assert_eq!(body["error"]["code"], -32700, "{junk}: {body}");
    }
    for (invalid, id, names) in [
        (
            json!({"jsonrpc": "1.0", "id": 3, "method": "tools/list"}),
            json!(3),
            "jsonrpc",
        ),
        (
            json!({"jsonrpc": "2.0", "id": "a", "method": 7}),
            json!("a"),
            "method",
        ),
        (json!({"jsonrpc": "2.0", "id": 4}), json!(4), "method"),
        (
            json!({"jsonrpc": "2.0", "id": [1], "method": "tools/list"}),
            Value::Null,
            "id",
        ),
        (
            json!([{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}]),
            Value::Null,
            "batches",
        ),
        (json!(null), Value::Null, "object"),
        (
            json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": 1}),
            json!(5),
            "params",
        ),
    ] {
        let (status, _, body) = post_raw(&s, &owner, &[], &invalid.to_string()).await;
        assert_eq!(status, 400, "{invalid}: {body}");
        assert_eq!(body["error"]["code"], -32600, "{invalid}: {body}");
        assert_eq!(body["id"], id, "{invalid}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(names), "{invalid}: {message}");
    }
    // A good request on the same server still works, and junk without a credential is
    // still a 401 first (nothing is parsed for an unauthenticated caller).
    let (status, _, body) = post_raw(
        &s,
        &owner,
        &[],
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let r = reqwest::Client::new()
        .post(format!("{}/mcp", s.url))
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn origins_not_allowed_are_refused_before_anything_is_done() {
    let list = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    // By default no browser origin is allowed; clients that send none pass.
    let s = TestServer::start();
    let owner = s.owner_session().await;
    assert_eq!(post_raw(&s, &owner, &[], list).await.0, 200);
    for origin in ["http://localhost:3000", "null", "https://evil.example"] {
        let (status, _, body) = post_raw(&s, &owner, &[("origin", origin)], list).await;
        assert_eq!(status, 403, "{origin}: {body}");
        assert_eq!(body["jsonrpc"], "2.0");
        assert_eq!(body["error"]["code"], -32003, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("--mcp-allowed-origin"),
            "{body}"
        );
    }
    // A refused origin did nothing: not even a revocation of the caller.
    let revoke = call(2, "revoke_token", json!({}));
    let (status, _, _) = post_raw(
        &s,
        &owner,
        &[("origin", "https://evil.example")],
        &revoke.to_string(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(s.get("/v1/me", &owner).await.status, 200);

    let s = TestServer::start_with(common::ServerOptions {
        args: vec![
            "--mcp-allowed-origin".into(),
            "https://app.example.com/".into(),
            "--mcp-allowed-origin".into(),
            "http://localhost:3000".into(),
        ],
        ..Default::default()
    });
    let owner = s.owner_session().await;
    for allowed in [
        "https://app.example.com",
        "HTTPS://App.Example.com:443",
        "http://localhost:3000",
    ] {
        let (status, _, body) = post_raw(&s, &owner, &[("origin", allowed)], list).await;
        assert_eq!(status, 200, "{allowed}: {body}");
    }
    for (refused, second) in [
        ("https://app.example.com:8443", None),
        ("http://app.example.com", None),
        ("https://app.example.com.evil.example", None),
        ("http://localhost:3001", None),
        ("null", None),
        ("https://app.example.com/path", None),
        ("", None),
        ("https://app.example.com", Some("https://evil.example")),
        ("https://evil.example", Some("https://app.example.com")),
        ("https://app.example.com", Some("https://app.example.com")),
    ] {
        let mut headers = vec![("origin", refused)];
        headers.extend(second.map(|o| ("origin", o)));
        let (status, _, body) = post_raw(&s, &owner, &headers, list).await;
        assert_eq!(status, 403, "{headers:?}: {body}");
        assert_eq!(body["error"]["code"], -32003, "{body}");
    }
}

#[test]
fn a_bad_mcp_allowed_origin_is_a_usage_error_at_start() {
    for bad in ["app.example.com", "https://app.example.com/mcp", "*"] {
        let out = std::process::Command::new(common::tokctl_bin())
            .args([
                "server",
                "--mcp-allowed-origin",
                bad,
                "--listen",
                "127.0.0.1:0",
            ])
            .env("HOME", std::env::temp_dir())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--mcp-allowed-origin") && err.contains("https://app.example.com"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_lists_the_jsonrpc_refusals_of_mcp() {
    let s = TestServer::start();
    let doc = s.call("GET", "/openapi.json", None, None).await.body;
    let responses = &doc["paths"]["/mcp"]["post"]["responses"];
    for (status, mentions) in [
        ("400", "-32700"),
        ("400", "-32600"),
        ("400", "ambiguous_credential"),
        ("403", "--mcp-allowed-origin"),
        ("413", "-32600"),
    ] {
        let description = responses[status]["description"].as_str().unwrap_or("");
        assert!(description.contains(mentions), "{status}: {description}");
    }
    assert!(
        responses["415"]["description"]
            .as_str()
            .unwrap()
            .contains("Content-Type")
    );
}

/// An agent asking `whoami` hears that a token of its owner leaked, as `tokctl whoami` does
/// (the same `leaked_tokens` as `GET /v1/me`), and the leaked token itself no longer answers.
#[tokio::test]
async fn whoami_tells_an_agent_its_owner_has_a_leaked_token() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, agent) = s
        .mint(
            &owner,
            json!({"name": "agent", "type": "mcp", "scopes": ["tokens:read"]}),
        )
        .await;
    let (leaked_id, leaked) = s
        .mint(
            &owner,
            json!({"name": "pasted", "type": "mcp", "scopes": ["tokens:read"]}),
        )
        .await;
    let r = s
        .call(
            "POST",
            "/v1/leaks",
            None,
            Some(
                json!([{"token": leaked, "url": "https://paste.example.com/x", "source": "chat"}]),
            ),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);

    let r = post_mcp(&s, Some(&agent), call(1, "whoami", json!({}))).await;
    let who = result(&r);
    let notices = who["leaked_tokens"].as_array().expect("leaked_tokens");
    assert_eq!(notices.len(), 1, "{who}");
    assert_eq!(notices[0]["id"], leaked_id.as_str());
    assert_eq!(notices[0]["name"], "pasted");
    assert_eq!(notices[0]["url"], "https://paste.example.com/x");
    assert!(
        !who.to_string().contains(&leaked),
        "a secret in the answer: {who}"
    );

    let r = post_mcp(&s, Some(&leaked), call(2, "whoami", json!({}))).await;
    assert_unauthenticated(&r, json!(2), "token_revoked");
}
