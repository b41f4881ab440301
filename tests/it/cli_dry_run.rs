//! `--dry-run` on every command that changes state (issue 23, item 11): the real binary against
//! the real server. The server runs every check and answers what would happen; nothing
//! changes (tokens, members, policy and audit events are the same before and after), no
//! secret is made or shown, and a dry run that fails a check exits like the real call.

use crate::common;

use common::TestServer;
use common::cli::{Out, User};
use serde_json::{Value, json};

async fn setup() -> (TestServer, String, User) {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);
    (s, owner, u)
}

/// Everything a state-changing command could touch: every token and session (without
/// `last_used_at`, which every request moves), the members, the policy and the audit events.
async fn state(s: &TestServer, owner: &str) -> Value {
    let mut tokens = s
        .get("/v1/tokens?owner=*&status=all&type=all&limit=500", owner)
        .await
        .body["items"]
        .clone();
    for t in tokens.as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("last_used_at");
    }
    json!({
        "tokens": tokens,
        "users": s.get("/v1/users", owner).await.body["items"],
        "policy": s.get("/v1/org/policy", owner).await.body,
        "events": s.get("/v1/audit?kind=events&limit=500", owner).await.body["items"],
    })
}

fn no_secret(out: &Out) {
    assert!(
        !out.stdout.contains("tokctl_") && !out.stderr.contains("tokctl_"),
        "a dry run showed a secret: {out:?}"
    );
}

#[tokio::test]
async fn mint_dry_run_says_what_would_be_minted_and_changes_nothing() {
    let (s, owner, u) = setup().await;
    let before = state(&s, &owner).await;

    let out = u.run(&[
        "mint",
        "deploy",
        "--scope",
        "work:read",
        "--expires",
        "7d",
        "--dry-run",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("Would mint pat `deploy`"), "{out:?}");
    assert!(out.stderr.contains("work:read"), "{out:?}");
    assert!(
        out.stdout.contains("deploy"),
        "the table names the token: {out:?}"
    );
    no_secret(&out);

    let out = u.run(&["mint", "deploy", "--type", "mcp", "--dry-run", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    no_secret(&out);
    let doc = out.json();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["token"]["name"], "deploy");
    assert_eq!(doc["token"]["type"], "mcp");
    assert_eq!(doc["token"]["status"], "active");
    assert!(doc.get("secret").is_none(), "{doc}");

    assert_eq!(
        state(&s, &owner).await,
        before,
        "a dry-run mint changed something"
    );

    // The real one still works afterwards, under the same name: nothing was reserved.
    let out = u.run(&["mint", "deploy", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[tokio::test]
async fn mint_dry_run_fails_every_check_the_real_mint_fails() {
    let (s, owner, u) = setup().await;
    assert_eq!(u.run(&["mint", "taken"]).code, 0);
    // A narrow token of the owner's: it cannot mint beyond its own scopes (no escalation).
    let (_, narrow) = s
        .mint(
            &owner,
            json!({"name": "narrow", "scopes": ["tokens:write"], "expires": "1d"}),
        )
        .await;
    let n = User::with_token(&s.url, &narrow);
    let viewer = s.add_person(&owner, "vera@example.com", "viewer").await;
    let v = User::with_token(&s.url, &viewer);

    let cases: Vec<(&User, Vec<&str>, i32)> = vec![
        // A name already taken: 409.
        (&u, vec!["mint", "taken"], 6),
        // Beyond the policy's max_expiry, and `never` (not allowed): 422.
        (&u, vec!["mint", "long", "--expires", "400d"], 6),
        (&u, vec!["mint", "forever", "--expires", "never"], 6),
        // More than the minting credential holds, or outliving it: 403.
        (&n, vec!["mint", "wider", "--scope", "members:write"], 4),
        (&n, vec!["mint", "longer", "--expires", "30d"], 4),
        // A service account that does not exist: 404.
        (&u, vec!["mint", "svc", "--owner", "nobody"], 5),
        // Without tokens:admin, minting for someone else: 403.
        (&v, vec!["mint", "svc", "--owner", "owner@example.com"], 4),
    ];
    for (who, args, code) in cases {
        let before = state(&s, &owner).await;
        let mut dry = args.clone();
        dry.push("--dry-run");
        let d = who.run(&dry);
        assert_eq!(d.code, code, "{args:?} --dry-run: {d:?}");
        no_secret(&d);
        assert_eq!(
            state(&s, &owner).await,
            before,
            "{args:?} --dry-run changed something"
        );
        // The real call fails the same way.
        let r = who.run(&args);
        assert_eq!(r.code, code, "{args:?}: {r:?}");
        let first_line = |o: &Out| o.stderr.lines().next().unwrap_or("").to_string();
        assert_eq!(first_line(&d), first_line(&r), "{args:?}: same message");
    }
}

#[tokio::test]
async fn rotate_dry_run_gives_the_new_expiry_and_no_secret() {
    let (s, owner, u) = setup().await;
    let minted = u.run(&["mint", "ci", "--expires", "7d", "--json"]).json();
    let id = minted["token"]["id"].as_str().unwrap().to_string();
    let secret = minted["secret"].as_str().unwrap().to_string();
    let before = state(&s, &owner).await;

    let out = u.run(&[
        "rotate",
        "ci",
        "--expires",
        "30d",
        "--grace",
        "10m",
        "--dry-run",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("Would rotate pat `ci`"), "{out:?}");
    assert!(out.stderr.contains("in 30 days"), "{out:?}");
    assert!(out.stderr.contains("keep working until"), "{out:?}");
    no_secret(&out);

    let out = u.run(&["rotate", &id, "--expires", "30d", "--dry-run", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    no_secret(&out);
    let doc = out.json();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["token"]["id"], id.as_str());
    assert_ne!(doc["token"]["expires_at"], minted["token"]["expires_at"]);
    assert!(doc.get("secret").is_none());

    assert_eq!(
        state(&s, &owner).await,
        before,
        "a dry-run rotate changed something"
    );
    // The old secret still works: nothing was rotated.
    assert_eq!(s.get("/v1/me", &secret).await.status, 200);

    // Over the policy, or a revoked token: the real call's refusal and exit code.
    assert_eq!(
        u.run(&["rotate", "ci", "--expires", "400d", "--dry-run"])
            .code,
        6
    );
    assert_eq!(u.run(&["revoke", "ci", "--yes"]).code, 0);
    let out = u.run(&["rotate", &id, "--dry-run"]);
    assert_eq!(out.code, 6, "{out:?}");
    assert!(out.stderr.contains("revoked"), "{out:?}");
}

#[tokio::test]
async fn revoke_dry_run_lists_the_tokens_and_revokes_none() {
    let (s, owner, u) = setup().await;
    let (a, a_secret) = s.mint(&owner, json!({"name": "a"})).await;
    s.mint(&owner, json!({"name": "b"})).await;
    let (gone, _) = s.mint(&owner, json!({"name": "gone"})).await;
    assert_eq!(u.run(&["revoke", &gone, "--yes"]).code, 0);
    let member = s.add_person(&owner, "mo@example.com", "member").await;
    let before = state(&s, &owner).await;

    let out = u.run(&["revoke", "a", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains(&format!("Would revoke pat `a` ({a})")),
        "{out:?}"
    );
    let out = u.run(&["revoke", "a", "b", &gone, "--dry-run", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["count"], 2, "{doc}");
    // Something was newly revoked, so the answer is not "already revoked" (a boolean, as the
    // OpenAPI says); the revoked one is listed with its status.
    assert_eq!(doc["already_revoked"], false, "{doc}");
    assert_eq!(doc["revoked"].as_array().unwrap().len(), 3);
    assert!(
        out.stderr.contains("already revoked; nothing would change"),
        "{out:?}"
    );

    // Not found, like the real one.
    assert_eq!(u.run(&["revoke", "nope", "--dry-run"]).code, 5);
    // Someone else's token without tokens:admin: not found for them, as for the real call.
    let m = User::with_token(&s.url, &member);
    assert_eq!(m.run(&["revoke", &a, "--dry-run"]).code, 5);

    assert_eq!(
        state(&s, &owner).await,
        before,
        "a dry-run revoke changed something"
    );
    assert_eq!(s.get("/v1/me", &a_secret).await.status, 200);
    // Bulk offboarding's dry run still works.
    let out = u.run(&["revoke", "--user", "mo@example.com", "--all", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("Would revoke"), "{out:?}");
}

#[tokio::test]
async fn users_dry_runs_run_every_check_and_change_no_member() {
    let (s, owner, u) = setup().await;
    let member = s.add_person(&owner, "mo@example.com", "member").await;
    s.mint(&member, json!({"name": "mo-token"})).await;
    let before = state(&s, &owner).await;

    let out = u.run(&[
        "users",
        "add",
        "ci-bot",
        "--service",
        "--role",
        "member",
        "--dry-run",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("Would add service account ci-bot as member"),
        "{out:?}"
    );
    let out = u.run_stdin(
        &[
            "users",
            "add",
            "new@example.com",
            "--role",
            "viewer",
            "--password-stdin",
            "--dry-run",
            "--json",
        ],
        "a-long-enough-password-1\n",
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["email"], "new@example.com");
    assert_eq!(out.json()["role"], "viewer");

    let out = u.run(&["users", "set-role", "mo@example.com", "admin", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("Would make mo@example.com admin"),
        "{out:?}"
    );

    let out = u.run(&["users", "remove", "mo@example.com", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("Would remove mo@example.com and revoke 2 token(s) and session(s)"),
        "{out:?}"
    );
    assert!(out.stdout.contains("mo-token"), "{out:?}");
    let out = u.run(&["users", "remove", "mo@example.com", "--dry-run", "--json"]);
    assert_eq!(out.json()["dry_run"], true);
    assert_eq!(out.json()["count"], 2);

    assert_eq!(
        state(&s, &owner).await,
        before,
        "a users dry run changed something"
    );

    // The checks: a name taken (409), a weak password (422), the last owner (409), no such
    // member (404), and a member without members:write (403), each as the real call.
    let m = User::with_token(&s.url, &member);
    let refused: Vec<(&User, Vec<&str>, Option<&str>, i32)> = vec![
        (
            &u,
            vec![
                "users",
                "add",
                "mo@example.com",
                "--role",
                "viewer",
                "--password-stdin",
            ],
            Some("a-long-enough-password-1\n"),
            6,
        ),
        (
            &u,
            vec![
                "users",
                "add",
                "weak@example.com",
                "--role",
                "viewer",
                "--password-stdin",
            ],
            Some("x\n"),
            6,
        ),
        (
            &u,
            vec!["users", "set-role", "owner@example.com", "member"],
            None,
            6,
        ),
        (&u, vec!["users", "remove", "owner@example.com"], None, 6),
        (&u, vec!["users", "remove", "nobody@example.com"], None, 5),
        (
            &m,
            vec!["users", "add", "ci-bot", "--service", "--role", "viewer"],
            None,
            4,
        ),
        (
            &m,
            vec!["users", "set-role", "owner@example.com", "viewer"],
            None,
            4,
        ),
        (&m, vec!["users", "remove", "owner@example.com"], None, 4),
    ];
    for (who, args, input, code) in refused {
        let mut dry = args.clone();
        dry.push("--dry-run");
        let out = match input {
            Some(i) => who.run_stdin(&dry, i),
            None => who.run(&dry),
        };
        assert_eq!(out.code, code, "{dry:?}: {out:?}");
    }
    // An admin may not hand out owner, dry run or not (no escalation).
    let admin = s.add_person(&owner, "ada@example.com", "admin").await;
    let a = User::with_token(&s.url, &admin);
    let after_admin = state(&s, &owner).await;
    let out = a.run(&["users", "set-role", "mo@example.com", "owner", "--dry-run"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(state(&s, &owner).await, after_admin);
}

#[tokio::test]
async fn policy_dry_run_shows_old_and_new_and_keeps_the_old() {
    let (s, owner, u) = setup().await;
    let before = state(&s, &owner).await;

    let out = u.run(&[
        "org",
        "policy",
        "--set",
        "max_expiry=90d",
        "--set",
        "allow_never=true",
        "--dry-run",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("Would change the org policy"),
        "{out:?}"
    );
    assert!(out.stdout.contains("max_expiry"), "{out:?}");
    assert!(out.stdout.contains("365d → 90d"), "{out:?}");
    assert!(out.stdout.contains("false → true"), "{out:?}");
    assert!(
        !out.stdout.contains("session_ttl"),
        "unchanged fields are left out: {out:?}"
    );

    let doc = u
        .run(&[
            "org",
            "policy",
            "--set",
            "max_expiry=90d",
            "--dry-run",
            "--json",
        ])
        .json();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["old"]["max_expiry"], "365d");
    assert_eq!(doc["new"]["max_expiry"], "90d");

    assert_eq!(
        state(&s, &owner).await,
        before,
        "a dry-run policy change changed it"
    );

    // default_expiry beyond max_expiry is refused as the real change is; a member may not.
    let out = u.run(&["org", "policy", "--set", "max_expiry=7d", "--dry-run"]);
    assert_eq!(out.code, 6, "{out:?}");
    let member = s.add_person(&owner, "mo@example.com", "member").await;
    let m = User::with_token(&s.url, &member);
    let out = m.run(&["org", "policy", "--set", "max_expiry=90d", "--dry-run"]);
    assert_eq!(out.code, 4, "{out:?}");
    // --dry-run alone (nothing to change) is a usage error.
    assert_eq!(u.run(&["org", "policy", "--dry-run"]).code, 2);
}

/// The API itself: `dry_run` never returns a secret, never writes an audit event, and never
/// skips a permission check.
#[tokio::test]
async fn the_api_dry_run_never_returns_a_secret_nor_skips_a_check() {
    let (s, owner, _u) = setup().await;
    let before = state(&s, &owner).await;
    let r = s
        .post("/v1/tokens", &owner, json!({"name": "x", "dry_run": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("tokctl_"), "{}", r.text);
    assert!(r.body.get("secret").is_none());
    let (id, _) = s.mint(&owner, json!({"name": "y"})).await;
    let r = s
        .post(
            &format!("/v1/tokens/{id}/rotate"),
            &owner,
            json!({"dry_run": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("tokctl_"), "{}", r.text);
    assert_eq!(r.body["dry_run"], true);
    let after_mint = state(&s, &owner).await;
    assert_ne!(before, after_mint);
    let r = s
        .call(
            "DELETE",
            "/v1/users/owner@example.com?dry_run=true",
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(r.status, 409, "the last owner, dry run or not: {}", r.text);
    let r = s
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&owner),
            Some(json!({"dry_run": "yes"})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);

    let viewer = s.add_person(&owner, "vera@example.com", "viewer").await;
    let after_viewer = state(&s, &owner).await;
    for (method, path, body) in [
        (
            "POST",
            "/v1/users",
            Some(json!({"name": "bot", "service": true, "role": "viewer", "dry_run": true})),
        ),
        (
            "PATCH",
            "/v1/users/owner@example.com",
            Some(json!({"role": "viewer", "dry_run": true})),
        ),
        ("DELETE", "/v1/users/owner@example.com?dry_run=true", None),
        (
            "PATCH",
            "/v1/org/policy",
            Some(json!({"max_expiry": "90d", "dry_run": true})),
        ),
        (
            "POST",
            "/v1/tokens",
            Some(json!({"name": "svc", "owner": "owner@example.com", "dry_run": true})),
        ),
    ] {
        let r = s.call(method, path, Some(&viewer), body).await;
        assert_eq!(r.status, 403, "{method} {path}: {}", r.text);
    }
    assert_eq!(state(&s, &owner).await, after_viewer);

    // The document says so: every such body takes `dry_run`, DELETE takes it as a query.
    let doc = s.call("GET", "/openapi.json", None, None).await.body;
    let schemas = &doc["components"]["schemas"];
    for name in [
        "MintRequest",
        "RotateRequest",
        "RevokeRequest",
        "PatchUserRequest",
        "BulkRevokeRequest",
    ] {
        assert_eq!(
            schemas[name]["properties"]["dry_run"]["type"], "boolean",
            "{name}: {}",
            schemas[name]
        );
    }
    let text = doc.to_string();
    assert!(text.contains("TokenPreview") && text.contains("PolicyPreview"));
    let mint = &doc["paths"]["/v1/tokens"]["post"]["responses"];
    assert!(
        mint.get("200").is_some() && mint.get("201").is_some(),
        "{mint}"
    );
    let remove = &doc["paths"]["/v1/users/{member}"]["delete"]["parameters"];
    assert!(remove.to_string().contains("dry_run"), "{remove}");
    for person_or_service in schemas["AddUserRequest"]["oneOf"].as_array().unwrap() {
        assert_eq!(
            person_or_service["properties"]["dry_run"]["type"],
            "boolean"
        );
    }
    assert_eq!(
        schemas["PolicyPatch"]["properties"]["dry_run"]["type"], "boolean",
        "{}",
        schemas["PolicyPatch"]
    );
}
