//! The MCP endpoint over real HTTP (plain JSON-RPC 2.0 POSTs, as any MCP client sends them):
//! initialize, tools/list, tools/call under the token's permissions, and -32001 for every way a
//! token fails — including right after it is revoked.

mod common;

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
    assert_eq!(
        r.headers["www-authenticate"].to_str().unwrap(),
        "Bearer error=\"invalid_token\""
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
    assert_eq!(names, ["whoami", "list_tokens", "revoke_token", "audit"]);

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
