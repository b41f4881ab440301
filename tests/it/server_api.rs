//! The token service over real HTTP: lifecycle, permissions, bad input, hygiene.

use crate::common;

use common::{OWNER_EMAIL, TestServer, files_containing};
use serde_json::json;

#[tokio::test]
async fn token_lifecycle_mint_list_show_rotate_revoke() {
    let s = TestServer::start();
    let owner = s.owner_session().await;

    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "ci-bot", "scopes": ["work:read"], "expires": "7d"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["token"]["id"].as_str().unwrap().to_string();
    let secret = r.body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("tokctl_pat_"));
    assert!(tokctl::api::secret::parse(&secret).is_ok());
    assert_eq!(r.body["token"]["status"], "active");
    assert_eq!(
        r.body["token"]["rate_limit"],
        json!({"per_minute": 60, "per_hour": 1000})
    );

    // The new token authenticates, and sees only what its scopes ∩ role allow.
    let me = s.get("/v1/me", &secret).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["permissions"], json!(["work:read"]));
    assert_eq!(me.body["credential"]["id"], id.as_str());
    assert!(me.header("tokctl-credential-expires").is_some());

    // Listed, and found by id and by name.
    let list = s.get("/v1/tokens", &owner).await;
    assert!(
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id.as_str())
    );
    assert_eq!(
        s.get(&format!("/v1/tokens/{id}"), &owner).await.body["name"],
        "ci-bot"
    );
    assert_eq!(
        s.get("/v1/tokens/ci-bot", &owner).await.body["id"],
        id.as_str()
    );

    // Rotation: same id, name, scopes; the old secret dies at once; lifetime kept (7 days).
    let rot = s.post("/v1/tokens/ci-bot/rotate", &owner, json!({})).await;
    assert_eq!(rot.status, 200, "{}", rot.text);
    let new_secret = rot.body["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, secret);
    assert_eq!(rot.body["token"]["id"], id.as_str());
    assert_eq!(rot.body["token"]["scopes"], json!(["work:read"]));
    let exp =
        chrono::DateTime::parse_from_rfc3339(rot.body["token"]["expires_at"].as_str().unwrap())
            .unwrap();
    let left = exp.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(
        left > chrono::Duration::days(6) && left <= chrono::Duration::days(7),
        "{left}"
    );
    assert_eq!(s.get("/v1/me", &secret).await.code(), "token_unknown");
    assert_eq!(s.get("/v1/me", &new_secret).await.status, 200);

    // Revoke: the very next request fails; revoking again succeeds and says so.
    let rev = s
        .post(
            &format!("/v1/tokens/{id}/revoke"),
            &owner,
            json!({"reason": "test"}),
        )
        .await;
    assert_eq!(rev.status, 200);
    assert_eq!(rev.body["already_revoked"], false);
    assert_eq!(rev.body["revoked"][0]["status"], "revoked");
    let after = s.get("/v1/me", &new_secret).await;
    assert_eq!(after.status, 401);
    assert_eq!(after.code(), "token_revoked");
    let again = s.post("/v1/tokens/ci-bot/revoke", &owner, json!({})).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["already_revoked"], true);

    // The name is free again once revoked; `show NAME` prefers the active one.
    let (id2, _) = s.mint(&owner, json!({"name": "ci-bot"})).await;
    assert_eq!(
        s.get("/v1/tokens/ci-bot", &owner).await.body["id"],
        id2.as_str()
    );
    // Default listing hides revoked tokens; status=all shows them.
    let active = s.get("/v1/tokens", &owner).await;
    assert!(
        !active.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id.as_str())
    );
    let all = s.get("/v1/tokens?status=all", &owner).await;
    assert!(
        all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id.as_str())
    );
}

#[tokio::test]
async fn names_are_unique_among_active_tokens() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    s.mint(&owner, json!({"name": "deploy"})).await;
    let dup = s
        .post("/v1/tokens", &owner, json!({"name": "deploy"}))
        .await;
    assert_eq!(dup.status, 409, "{}", dup.text);
    assert_eq!(dup.code(), "conflict");
    assert!(
        dup.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("deploy")
    );
}

#[tokio::test]
async fn errors_distinguish_missing_malformed_unknown_expired_and_revoked() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let missing = s.call("GET", "/v1/me", None, None).await;
    assert_eq!((missing.status, missing.code()), (401, "unauthenticated"));
    assert!(
        missing
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
    let malformed = s.get("/v1/me", "tokctl_pat_nope").await;
    assert_eq!(
        (malformed.status, malformed.code()),
        (401, "token_malformed")
    );
    let unknown = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat);
    let r = s.get("/v1/me", unknown.expose()).await;
    assert_eq!((r.status, r.code()), (401, "token_unknown"));
    // Expired: a date in the past is refused at mint, so age a token in the database instead.
    let past = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "old", "expires": "2020-01-01"}),
        )
        .await;
    assert_eq!(past.status, 422);
    let (_, secret) = s.mint(&owner, json!({"name": "soon"})).await;
    assert_eq!(
        s.exec_sql("UPDATE tokens SET expires_at = 1000000 WHERE name = 'soon'"),
        1
    );
    let r = s.get("/v1/me", &secret).await;
    assert_eq!((r.status, r.code()), (401, "token_expired"));
}

#[tokio::test]
async fn secret_in_url_is_refused_and_never_logged() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    for q in [
        format!("access_token={owner}"),
        format!("x={owner}"),
        "access_token=abc".to_string(),
    ] {
        let r = s.call("GET", &format!("/v1/me?{q}"), None, None).await;
        assert_eq!((r.status, r.code()), (400, "token_in_url"), "{q}");
    }
    assert!(!s.log_text().contains(&owner));
}

#[tokio::test]
async fn bad_bodies_get_clear_errors_and_nothing_changes() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let client = reqwest::Client::new();
    // Malformed JSON → 400 naming the problem.
    let r = client
        .post(format!("{}/v1/tokens", s.url))
        .bearer_auth(&owner)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Wrong type → 422 (a refused value, like any other) naming the field.
    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "x", "scopes": "work:read"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("scopes"),
        "{}",
        r.text
    );
    // Oversized body → 413.
    let big = "x".repeat(200 * 1024);
    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "x", "description": big}),
        )
        .await;
    assert_eq!(r.status, 413, "{}", r.text);
    // Field-level refusals → 422 naming the field.
    for (body, needle) in [
        (
            json!({"name": "x", "scopes": ["work:delete"]}),
            "work:delete",
        ),
        (json!({"name": "bad name!"}), "name"),
        (json!({"name": "tk_x"}), "name"),
        (json!({"name": "x", "expires": "3 days"}), "expires"),
        (json!({"name": "x", "expires": "never"}), "never"),
        (json!({"name": "x", "expires": "400d"}), "max_expiry"),
        (json!({"name": "x", "type": "ses"}), "type"),
        (
            json!({"name": "x", "rate_limit": {"per_minute": 0}}),
            "rate_limit",
        ),
        (
            json!({"name": "x", "allowed_cidrs": ["10.0.0.0/33"]}),
            "allowed_cidrs",
        ),
    ] {
        let r = s.post("/v1/tokens", &owner, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{body}: {}",
            r.text
        );
    }
    for q in [
        "limit=0",
        "limit=501",
        "status=nope",
        "type=nope",
        "expiring_within=x",
        "unused_for=-1d",
    ] {
        let r = s.get(&format!("/v1/tokens?{q}"), &owner).await;
        assert_eq!(r.status, 422, "{q}: {}", r.text);
    }
    assert_eq!(s.get("/v1/tokens?cursor=junk", &owner).await.status, 400);
    assert_eq!(s.get("/v1/nothing", &owner).await.status, 404);
    // Nothing was minted by any of that.
    assert_eq!(
        s.get("/v1/tokens", &owner).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

/// Well-formed JSON of the wrong shape is a refused value (422, naming the field) on every body,
/// as the OpenAPI document says; only a body that is not JSON is a malformed request (400).
/// Before, axum's rejection answered 400 for both.
#[tokio::test]
async fn wrong_json_types_are_422_and_malformed_json_is_400() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, _) = s.mint(&owner, json!({"name": "target"})).await;
    let raw = |method: &str, path: &str, body: &'static str| {
        let req = reqwest::Client::new()
            .request(method.parse().unwrap(), format!("{}{path}", s.url))
            .bearer_auth(&owner)
            .header("content-type", "application/json")
            .body(body);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    let rotate = format!("/v1/tokens/{id}/rotate");
    let revoke = format!("/v1/tokens/{id}/revoke");
    for (method, path, body, field) in [
        ("POST", "/v1/tokens", r#"{"name": 5}"#, "name"),
        ("POST", "/v1/tokens", r#"{"scopes": []}"#, "name"),
        (
            "POST",
            "/v1/tokens",
            r#"{"name": "x", "rate_limit": {"per_minute": "5"}}"#,
            "per_minute",
        ),
        (
            "POST",
            "/v1/tokens",
            r#"{"name": "x", "rate_limit": {"per_minute": 1.5}}"#,
            "per_minute",
        ),
        (
            "POST",
            "/v1/tokens",
            r#"{"name": "x", "allowed_cidrs": [7]}"#,
            "allowed_cidrs",
        ),
        (
            "POST",
            "/v1/users",
            r#"{"email": "a@example.com", "role": 7}"#,
            "role",
        ),
        (
            "PATCH",
            "/v1/users/dev@example.com",
            r#"{"role": true}"#,
            "role",
        ),
        ("POST", "/v1/verify", r#"{"token": 5}"#, "token"),
        ("POST", "/v1/tokens/revoke", r#"{"owner": ["x"]}"#, "owner"),
        ("POST", &rotate, r#"{"grace": 5}"#, "string"),
        ("POST", &revoke, r#"{"reason": {}}"#, "string"),
        ("POST", "/v1/sessions", r#"[null, null]"#, "object"),
        // serde's structs would take their fields as an array: `[]` was an empty rotation.
        ("POST", &rotate, "[]", "object"),
        (
            "POST",
            "/v1/tokens",
            r#"{"name": "x", "rate_limit": [null]}"#,
            "rate_limit",
        ),
        ("PATCH", "/v1/org/policy", r#"[1]"#, "object"),
    ] {
        let (status, text) = raw(method, path, body).await;
        assert_eq!(status, 422, "{method} {path} {body}: {text}");
        assert!(text.contains(field), "{method} {path} {body}: {text}");
        assert!(text.contains("\"code\":\"invalid\""), "{text}");
    }
    for (method, path, body) in [
        ("POST", "/v1/tokens", r#"{"name": "#),
        ("POST", "/v1/users", "{role}"),
        ("POST", "/v1/verify", "tokctl"),
        ("POST", rotate.as_str(), "{"),
        ("POST", revoke.as_str(), "nul"),
        ("PATCH", "/v1/org/policy", "{\"max_expiry\": }"),
    ] {
        let (status, text) = raw(method, path, body).await;
        assert_eq!(status, 400, "{method} {path} {body}: {text}");
        assert!(text.contains("\"code\":\"bad_request\""), "{text}");
    }
    // What JSON Schema calls an integer is one, whatever its spelling; `null` is no body.
    let (status, text) = raw(
        "POST",
        "/v1/tokens",
        r#"{"name": "whole", "rate_limit": {"per_minute": 120.0, "per_hour": null}}"#,
    )
    .await;
    assert_eq!(status, 201, "{text}");
    assert!(text.contains("\"per_minute\":120"), "{text}");
    let (status, text) = raw("POST", &revoke, "null").await;
    assert_eq!(status, 200, "{text}");
    // Nothing else was minted or changed by the refused requests.
    let names: Vec<String> = s.get("/v1/tokens", &owner).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["whole"]);
}

#[tokio::test]
async fn pagination_is_keyset_and_complete() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    for i in 0..7 {
        s.mint(&owner, json!({"name": format!("t{i}")})).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/tokens?limit=3&cursor={c}"),
            None => "/v1/tokens?limit=3".into(),
        };
        let page = s.get(&path, &owner).await;
        assert_eq!(page.status, 200, "{}", page.text);
        for t in page.body["items"].as_array().unwrap() {
            seen.push(t["name"].as_str().unwrap().to_string());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut expected: Vec<String> = (0..7).rev().map(|i| format!("t{i}")).collect();
    assert_eq!(seen, expected);
    expected.sort();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7);
}

#[tokio::test]
async fn permissions_follow_role_and_scopes_and_ownership() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let viewer = s.add_person(&owner, "viewer@example.com", "viewer").await;
    let member = s.add_person(&owner, "member@example.com", "member").await;
    let admin = s.add_person(&owner, "admin@example.com", "admin").await;

    // Each role × each endpoint: [viewer, member, admin, owner].
    struct Case {
        method: &'static str,
        path: &'static str,
        body: Option<serde_json::Value>,
        expect: [u16; 4],
    }
    let case = |method, path, body, expect| Case {
        method,
        path,
        body,
        expect,
    };
    let cases = vec![
        case("GET", "/v1/me", None, [200, 200, 200, 200]),
        case("GET", "/v1/tokens", None, [200, 200, 200, 200]),
        case("GET", "/v1/tokens?owner=*", None, [403, 403, 200, 200]),
        case(
            "GET",
            "/v1/tokens?owner=member@example.com",
            None,
            [403, 200, 200, 200],
        ),
        case("GET", "/v1/users", None, [200, 200, 200, 200]),
        case(
            "POST",
            "/v1/users",
            Some(json!({"name": "svc-x", "role": "viewer", "service": true})),
            [403, 403, 201, 409],
        ),
        case(
            "PATCH",
            "/v1/users/svc-x",
            Some(json!({"role": "member"})),
            [403, 403, 200, 200],
        ),
        case(
            "POST",
            "/v1/tokens/revoke",
            Some(json!({"owner": "svc-x", "dry_run": true})),
            [403, 403, 200, 200],
        ),
        case("GET", "/v1/org/policy", None, [200, 200, 200, 200]),
        case(
            "PATCH",
            "/v1/org/policy",
            Some(json!({"default_expiry": "30d"})),
            [403, 403, 403, 200],
        ),
        case("DELETE", "/v1/users/svc-x", None, [403, 403, 200, 404]),
    ];
    let creds = [&viewer, &member, &admin, &owner];
    for c in cases {
        for (i, cred) in creds.iter().enumerate() {
            let r = s.call(c.method, c.path, Some(cred), c.body.clone()).await;
            assert_eq!(
                r.status, c.expect[i],
                "{} {} as role #{i}: {}",
                c.method, c.path, r.text
            );
        }
    }
    // Every role may mint its own tokens.
    for (i, cred) in creds.iter().enumerate() {
        s.mint(cred, json!({"name": format!("own-{i}")})).await;
    }

    // Scopes ∩ role: a viewer's token asking for work:write gets nothing of it.
    let (_, v_tok) = s
        .mint(
            &viewer,
            json!({"name": "v", "scopes": ["work:write", "work:read"]}),
        )
        .await;
    assert_eq!(
        s.get("/v1/me", &v_tok).await.body["permissions"],
        json!(["work:read"])
    );
    // A token without tokens:read cannot list tokens; without members:read cannot list users.
    let (_, narrow) = s
        .mint(&member, json!({"name": "narrow", "scopes": ["work:read"]}))
        .await;
    assert_eq!(s.get("/v1/tokens", &narrow).await.status, 403);
    assert_eq!(s.get("/v1/users", &narrow).await.code(), "forbidden");
    // …but it can revoke itself.
    let me = s.get("/v1/me", &narrow).await;
    let id = me.body["credential"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        s.post(&format!("/v1/tokens/{id}/revoke"), &narrow, json!({}))
            .await
            .status,
        200
    );

    // Ownership: a member cannot see or revoke another member's token (404, no leak);
    // an admin can revoke it but not rotate it (only service accounts' tokens).
    let (a_id, _) = s.mint(&admin, json!({"name": "admins"})).await;
    assert_eq!(
        s.get(&format!("/v1/tokens/{a_id}"), &member).await.status,
        404
    );
    assert_eq!(
        s.post(&format!("/v1/tokens/{a_id}/revoke"), &member, json!({}))
            .await
            .status,
        404
    );
    let (m_id, _) = s.mint(&member, json!({"name": "mine"})).await;
    assert_eq!(
        s.post(&format!("/v1/tokens/{m_id}/rotate"), &admin, json!({}))
            .await
            .status,
        403
    );
    assert_eq!(
        s.post(&format!("/v1/tokens/{m_id}/revoke"), &admin, json!({}))
            .await
            .status,
        200
    );

    // Demoting a user narrows all their tokens at once.
    let (_, m_tok) = s
        .mint(&member, json!({"name": "m2", "scopes": ["work:write"]}))
        .await;
    assert_eq!(
        s.get("/v1/me", &m_tok).await.body["permissions"],
        json!(["work:write"])
    );
    let r = s
        .call(
            "PATCH",
            "/v1/users/member@example.com",
            Some(&owner),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(s.get("/v1/me", &m_tok).await.body["permissions"], json!([]));

    // No role escalation: an admin cannot make an owner.
    let r = s
        .call(
            "PATCH",
            "/v1/users/viewer@example.com",
            Some(&admin),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(r.status, 403);
    // The last owner cannot be demoted or removed.
    let r = s
        .call(
            "PATCH",
            &format!("/v1/users/{OWNER_EMAIL}"),
            Some(&owner),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(r.status, 409);
}

#[tokio::test]
async fn a_pat_never_mints_or_rotates_into_more_than_it_holds() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, pat) = s
        .mint(
            &owner,
            json!({"name": "minter", "scopes": ["tokens:write", "work:read"]}),
        )
        .await;
    let r = s
        .post(
            "/v1/tokens",
            &pat,
            json!({"name": "up", "scopes": ["work:write"]}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "scope_exceeds_credential"));
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("work:write")
    );
    // Blank scopes = the owner's full role, more than this PAT holds.
    let r = s.post("/v1/tokens", &pat, json!({"name": "full"})).await;
    assert_eq!(r.code(), "scope_exceeds_credential");
    // Within its own scopes is fine.
    let (_, child) = s
        .mint(&pat, json!({"name": "child", "scopes": ["work:read"]}))
        .await;
    assert_eq!(
        s.get("/v1/me", &child).await.body["permissions"],
        json!(["work:read"])
    );
    // Rotating a broader token with the narrow PAT is refused too.
    s.mint(&owner, json!({"name": "broad"})).await;
    let r = s.post("/v1/tokens/broad/rotate", &pat, json!({})).await;
    assert_eq!(r.code(), "scope_exceeds_credential");
    // With a session, scopes beyond the role are accepted (they grant nothing now).
    let viewer = s.add_person(&owner, "v@example.com", "viewer").await;
    let r = s
        .post(
            "/v1/tokens",
            &viewer,
            json!({"name": "later", "scopes": ["audit:read"]}),
        )
        .await;
    assert_eq!(r.status, 201);
}

#[tokio::test]
async fn removing_a_user_kills_their_tokens_and_sessions() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let bob = s.add_person(&owner, "bob@example.com", "member").await;
    let (_, bob_pat) = s.mint(&bob, json!({"name": "laptop"})).await;
    let r = s
        .call("DELETE", "/v1/users/bob@example.com", Some(&owner), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["count"], 2, "the PAT and the session: {}", r.text);
    for secret in [&bob, &bob_pat] {
        assert_eq!(s.get("/v1/me", secret).await.code(), "token_revoked");
    }
    let login = s
        .call(
            "POST",
            "/v1/sessions",
            None,
            Some(json!({"email": "bob@example.com", "password": "bob@example.com-pass-word"})),
        )
        .await;
    assert_eq!(login.status, 401);
    let users = s.get("/v1/users", &owner).await;
    assert!(!users.text.contains("bob@example.com"));
}

#[tokio::test]
async fn bulk_revoke_by_owner_with_dry_run() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let carol = s.add_person(&owner, "carol@example.com", "member").await;
    s.mint(&carol, json!({"name": "a"})).await;
    s.mint(&carol, json!({"name": "b"})).await;
    let dry = s
        .post(
            "/v1/tokens/revoke",
            &owner,
            json!({"owner": "carol@example.com", "dry_run": true}),
        )
        .await;
    assert_eq!(dry.status, 200, "{}", dry.text);
    assert_eq!(dry.body["count"], 3);
    assert!(
        dry.body["revoked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["type"] == "ses")
    );
    assert_eq!(
        s.get("/v1/me", &carol).await.status,
        200,
        "dry run changed nothing"
    );
    let real = s
        .post(
            "/v1/tokens/revoke",
            &owner,
            json!({"owner": "carol@example.com"}),
        )
        .await;
    assert_eq!(real.body["count"], 3);
    assert_eq!(s.get("/v1/me", &carol).await.code(), "token_revoked");
    // A member cannot offboard someone else.
    let dave = s.add_person(&owner, "dave@example.com", "member").await;
    let r = s
        .post("/v1/tokens/revoke", &dave, json!({"owner": OWNER_EMAIL}))
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn login_logout_and_throttling() {
    let s = TestServer::start();
    let session = s.owner_session().await;
    assert!(session.starts_with("tokctl_ses_"));
    let me = s.get("/v1/me", &session).await;
    assert_eq!(me.body["credential"]["type"], "ses");
    assert_eq!(
        me.body["credential"]["rate_limit"],
        json!({"per_minute": 600, "per_hour": 20000})
    );
    let out = s
        .call("DELETE", "/v1/sessions/current", Some(&session), None)
        .await;
    assert_eq!(out.status, 200);
    assert_eq!(s.get("/v1/me", &session).await.code(), "token_revoked");

    // Wrong passwords: 401 each, then throttled (429 with Retry-After) — even for the right one.
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let r = s
            .call(
                "POST",
                "/v1/sessions",
                None,
                Some(json!({"email": OWNER_EMAIL, "password": "wrong-password-x"})),
            )
            .await;
        statuses.push(r.status);
    }
    assert_eq!(statuses[0], 401);
    assert_eq!(*statuses.last().unwrap(), 429, "{statuses:?}");
    let r = s
        .call(
            "POST",
            "/v1/sessions",
            None,
            Some(json!({"email": OWNER_EMAIL, "password": common::OWNER_PASSWORD})),
        )
        .await;
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
}

#[tokio::test]
async fn service_accounts_have_no_login_and_admins_mint_their_tokens() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let r = s
        .post(
            "/v1/users",
            &owner,
            json!({"name": "ci", "role": "member", "service": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["service"], true);
    // A login as the service account is refused, saying why and what to do instead.
    let login = s
        .call(
            "POST",
            "/v1/sessions",
            None,
            Some(json!({"email": "ci", "password": "whatever-password"})),
        )
        .await;
    assert_eq!(
        (login.status, login.code()),
        (401, "login_failed"),
        "{}",
        login.text
    );
    let msg = login.body["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("service account") && msg.contains("--owner ci"),
        "{msg}"
    );
    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "deploy", "owner": "ci", "scopes": ["work:write"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["token"]["owner"], "ci");
    let svc_secret = r.body["secret"].as_str().unwrap().to_string();
    // Admin rotates it by name with ?owner=.
    let rot = s
        .post("/v1/tokens/deploy/rotate?owner=ci", &owner, json!({}))
        .await;
    assert_eq!(rot.status, 200, "{}", rot.text);
    assert_eq!(s.get("/v1/me", &svc_secret).await.status, 401);
    // A member cannot mint for it.
    let m = s.add_person(&owner, "m@example.com", "member").await;
    let r = s
        .post("/v1/tokens", &m, json!({"name": "x", "owner": "ci"}))
        .await;
    assert_eq!(r.status, 403);
    // Minting for a person as owner is refused.
    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "x", "owner": "m@example.com"}),
        )
        .await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn org_policy_changes_apply_to_the_next_mint_and_bad_values_change_nothing() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let r = s
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&owner),
            Some(json!({"max_expiry": "90d", "default_rate_limit": "10/min,100/hour"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "long", "expires": "120d"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body["error"]["message"].as_str().unwrap().contains("90d"));
    let r = s.post("/v1/tokens", &owner, json!({"name": "ok"})).await;
    assert_eq!(
        r.body["token"]["rate_limit"],
        json!({"per_minute": 10, "per_hour": 100})
    );
    let before = s.get("/v1/org/policy", &owner).await.body;
    let bad = s
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&owner),
            Some(json!({"max_expiry": "60d", "bogus": 1})),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bogus")
    );
    assert_eq!(s.get("/v1/org/policy", &owner).await.body, before);
}

#[tokio::test]
async fn last_used_survives_a_graceful_restart() {
    let mut s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, secret) = s.mint(&owner, json!({"name": "used"})).await;
    assert_eq!(s.get("/v1/me", &secret).await.status, 200);
    // Stop at once: the buffered write must be flushed on SIGTERM, not lost.
    let status = s.stop();
    assert!(status.success(), "{}", s.log_text());
    s.spawn();
    let owner = s.owner_session().await;
    let t = s.get(&format!("/v1/tokens/{id}"), &owner).await;
    assert!(t.body["last_used_at"].is_string(), "{}", t.text);
}

#[tokio::test]
async fn no_secret_in_the_database_file_or_the_log() {
    let mut s = TestServer::start_with(common::ServerOptions {
        env: vec![("TOKCTL_LOG".into(), "trace".into())],
        ..Default::default()
    });
    let owner = s.owner_session().await;
    let (_, secret) = s.mint(&owner, json!({"name": "hygiene"})).await;
    let rot = s
        .post("/v1/tokens/hygiene/rotate", &owner, json!({"grace": "10m"}))
        .await;
    let rotated = rot.body["secret"].as_str().unwrap().to_string();
    s.get("/v1/me", &rotated).await;
    s.get("/v1/me", &secret).await;
    s.call("GET", &format!("/v1/me?token={rotated}"), None, None)
        .await;
    s.stop();
    let log = s.log_text();
    assert!(
        log.len() > 1000,
        "trace logging was on: {} bytes",
        log.len()
    );
    for needle in [
        &owner,
        &secret,
        &rotated,
        &common::OWNER_PASSWORD.to_string(),
    ] {
        assert!(
            !log.contains(needle.as_str()),
            "a secret is in the server log"
        );
        assert!(
            files_containing(s.home(), needle).is_empty(),
            "a secret is in a file: {:?}",
            files_containing(s.home(), needle)
        );
    }
    // The database holds the hash, never the secret.
    let dump = s.dump_db();
    assert!(dump.contains(&tokctl::api::secret::hash(&rotated, None)));
    for needle in [&owner, &secret, &rotated] {
        assert!(
            !dump.contains(needle.as_str()),
            "a secret is in the database"
        );
    }
}

#[tokio::test]
async fn grace_period_keeps_the_old_secret_alive_and_show_says_until_when() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, old) = s.mint(&owner, json!({"name": "fleet"})).await;
    let r = s
        .post("/v1/tokens/fleet/rotate", &owner, json!({"grace": "10m"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["token"]["previous_secret_expires_at"].is_string());
    assert_eq!(s.get("/v1/me", &old).await.status, 200);
    let too_long = s
        .post("/v1/tokens/fleet/rotate", &owner, json!({"grace": "2h"}))
        .await;
    assert_eq!(too_long.status, 422);
    // A second rotation without grace kills every older secret.
    s.post("/v1/tokens/fleet/rotate", &owner, json!({})).await;
    assert_eq!(s.get("/v1/me", &old).await.status, 401);
}

#[test]
fn init_twice_is_refused_and_weak_passwords_are_refused() {
    let s = TestServer::start();
    let run = |pw: &str, db: &str| {
        let mut c = std::process::Command::new(common::tokctl_bin())
            .args([
                "server",
                "init",
                "--org",
                "x",
                "--owner",
                "o@example.com",
                "--password-stdin",
                "--database",
                db,
            ])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        c.stdin.take().unwrap().write_all(pw.as_bytes()).unwrap();
        c.wait_with_output().unwrap()
    };
    let out = run("another-good-password\n", &s.database);
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already has an org"));
    let fresh = s.dir.path().join("fresh.db").display().to_string();
    for weak in ["\n", "short\r\n", "aaaaaaaaaaaaaaaa\n"] {
        let out = run(weak, &fresh);
        assert_eq!(out.status.code(), Some(6), "{weak:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("password refused"));
    }
    // CRLF is stripped: this 18-character password is accepted.
    assert_eq!(run("a-fine-password-18\r\n", &fresh).status.code(), Some(0));
}

#[test]
fn a_database_without_an_org_is_refused_with_a_pointer_to_init() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db").display().to_string();
    let out = std::process::Command::new(common::tokctl_bin())
        .args(["server", "--listen", "127.0.0.1:0", "--database", &db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tokctl server init"));
}

#[tokio::test]
async fn openapi_describes_the_endpoints() {
    let s = TestServer::start();
    let doc = s.call("GET", "/openapi.json", None, None).await;
    assert_eq!(doc.status, 200);
    for path in [
        "/v1/sessions",
        "/v1/me",
        "/v1/tokens",
        "/v1/tokens/{token}/rotate",
        "/v1/users",
        "/v1/org/policy",
    ] {
        assert!(doc.body["paths"][path].is_object(), "{path} missing");
    }
    assert_eq!(s.call("GET", "/healthz", None, None).await.status, 200);
    assert!(doc.body["paths"]["/metrics"].is_object());
}

#[tokio::test]
async fn metrics_count_requests_and_auth_failures() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    s.get("/v1/me", &owner).await;
    s.get("/v1/me", "tokctl_pat_bad").await;
    let m = s.get("/metrics", &owner).await;
    assert_eq!(m.status, 200);
    assert!(
        m.text.contains("tokctl_auth_failures_total 1"),
        "{}",
        m.text
    );
    assert!(
        m.text.contains("tokctl_http_requests_total{class=\"2xx\"}"),
        "{}",
        m.text
    );
    assert!(!m.text.contains(&owner));
}

#[test]
fn a_second_server_on_the_same_sqlite_file_is_refused() {
    if common::backend_is_postgres() {
        return common::say_skipped("second_server_on_sqlite", "SQLite-only rule");
    }
    let s = TestServer::start();
    let out = std::process::Command::new(common::tokctl_bin())
        .args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &s.database,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another tokctl server") && err.contains("PostgreSQL"),
        "{err}"
    );
}
