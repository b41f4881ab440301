//! Token audience (RFC 8707) over real HTTP: a token meant for one resource is refused at any
//! other (`wrong_audience`) by verify, forward-auth and tokctl's own API, however the resource
//! is spelled in the query; a child only ever narrows its parent's audience.

use crate::common;

use common::{Resp, TestServer};
use serde_json::{Value, json};

use crate::token_exchange::exchange;

const A: &str = "https://a.example/mcp";
const B: &str = "https://b.example/mcp";

async fn verify(s: &TestServer, caller: &str, body: Value) -> Resp {
    let r = s.post("/v1/verify", caller, body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r
}

async fn forward_auth(s: &TestServer, query: &str, token: &str) -> Resp {
    s.get(&format!("/v1/forward-auth{query}"), token).await
}

#[tokio::test]
async fn a_token_meant_for_one_resource_is_refused_at_another() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, for_a) = s
        .mint(
            &owner,
            json!({"name": "for-a", "scopes": ["work:read"], "audience": [A]}),
        )
        .await;
    let shown = s.get(&format!("/v1/tokens/{id}"), &owner).await;
    assert_eq!(shown.body["audience"], json!([A]));

    let r = verify(&s, &owner, json!({"token": for_a, "audience": A})).await;
    assert_eq!(r.body["allowed"], true, "{}", r.text);
    // Replayed at B (the confused deputy): refused, and its limit is not spent on it.
    let r = verify(&s, &owner, json!({"token": for_a, "audience": B})).await;
    assert_eq!(r.body["allowed"], false);
    assert_eq!(r.body["reason"], "wrong_audience");
    assert_eq!(r.body["token"]["id"], id.as_str());
    let remaining = r.body["rate_limit"]["remaining_minute"].as_u64().unwrap();
    let r = verify(&s, &owner, json!({"token": for_a, "audience": B})).await;
    assert_eq!(
        r.body["rate_limit"]["remaining_minute"].as_u64().unwrap(),
        remaining
    );
    // Forward-auth: 204 at A, 403 at B.
    let r = forward_auth(&s, "?audience=https%3A%2F%2Fa.example%2Fmcp", &for_a).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = forward_auth(&s, "?audience=https%3A%2F%2Fb.example%2Fmcp", &for_a).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.code(), "wrong_audience");

    // Its list lacks `tokctl`: tokctl's own API refuses it, REST and MCP, and charges nothing.
    let r = verify(&s, &owner, json!({"token": for_a, "audience": B})).await;
    let remaining = r.body["rate_limit"]["remaining_minute"].as_u64().unwrap();
    let r = s.get("/v1/me", &for_a).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.code(), "wrong_audience");
    let r = mcp_call(&s, &for_a).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.body["error"]["code"], -32003, "{}", r.text);
    assert_eq!(r.body["error"]["data"]["code"], "wrong_audience");
    let r = verify(&s, &owner, json!({"token": for_a, "audience": B})).await;
    assert_eq!(
        r.body["rate_limit"]["remaining_minute"].as_u64().unwrap(),
        remaining
    );

    // With `tokctl` in its list it may call tokctl too; a token without a list goes anywhere.
    let (_, both) = s
        .mint(
            &owner,
            json!({"name": "both", "scopes": ["work:read"], "audience": [A, "tokctl"]}),
        )
        .await;
    assert_eq!(s.get("/v1/me", &both).await.status, 200);
    let (_, any) = s
        .mint(&owner, json!({"name": "any", "scopes": ["work:read"]}))
        .await;
    let r = verify(&s, &owner, json!({"token": any, "audience": B})).await;
    assert_eq!(r.body["allowed"], true);
}

async fn mcp_call(s: &TestServer, token: &str) -> Resp {
    let resp = reqwest::Client::new()
        .post(format!("{}/mcp", s.url))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    Resp::read(resp).await
}

#[tokio::test]
async fn forward_auth_compares_the_audience_once_decoded_exactly_and_once_given() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, for_a) = s
        .mint(
            &owner,
            json!({"name": "for-a", "scopes": ["work:read"], "audience": [A]}),
        )
        .await;
    // Decoded once, as any query value: raw and encoded spellings of A both pass.
    for q in [
        "?audience=https://a.example/mcp",
        "?audience=https%3A%2F%2Fa.example%2Fmcp",
        "?audience=https%3a%2f%2fa.example%2fmcp",
    ] {
        assert_eq!(forward_auth(&s, q, &for_a).await.status, 204, "{q}");
    }
    // Never decoded twice, never normalized: each of these names another resource.
    for q in [
        "?audience=https%253A%252F%252Fa.example%252Fmcp",
        "?audience=HTTPS://A.EXAMPLE/mcp",
        "?audience=https://a.example/mcp/",
        "?audience=https://a.example/MCP",
        "?audience=https://a.example/mcp%23frag",
    ] {
        let r = forward_auth(&s, q, &for_a).await;
        assert_eq!(r.status, 403, "{q}: {}", r.text);
        assert_eq!(r.code(), "wrong_audience", "{q}");
    }
    // A NUL, a space or a newline cannot be a resource: the proxy's configuration is wrong.
    for q in [
        "?audience=https://a.example/mcp%00",
        "?audience=https://a.example/mcp%20",
        "?audience=https://a.example/mcp%0A",
    ] {
        let r = forward_auth(&s, q, &for_a).await;
        assert_eq!(r.status, 422, "{q}: {}", r.text);
    }
    // Given twice (A and B): which one was meant is a guess, so neither is taken.
    let r = forward_auth(
        &s,
        "?audience=https://a.example/mcp&audience=https://b.example/mcp",
        &for_a,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = forward_auth(
        &s,
        "?audience=https://b.example/mcp&audience=https://a.example/mcp",
        &for_a,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
}

#[tokio::test]
async fn a_child_inherits_its_parents_audience_and_may_only_narrow_it() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, parent) = s
        .mint(
            &owner,
            json!({"name": "parent", "scopes": ["work:read", "tokens:write"], "audience": ["tokctl", A]}),
        )
        .await;
    // Minted with the parent: inherits both; asks for one of them: gets that one.
    let r = s
        .post(
            "/v1/tokens",
            &parent,
            json!({"name": "inherits", "scopes": ["work:read"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["token"]["audience"], json!(["tokctl", A]));
    let r = s
        .post(
            "/v1/tokens",
            &parent,
            json!({"name": "narrower", "scopes": ["work:read"], "audience": [A]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["token"]["audience"], json!([A]));
    // Widening, alone or beside allowed entries: refused, nothing minted.
    for audience in [json!([B]), json!([A, B]), json!(["tokctl", B])] {
        let r = s
            .post(
                "/v1/tokens",
                &parent,
                json!({"name": "wider", "scopes": ["work:read"], "audience": audience}),
            )
            .await;
        assert_eq!(r.status, 403, "{audience}: {}", r.text);
        assert_eq!(r.code(), "exceeds_credential", "{audience}");
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("audience")
        );
    }
    let r = s.get("/v1/tokens/wider", &owner).await;
    assert_eq!(r.status, 404, "{}", r.text);

    // The same through token exchange: `resource` or `audience` beyond the parent's is
    // invalid_target; within it, the child gets what it asked.
    let r = exchange(&s, &parent, &[("resource", B)]).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["error"], "invalid_target");
    let r = exchange(&s, &parent, &[("audience", "tokctl"), ("resource", B)]).await;
    assert_eq!(r.body["error"], "invalid_target", "{}", r.text);
    let r = exchange(&s, &parent, &[("resource", A)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["token"]["audience"], json!([A]));
    let for_a_only = r.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(s.get("/v1/me", &for_a_only).await.code(), "wrong_audience");
    // A token meant only for A can still hand A a narrower copy of itself, and nothing else.
    let r = exchange(&s, &for_a_only, &[("scope", "work:read")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["token"]["audience"], json!([A]));
    let r = exchange(&s, &for_a_only, &[("audience", "tokctl")]).await;
    assert_eq!(r.body["error"], "invalid_target", "{}", r.text);

    // Bad entries are refused by name.
    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "bad", "audience": ["has space"]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`audience`")
    );
}

#[tokio::test]
async fn mint_audience_flag_goes_through_the_cli() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let user = common::cli::User::with_token(&s.url, &owner);
    let out = user.run(&[
        "mint",
        "agent",
        "--scope",
        "work:read",
        "--audience",
        A,
        "--json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["token"]["audience"], json!([A]));
    let out = user.run(&["mint", "bad", "--audience", "a b"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--audience"), "{out:?}");
}
