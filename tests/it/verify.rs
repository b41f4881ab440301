//! `POST /v1/verify` over real HTTP: every reason, the caller's own checks, and verify counting
//! as a use of the verified token.

use crate::common;

use common::{Resp, TestServer};
use serde_json::{Value, json};

async fn verify(s: &TestServer, caller: &str, body: Value) -> Resp {
    let r = s.post("/v1/verify", caller, body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r
}

/// An owner session (which holds tokens:verify) and a gateway PAT scoped to verify only.
async fn setup(s: &TestServer) -> (String, String) {
    let owner = s.owner_session().await;
    let (_, gateway) = s
        .mint(
            &owner,
            json!({"name": "gateway", "scopes": ["tokens:verify"]}),
        )
        .await;
    (owner, gateway)
}

#[tokio::test]
async fn verify_answers_every_reason() {
    let s = TestServer::start();
    let (owner, gw) = setup(&s).await;
    let (id, reader) = s
        .mint(&owner, json!({"name": "reader", "scopes": ["work:read"]}))
        .await;

    // Allowed, with the token, its effective permissions and its rate limit.
    let r = verify(&s, &gw, json!({"token": reader, "permission": "work:read"})).await;
    assert_eq!(r.body["allowed"], true);
    assert_eq!(r.body["reason"], Value::Null);
    assert_eq!(r.body["token"]["id"], id.as_str());
    assert_eq!(r.body["permissions"], json!(["work:read"]));
    assert_eq!(
        r.body["rate_limit"],
        json!({"per_minute": 60, "per_hour": 1000, "remaining_minute": 59, "remaining_hour": 999})
    );
    // No permission asked: validity, network and rate limit only.
    let r = verify(&s, &gw, json!({"token": reader})).await;
    assert_eq!(r.body["allowed"], true);

    // forbidden: a valid token without the permission.
    let r = verify(
        &s,
        &gw,
        json!({"token": reader, "permission": "work:write"}),
    )
    .await;
    assert_eq!(r.body["allowed"], false);
    assert_eq!(r.body["reason"], "forbidden");
    assert_eq!(r.body["token"]["id"], id.as_str());
    assert_eq!(r.body["permissions"], json!(["work:read"]));

    // malformed: not a tokctl secret, or a bad checksum.
    // (built at run time so no secret-shaped literal sits in the tree for leak scanners)
    let bad_checksum = format!("tokctl_pat_{}", "0".repeat(36));
    for bad in ["hello", bad_checksum.as_str()] {
        let r = verify(&s, &gw, json!({"token": bad})).await;
        assert_eq!(r.body["reason"], "malformed", "{bad}");
        assert_eq!(r.body["token"], Value::Null);
        assert_eq!(r.body["rate_limit"], Value::Null);
    }

    // unknown: well-formed, never issued.
    let never = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat);
    let r = verify(&s, &gw, json!({"token": never.expose()})).await;
    assert_eq!(r.body["reason"], "unknown");
    assert_eq!(r.body["token"], Value::Null);
    assert_eq!(r.body["permissions"], json!([]));

    // ip_not_allowed: outside the token's networks, or no address given for a restricted token.
    let (_, fenced) = s
        .mint(
            &owner,
            json!({"name": "fenced", "allowed_cidrs": ["10.0.0.0/8"]}),
        )
        .await;
    let r = verify(
        &s,
        &gw,
        json!({"token": fenced, "client_ip": "192.168.1.5"}),
    )
    .await;
    assert_eq!(r.body["reason"], "ip_not_allowed");
    let r = verify(&s, &gw, json!({"token": fenced})).await;
    assert_eq!(r.body["reason"], "ip_not_allowed");
    let r = verify(
        &s,
        &gw,
        json!({"token": fenced, "client_ip": "10.20.30.40"}),
    )
    .await;
    assert_eq!(r.body["allowed"], true, "{}", r.text);

    // rate_limited: over the token's own limit.
    let (_, slow) = s
        .mint(
            &owner,
            json!({"name": "slow", "rate_limit": {"per_minute": 2, "per_hour": 100}}),
        )
        .await;
    for _ in 0..2 {
        assert_eq!(
            verify(&s, &gw, json!({"token": slow})).await.body["allowed"],
            true
        );
    }
    let r = verify(&s, &gw, json!({"token": slow})).await;
    assert_eq!(r.body["reason"], "rate_limited");
    assert_eq!(r.body["rate_limit"]["remaining_minute"], 0);
    assert_eq!(r.body["rate_limit"]["remaining_hour"], 98);

    // expired.
    let (exp_id, expiring) = s.mint(&owner, json!({"name": "expiring"})).await;
    s.exec_sql(&format!(
        "UPDATE tokens SET expires_at = 1000000 WHERE id = '{exp_id}'"
    ));
    let r = verify(&s, &gw, json!({"token": expiring})).await;
    assert_eq!(r.body["reason"], "expired");
    assert_eq!(r.body["token"]["status"], "expired");
    assert_eq!(r.body["permissions"], json!([]));

    // revoked: the very next verify after the revocation.
    let rv = s
        .post(&format!("/v1/tokens/{id}/revoke"), &owner, json!({}))
        .await;
    assert_eq!(rv.status, 200, "{}", rv.text);
    let r = verify(&s, &gw, json!({"token": reader, "permission": "work:read"})).await;
    assert_eq!(r.body["allowed"], false);
    assert_eq!(r.body["reason"], "revoked");
    assert_eq!(r.body["token"]["status"], "revoked");
}

#[tokio::test]
async fn the_callers_own_credential_is_checked_and_not_charged() {
    let s = TestServer::start();
    let (owner, _) = setup(&s).await;
    let (_, target) = s.mint(&owner, json!({"name": "target"})).await;

    // Unauthenticated or without tokens:verify: 401 / 403, no verdict.
    let r = s
        .call("POST", "/v1/verify", None, Some(json!({"token": target})))
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "unauthenticated");
    let (_, plain) = s
        .mint(&owner, json!({"name": "plain", "scopes": ["work:read"]}))
        .await;
    let r = s.post("/v1/verify", &plain, json!({"token": target})).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "forbidden");
    // A member's session lacks tokens:verify (admins and owners have it).
    let member = s.add_person(&owner, "m@example.com", "member").await;
    assert_eq!(
        s.post("/v1/verify", &member, json!({"token": target}))
            .await
            .status,
        403
    );

    // Bad input is the caller's error.
    let (_, gw) = s
        .mint(
            &owner,
            json!({"name": "gw-limited", "scopes": ["tokens:verify"], "rate_limit": {"per_minute": 2}}),
        )
        .await;
    let r = s
        .post(
            "/v1/verify",
            &gw,
            json!({"token": target, "permission": "work:fly"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let message = r.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`permission` `work:fly`") && message.contains("work:read"),
        "the refusal names the field and the catalog: {message}"
    );
    let r = s
        .post(
            "/v1/verify",
            &gw,
            json!({"token": target, "client_ip": "not-an-ip"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);

    // A gateway limited to 2/min verifies far more than 2 times: its own credential is not
    // charged for verify calls (the verified token is).
    for _ in 0..5 {
        let r = s.post("/v1/verify", &gw, json!({"token": target})).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["allowed"], true);
    }
    let r = s.post("/v1/verify", &gw, json!({"token": target})).await;
    assert_eq!(r.body["rate_limit"]["remaining_minute"], 54);
}

#[tokio::test]
async fn fishing_for_tokens_is_throttled_per_client_address() {
    let s = TestServer::start();
    let (owner, gw) = setup(&s).await;
    let (_, other_gw) = s
        .mint(&owner, json!({"name": "gw2", "scopes": ["tokens:verify"]}))
        .await;
    let mut refused = None;
    for i in 0..2000 {
        let guess = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat);
        let r = s
            .post("/v1/verify", &gw, json!({"token": guess.expose()}))
            .await;
        if r.status == 429 {
            refused = Some((i, r));
            break;
        }
        assert_eq!(r.body["reason"], "unknown");
    }
    let (i, r) = refused.expect("the caller was never throttled");
    // 300 at once, then 5 a second refill while the loop runs.
    assert!(i >= 300, "refused after only {i} unknown secrets");
    assert_eq!(r.code(), "rate_limited");
    assert!(r.header("retry-after").is_some());
    // Guesses are throttled per presenting address (no `client_ip`: the callers' own, shared
    // here by both gateways on loopback), never a valid token's verify, from either gateway.
    let (_, target) = s.mint(&owner, json!({"name": "t"})).await;
    for caller in [&other_gw, &gw] {
        let r = s.post("/v1/verify", caller, json!({"token": target})).await;
        assert_eq!(r.body["allowed"], true, "{}", r.text);
    }
    let guess = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat);
    // Another client address, named by the gateway, has its own budget.
    let r = s
        .post(
            "/v1/verify",
            &gw,
            json!({"token": guess.expose(), "client_ip": "198.51.100.20"}),
        )
        .await;
    assert_eq!(r.body["reason"], "unknown", "{}", r.text);
}

#[tokio::test]
async fn a_verify_is_a_use_of_the_verified_token() {
    let s = TestServer::start();
    let (owner, gw) = setup(&s).await;
    let (id, target) = s
        .mint(
            &owner,
            json!({"name": "api-client", "scopes": ["work:read"]}),
        )
        .await;
    for perm in ["work:read", "work:read", "work:write"] {
        verify(
            &s,
            &gw,
            json!({"token": target, "permission": perm, "client_ip": "203.0.113.7"}),
        )
        .await;
    }
    let usage = s.get(&format!("/v1/tokens/{id}/usage"), &owner).await;
    assert_eq!(usage.status, 200, "{}", usage.text);
    assert_eq!(usage.body["requests"], 3);
    assert_eq!(usage.body["errors"], 1, "the forbidden check is an error");
    assert_eq!(
        usage.body["routes"],
        json!([{"method": "POST", "path": "/v1/verify", "count": 3}])
    );
    assert_eq!(
        usage.body["permissions"],
        json!([{"permission": "work:read", "count": 2}, {"permission": "work:write", "count": 1}])
    );
    assert!(usage.body["last_used_at"].is_string());
    let show = s.get(&format!("/v1/tokens/{id}"), &owner).await;
    assert!(show.body["last_used_at"].is_string(), "{}", show.text);
    // The access rows carry the end client's address the gateway reported.
    let log = s
        .get(&format!("/v1/audit?kind=access&token={id}"), &owner)
        .await;
    let items = log.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|r| r["ip"] == "203.0.113.7"));
    assert_eq!(items[0]["status"], 403);
    assert_eq!(items[0]["permission"], "work:write");
}
