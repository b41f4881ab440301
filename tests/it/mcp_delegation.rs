//! End to end with the official MCP Python SDK (`tests/it/clients/mcp_delegate.py`, installed by
//! `.ci/run`): an orchestrating agent delegates to a sub-agent over MCP with the `delegate` tool,
//! the sub-agent works with its own narrower token, and revoking stops it (-32001).

use crate::common;

use common::TestServer;
use serde_json::{Value, json};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/clients/mcp_delegate.py"
);

/// Runs one step of the script with `token`; None (and a skip notice) when the SDK is missing.
fn sdk(test: &str, step: &str, url: &str, token: &str) -> Option<Value> {
    common::python_client(
        test,
        &[SCRIPT, step, &format!("{url}/mcp")],
        &[("TOKEN", token)],
    )
}

/// The orchestrator's token and the delegation it makes over MCP (None: SDK missing).
async fn delegate_over_mcp(test: &str, s: &TestServer) -> Option<(String, Value)> {
    let owner = s.owner_session().await;
    let (root_id, root) = s
        .mint(
            &owner,
            json!({"name": "orchestrator", "type": "mcp", "scopes": ["work:read", "work:write", "tokens:read"]}),
        )
        .await;
    let (url, token) = (s.url.clone(), root.clone());
    let test = test.to_string();
    let made = tokio::task::spawn_blocking(move || sdk(&test, "delegate", &url, &token))
        .await
        .unwrap()?;
    assert_eq!(made["orchestrator"], root_id.as_str());
    assert_eq!(made["child_scopes"], json!(["work:read"]));
    // The sub-agent is its own credential, holding what it was given and nothing more.
    assert_eq!(made["sub_agent_credential"], made["child_id"]);
    assert_ne!(made["child_id"], root_id.as_str());
    assert_eq!(made["sub_agent_permissions"], json!(["work:read"]));
    assert_eq!(made["sub_agent_list_refused"], true);
    Some((root_id, made))
}

async fn whoami(test: &str, s: &TestServer, token: &str) -> Option<Value> {
    let (url, token, test) = (s.url.clone(), token.to_string(), test.to_string());
    tokio::task::spawn_blocking(move || sdk(&test, "whoami", &url, &token))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_sub_agent_works_with_its_delegated_token_until_it_is_revoked() {
    const TEST: &str = "a_sub_agent_works_with_its_delegated_token_until_it_is_revoked";
    let s = TestServer::start();
    let Some((_, made)) = delegate_over_mcp(TEST, &s).await else {
        return;
    };
    let child = made["child"].as_str().unwrap();
    let child_id = made["child_id"].as_str().unwrap();
    let r = whoami(TEST, &s, child).await.unwrap();
    assert_eq!(r["value"]["credential"]["id"], child_id);
    let owner = s.owner_session().await;
    let r = s
        .post(&format!("/v1/tokens/{child_id}/revoke"), &owner, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = whoami(TEST, &s, child).await.unwrap();
    assert_eq!(r["error_code"], -32001, "{r}");
}

#[tokio::test]
async fn revoking_the_orchestrator_stops_its_sub_agent() {
    const TEST: &str = "revoking_the_orchestrator_stops_its_sub_agent";
    let s = TestServer::start();
    let Some((root_id, made)) = delegate_over_mcp(TEST, &s).await else {
        return;
    };
    let child = made["child"].as_str().unwrap();
    let r = whoami(TEST, &s, child).await.unwrap();
    assert_eq!(r["value"]["permissions"], json!(["work:read"]));
    let owner = s.owner_session().await;
    let r = s
        .post(&format!("/v1/tokens/{root_id}/revoke"), &owner, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = whoami(TEST, &s, child).await.unwrap();
    assert_eq!(r["error_code"], -32001, "{r}");
}
