//! Delegation (docs/delegation.md): a token minted with a token of the same owner is its child;
//! a child never allows more than its ancestors, ends with them, and is revoked with them.
//! Each test tries to get around one rule. Runs on SQLite, or PostgreSQL with
//! `TOKCTL_TEST_BACKEND=postgres`; the two-replica test needs `TOKCTL_TEST_DATABASE_URL`.

use crate::common;

use common::cli::User;
use common::{PgDb, ServerOptions, TestServer};
use serde_json::{Value, json};

/// Mints with `parent` and answers the whole response (status checked by the caller).
async fn mint_with(s: &TestServer, parent: &str, body: Value) -> common::Resp {
    s.post("/v1/tokens", parent, body).await
}

/// Mints a child of `parent` and returns (id, secret, token info).
async fn child(
    s: &TestServer,
    parent: &str,
    name: &str,
    scopes: &[&str],
) -> (String, String, Value) {
    let r = mint_with(s, parent, json!({"name": name, "scopes": scopes})).await;
    assert_eq!(r.status, 201, "mint {name}: {}", r.text);
    (
        r.body["token"]["id"].as_str().unwrap().to_string(),
        r.body["secret"].as_str().unwrap().to_string(),
        r.body["token"].clone(),
    )
}

#[tokio::test]
async fn children_never_outgrow_their_parent_nor_the_depth_limit() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    // A session mints a root.
    let (root_id, root, _) = child(
        &s,
        &owner,
        "root",
        &["work:read", "work:write", "tokens:write"],
    )
    .await;
    let info = s.get(&format!("/v1/tokens/{root_id}"), &owner).await;
    assert_eq!(
        (info.body["parent"].clone(), info.body["depth"].clone()),
        (Value::Null, json!(0))
    );

    // Wider than the parent: refused, whatever the owner's role would allow.
    let r = mint_with(
        &s,
        &root,
        json!({"name": "wide", "scopes": ["work:read", "audit:read"]}),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (403, "scope_exceeds_credential"),
        "{}",
        r.text
    );
    // Longer-lived or faster than the parent: refused.
    let r = mint_with(
        &s,
        &root,
        json!({"name": "long", "scopes": ["work:read"], "expires": "365d"}),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (403, "exceeds_credential"),
        "{}",
        r.text
    );
    let r = mint_with(
        &s,
        &root,
        json!({"name": "fast", "scopes": ["work:read"], "rate_limit": {"per_minute": 100000}}),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (403, "exceeds_credential"),
        "{}",
        r.text
    );

    // Depth 1, 2, 3 are allowed (default max_delegation_depth 3); depth 4 is not.
    let (d1_id, d1, t1) = child(&s, &root, "d1", &["work:read", "tokens:write"]).await;
    assert_eq!(
        (t1["parent"].as_str(), t1["depth"].clone()),
        (Some(root_id.as_str()), json!(1))
    );
    let (_, d2, t2) = child(&s, &d1, "d2", &["work:read", "tokens:write"]).await;
    assert_eq!(
        (t2["parent"].as_str(), t2["depth"].clone()),
        (Some(d1_id.as_str()), json!(2))
    );
    let (d3_id, d3, t3) = child(&s, &d2, "d3", &["work:read", "tokens:write"]).await;
    assert_eq!(t3["depth"], 3);
    assert!(t3["expires_at"].as_str() <= t2["expires_at"].as_str());
    let r = mint_with(&s, &d3, json!({"name": "d4", "scopes": ["work:read"]})).await;
    assert_eq!(
        (r.status, r.code()),
        (403, "delegation_too_deep"),
        "{}",
        r.text
    );
    // Not by dry run either, and nothing was written.
    let r = mint_with(
        &s,
        &d3,
        json!({"name": "d4", "scopes": ["work:read"], "dry_run": true}),
    )
    .await;
    assert_eq!(r.code(), "delegation_too_deep", "{}", r.text);

    // The policy narrows it: with 1, a child may not mint at all.
    let r = s
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&owner),
            Some(json!({"max_delegation_depth": 1})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = mint_with(&s, &d1, json!({"name": "x", "scopes": ["work:read"]})).await;
    assert_eq!(r.code(), "delegation_too_deep", "{}", r.text);
    let r = s
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&owner),
            Some(json!({"max_delegation_depth": 11})),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "invalid"), "{}", r.text);

    // Verify and forward-auth carry the chain, root first.
    let v = s.post("/v1/verify", &owner, json!({"token": d3})).await;
    let chain: Vec<String> = serde_json::from_value(v.body["delegation"].clone()).unwrap();
    assert_eq!(chain.len(), 4, "{}", v.text);
    assert_eq!(
        (chain[0].as_str(), chain[3].as_str()),
        (root_id.as_str(), d3_id.as_str())
    );
    let f = s.get("/v1/forward-auth", &d3).await;
    assert_eq!(f.status, 204);
    assert_eq!(
        f.header("tokctl-delegation"),
        Some(chain.join(",").as_str())
    );
    let v = s.post("/v1/verify", &owner, json!({"token": root})).await;
    assert_eq!(v.body["delegation"], json!([root_id]));
}

#[tokio::test]
async fn an_admin_minting_for_a_service_account_makes_a_root_and_never_for_another_person() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let r = s
        .post(
            "/v1/users",
            &owner,
            json!({"name": "ci", "service": true, "role": "member"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let (_, admin_pat, _) = child(&s, &owner, "admin", &[]).await;
    let r = mint_with(
        &s,
        &admin_pat,
        json!({"name": "deploy", "owner": "ci", "scopes": ["work:read"]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        (
            r.body["token"]["parent"].clone(),
            r.body["token"]["depth"].clone()
        ),
        (Value::Null, json!(0))
    );
    // Another person: never (their tokens are theirs to make).
    s.add_person(&owner, "bob@example.com", "member").await;
    let r = mint_with(
        &s,
        &admin_pat,
        json!({"name": "x", "owner": "bob@example.com"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
}

#[tokio::test]
async fn revoking_a_parent_ends_its_subtree_on_the_very_next_request() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (root_id, root, _) = child(&s, &owner, "root", &["work:read", "tokens:write"]).await;
    let (mid_id, mid, _) = child(&s, &root, "mid", &["work:read", "tokens:write"]).await;
    let (leaf_id, leaf, _) = child(&s, &mid, "leaf", &["work:read"]).await;
    let (_, sibling, _) = child(&s, &root, "sibling", &["work:read"]).await;
    // Every credential judged (cached) before the revoke.
    for t in [&root, &mid, &leaf, &sibling] {
        assert_eq!(s.get("/v1/me", t).await.status, 200);
    }

    // The dry run lists the subtree and changes nothing.
    let r = s
        .post(
            &format!("/v1/tokens/{mid_id}/revoke"),
            &owner,
            json!({"dry_run": true}),
        )
        .await;
    let ids: Vec<&str> = r.body["revoked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [mid_id.as_str(), leaf_id.as_str()], "{}", r.text);
    assert_eq!(s.get("/v1/me", &leaf).await.status, 200);

    let r = s
        .post(
            &format!("/v1/tokens/{mid_id}/revoke"),
            &owner,
            json!({"reason": "done"}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["count"].clone()),
        (200, json!(2)),
        "{}",
        r.text
    );
    for t in [&mid, &leaf] {
        let me = s.get("/v1/me", t).await;
        assert_eq!(
            (me.status, me.code()),
            (401, "token_revoked"),
            "{}",
            me.text
        );
    }
    let v = s.post("/v1/verify", &owner, json!({"token": leaf})).await;
    assert_eq!(v.body["reason"], "revoked", "{}", v.text);
    assert_eq!(s.get("/v1/forward-auth", &leaf).await.status, 401);
    // The rest of the tree is untouched.
    assert_eq!(s.get("/v1/me", &root).await.status, 200);
    assert_eq!(s.get("/v1/me", &sibling).await.status, 200);

    // One event per token, the cascade's naming the revoke that started it; events made by a
    // child carry its root.
    let a = s
        .get(
            &format!("/v1/audit?token={root_id}&descendants=true&action=token.revoke"),
            &owner,
        )
        .await;
    let events = a.body["items"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{}", a.text);
    let leaf_event = events
        .iter()
        .find(|e| e["target"] == leaf_id.as_str())
        .unwrap();
    assert_eq!(leaf_event["detail"]["cascade_of"], mid_id.as_str());
    let mints = s
        .get(
            &format!("/v1/audit?token={root_id}&descendants=true&action=token.mint"),
            &owner,
        )
        .await;
    let by_mid = mints.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["target"] == leaf_id.as_str())
        .unwrap();
    assert_eq!(
        (by_mid["credential_id"].as_str(), by_mid["root_id"].as_str()),
        (Some(mid_id.as_str()), Some(root_id.as_str()))
    );
    // Without `descendants`, only the root's own.
    let a = s
        .get(
            &format!("/v1/audit?token={root_id}&action=token.revoke"),
            &owner,
        )
        .await;
    assert_eq!(a.body["items"].as_array().unwrap().len(), 0, "{}", a.text);
    // Access-log rows of a child carry the root.
    s.settle().await;
    let a = s
        .get(
            &format!("/v1/audit?kind=access&token={root_id}&descendants=true"),
            &owner,
        )
        .await;
    let rows = a.body["items"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["credential_id"] == leaf_id.as_str() && r["root_id"] == root_id.as_str()),
        "{}",
        a.text
    );

    // Revoking the root takes the rest.
    let r = s
        .post(&format!("/v1/tokens/{root_id}/revoke"), &owner, json!({}))
        .await;
    assert_eq!(r.body["count"], 2, "{}", r.text);
    assert_eq!(s.get("/v1/me", &sibling).await.status, 401);
}

#[tokio::test]
async fn a_parents_narrowing_narrows_its_children_at_once() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let bob = s.add_person(&owner, "bob@example.com", "admin").await;
    let (_, parent, _) = child(
        &s,
        &bob,
        "parent",
        &["audit:read", "work:read", "tokens:write"],
    )
    .await;
    let (_, kid, _) = child(
        &s,
        &parent,
        "kid",
        &["audit:read", "work:read", "tokens:write"],
    )
    .await;
    let (_, grandkid, _) = child(&s, &kid, "grandkid", &["audit:read"]).await;
    assert_eq!(s.get("/v1/audit", &grandkid).await.status, 200);
    // The owner's demotion: the whole chain loses audit:read on the next request.
    let r = s
        .call(
            "PATCH",
            "/v1/users/bob@example.com",
            Some(&owner),
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(s.get("/v1/audit", &grandkid).await.status, 403);
    let v = s
        .post(
            "/v1/verify",
            &owner,
            json!({"token": grandkid, "permission": "audit:read"}),
        )
        .await;
    assert_eq!(v.body["reason"], "forbidden", "{}", v.text);

    // The parent's rotation to a short life ends the child of a child with it, though their
    // own expiry is later.
    let r = s
        .post(
            "/v1/tokens/parent/rotate",
            &bob,
            json!({"expires": (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339()}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let parent = r.body["secret"].as_str().unwrap().to_string();
    assert_eq!(s.get("/v1/me", &grandkid).await.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let me = s.get("/v1/me", &grandkid).await;
    assert_eq!(
        (me.status, me.code()),
        (401, "token_expired"),
        "{}",
        me.text
    );
    assert_eq!(s.get("/v1/me", &kid).await.code(), "token_expired");
    assert_eq!(s.get("/v1/me", &parent).await.code(), "token_expired");
}

#[tokio::test]
async fn offboarding_revokes_a_persons_trees_and_never_a_service_accounts_tokens() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let bob = s.add_person(&owner, "bob@example.com", "admin").await;
    let r = s
        .post(
            "/v1/users",
            &owner,
            json!({"name": "ci", "service": true, "role": "member"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let (_, bob_pat, _) = child(
        &s,
        &bob,
        "bob-pat",
        &["work:read", "tokens:write", "tokens:admin"],
    )
    .await;
    let (_, bob_kid, _) = child(&s, &bob_pat, "bob-kid", &["work:read"]).await;
    // Bob's PAT mints for the service account: a root, owned by ci.
    let r = mint_with(
        &s,
        &bob_pat,
        json!({"name": "deploy", "owner": "ci", "scopes": ["work:read"]}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ci = r.body["secret"].as_str().unwrap().to_string();
    assert_eq!(r.body["token"]["parent"], Value::Null);

    let r = s
        .post(
            "/v1/tokens/revoke",
            &owner,
            json!({"owner": "bob@example.com", "dry_run": true}),
        )
        .await;
    let names: Vec<&str> = r.body["revoked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"bob-kid") && !names.contains(&"deploy"),
        "{}",
        r.text
    );
    let r = s
        .post(
            "/v1/tokens/revoke",
            &owner,
            json!({"owner": "bob@example.com"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(s.get("/v1/me", &bob_kid).await.status, 401);
    assert_eq!(s.get("/v1/me", &bob_pat).await.status, 401);
    assert_eq!(s.get("/v1/me", &ci).await.status, 200);
}

#[tokio::test]
async fn a_revoke_racing_a_child_mint_never_leaves_a_live_child() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    for i in 0..common::env_or("TOKCTL_TEST_RACES", 8) {
        let (pid, parent, _) =
            child(&s, &owner, &format!("p{i}"), &["work:read", "tokens:write"]).await;
        assert_eq!(s.get("/v1/me", &parent).await.status, 200);
        let path = format!("/v1/tokens/{pid}/revoke");
        let revoke = s.post(&path, &owner, json!({}));
        let mint = mint_with(
            &s,
            &parent,
            json!({"name": format!("c{i}"), "scopes": ["work:read"]}),
        );
        let (r, m) = tokio::join!(revoke, mint);
        assert_eq!(r.status, 200, "{}", r.text);
        if m.status == 201 {
            let kid = m.body["secret"].as_str().unwrap();
            let me = s.get("/v1/me", kid).await;
            assert_eq!(
                (me.status, me.code()),
                (401, "token_revoked"),
                "race {i}: {}",
                me.text
            );
            let id = m.body["token"]["id"].as_str().unwrap();
            let t = s.get(&format!("/v1/tokens/{id}"), &owner).await;
            assert_eq!(t.body["status"], "revoked", "race {i}: {}", t.text);
        } else {
            assert_eq!(m.status, 401, "race {i}: {}", m.text);
        }
    }
}

#[tokio::test]
async fn the_cli_shows_the_chain_draws_the_tree_and_follows_it_in_the_audit() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (root_id, root, _) = child(
        &s,
        &owner,
        "root",
        &["work:read", "tokens:write", "tokens:read", "audit:read"],
    )
    .await;
    let (kid_id, kid, _) = child(
        &s,
        &root,
        "kid",
        &["work:read", "tokens:write", "tokens:read"],
    )
    .await;
    let (leaf_id, _, _) = child(&s, &kid, "leaf", &["work:read"]).await;
    let u = User::with_token(&s.url, &root);
    let out = u.run(&["show", &leaf_id]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&format!("{root_id} → {kid_id} → {leaf_id} (depth 2)")),
        "{}",
        out.stdout
    );
    let out = u.run(&["list", "--tree"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(&root_id))
        .expect(&out.stdout);
    assert!(
        lines[at + 1].starts_with(&format!("└─ {kid_id}")),
        "{}",
        out.stdout
    );
    assert!(
        lines[at + 2].starts_with(&format!("   └─ {leaf_id}")),
        "{}",
        out.stdout
    );
    let out = u.run(&["revoke", &kid_id, "--dry-run"]);
    assert!(out.stderr.contains(&leaf_id), "{}", out.stderr);
    let out = u.run(&[
        "--json",
        "audit",
        "--token",
        &root_id,
        "--descendants",
        "--action",
        "token.mint",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(&leaf_id), "{}", out.stdout);
    let _ = kid;
}

#[tokio::test]
async fn replicas_refuse_a_child_at_once_when_its_parent_is_revoked_elsewhere() {
    let Some(admin) = common::postgres_url("delegation_replicas") else {
        return;
    };
    let db = PgDb::new(&admin);
    let on = |url: &str| ServerOptions {
        database: Some(url.to_string()),
        ..Default::default()
    };
    let a = TestServer::start_with(on(&db.url));
    let b = TestServer::replica_of(&a, on(&db.url));
    let owner = a.owner_session().await;
    let (pid, parent, _) = child(&a, &owner, "parent", &["work:read", "tokens:write"]).await;
    let (_, kid, _) = child(&a, &parent, "kid", &["work:read"]).await;
    assert_eq!(b.get("/v1/me", &kid).await.status, 200);
    assert_eq!(
        a.post(&format!("/v1/tokens/{pid}/revoke"), &owner, json!({}))
            .await
            .status,
        200
    );
    let me = b.get("/v1/me", &kid).await;
    assert_eq!(
        (me.status, me.code()),
        (401, "token_revoked"),
        "{}",
        me.text
    );
}
