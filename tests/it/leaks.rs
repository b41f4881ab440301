//! Leak reports (issue 28 items 1, 3, 5): `POST /v1/leaks` revokes a live secret at once with
//! reason `leaked` and a `token.leaked` event, answers the same bytes whatever it was given,
//! revokes nothing for look-alikes, is harmless to replay, keeps to its own budget, and the
//! owner hears of it (`list`, `show`, `whoami`). `tokctl revoke --secret-stdin/--secret-file`
//! reports a secret one holds. Real server (either backend), real CLI, real HTTP.

use crate::common;

use common::cli::User;
use common::{ServerOptions, TestServer};
use serde_json::{Value, json};
use tokctl::api::secret::{TokenType, generate};

/// Reports `body` with no credential; returns the status and the exact body text.
async fn report(s: &TestServer, body: Value) -> (u16, String) {
    let r = s.call("POST", "/v1/leaks", None, Some(body)).await;
    (r.status, r.text)
}

async fn token(s: &TestServer, session: &str, id: &str) -> Value {
    let r = s.get(&format!("/v1/tokens/{id}"), session).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn events(s: &TestServer, session: &str, action: &str) -> Vec<Value> {
    let r = s
        .get(&format!("/v1/audit?action={action}&limit=500"), session)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().unwrap().clone()
}

/// The same secret with one character changed: its checksum no longer matches.
fn checksum_broken(secret: &str) -> String {
    let mut b = secret.as_bytes().to_vec();
    b[20] = if b[20] == b'a' { b'b' } else { b'a' };
    String::from_utf8(b).unwrap()
}

#[tokio::test]
async fn a_reported_secret_is_revoked_as_leaked_with_its_audit_event() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, secret) = s.mint(&owner, json!({"name": "pasted"})).await;
    assert_eq!(s.get("/v1/me", &secret).await.status, 200);

    let (status, text) = report(
        &s,
        json!([{"token": secret, "url": "https://chat.example.com/m/42", "source": "chat"}]),
    )
    .await;
    assert_eq!((status, text.as_str()), (202, r#"{"received":1}"#));

    // The very next request with it fails, on the REST API and in verify.
    let me = s.get("/v1/me", &secret).await;
    assert_eq!(
        (me.status, me.code()),
        (401, "token_revoked"),
        "{}",
        me.text
    );
    let v = s.post("/v1/verify", &owner, json!({"token": secret})).await;
    assert_eq!(v.body["reason"], "revoked", "{}", v.text);
    let t = token(&s, &owner, &id).await;
    assert_eq!(t["status"], "revoked");
    assert_eq!(t["revoked_reason"], "leaked");

    let leaked = events(&s, &owner, "token.leaked").await;
    assert_eq!(leaked.len(), 1, "{leaked:?}");
    assert_eq!(leaked[0]["target"], id.as_str());
    assert_eq!(leaked[0]["detail"]["url"], "https://chat.example.com/m/42");
    assert_eq!(leaked[0]["detail"]["source"], "chat");
    assert_eq!(leaked[0]["ip"], "127.0.0.1");
    let reports = events(&s, &owner, "leak.report").await;
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["detail"]["received"], 1);
    assert_eq!(reports[0]["detail"]["revoked"], 1);
    // The secret is nowhere in the database.
    assert!(!s.dump_db().contains(&secret[11..]));
}

#[tokio::test]
async fn the_answer_is_the_same_bytes_for_known_unknown_malformed_revoked_and_expired() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, live) = s.mint(&owner, json!({"name": "live"})).await;
    let (revoked_id, revoked) = s.mint(&owner, json!({"name": "gone"})).await;
    s.post(
        &format!("/v1/tokens/{revoked_id}/revoke"),
        &owner,
        json!({}),
    )
    .await;
    let (expired_id, expired) = s.mint(&owner, json!({"name": "old"})).await;
    s.exec_sql(&format!(
        "UPDATE tokens SET expires_at = 1000000 WHERE id = '{expired_id}'"
    ));
    let unknown = generate(TokenType::Pat).expose().to_string();
    let cases = [
        ("live", live.clone()),
        ("unknown", unknown),
        ("malformed", "tokctl_pat_nope".to_string()),
        ("checksum", checksum_broken(&live)),
        ("revoked", revoked),
        ("expired", expired),
        ("not a secret", "hello".to_string()),
    ];
    let mut answers = Vec::new();
    for (what, secret) in &cases {
        let r = s
            .call(
                "POST",
                "/v1/leaks",
                None,
                Some(json!([{"token": secret, "url": "u", "source": "s"}])),
            )
            .await;
        let mut headers: Vec<String> = r
            .headers
            .iter()
            .filter(|(k, _)| *k != "date")
            .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap()))
            .collect();
        headers.sort();
        answers.push((what, r.status, headers, r.text));
    }
    for a in &answers[1..] {
        assert_eq!(
            (a.1, &a.2, &a.3),
            (answers[0].1, &answers[0].2, &answers[0].3),
            "{} answered differently from {}",
            a.0,
            answers[0].0
        );
    }
    assert_eq!(answers[0].3, r#"{"received":1}"#);
}

#[tokio::test]
async fn look_alikes_never_revoke() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, secret) = s.mint(&owner, json!({"name": "kept"})).await;
    let upper = secret.to_uppercase();
    let spaced = format!(" {secret} ");
    let with_zero_width = format!("{}\u{200b}{}", &secret[..20], &secret[20..]);
    let lookalikes = [
        checksum_broken(&secret),
        secret[..secret.len() - 1].to_string(),
        format!("{secret}x"),
        upper,
        spaced,
        with_zero_width,
        secret.replace("tokctl_pat_", "tokctl_mcp_"),
        secret.replace("tokctl_", "TOKCTL_"),
    ];
    let body: Vec<Value> = lookalikes.iter().map(|l| json!({"token": l})).collect();
    let (status, text) = report(&s, Value::Array(body)).await;
    assert_eq!((status, text.as_str()), (202, r#"{"received":8}"#));
    assert_eq!(token(&s, &owner, &id).await["status"], "active");
    assert_eq!(s.get("/v1/me", &secret).await.status, 200);
    assert!(events(&s, &owner, "token.leaked").await.is_empty());
    let reports = events(&s, &owner, "leak.report").await;
    assert_eq!(reports[0]["detail"]["received"], 8);
    assert_eq!(reports[0]["detail"]["revoked"], 0);
}

#[tokio::test]
async fn replaying_a_report_changes_nothing_and_keeps_a_revokes_reason() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, secret) = s.mint(&owner, json!({"name": "twice"})).await;
    let body = json!([{"token": secret, "url": "https://a.example/1"}, {"token": secret}]);
    assert_eq!(report(&s, body.clone()).await.0, 202);
    let first = token(&s, &owner, &id).await;
    for _ in 0..3 {
        assert_eq!(report(&s, body.clone()).await.0, 202);
    }
    let again = token(&s, &owner, &id).await;
    assert_eq!(first["revoked_at"], again["revoked_at"]);
    assert_eq!(events(&s, &owner, "token.leaked").await.len(), 1);
    assert_eq!(events(&s, &owner, "leak.report").await.len(), 4);

    // A token revoked for another reason keeps it when its secret is reported afterwards.
    let (id2, secret2) = s.mint(&owner, json!({"name": "retired"})).await;
    let r = s
        .post(
            &format!("/v1/tokens/{id2}/revoke"),
            &owner,
            json!({"reason": "replaced by ci-2"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(report(&s, json!([{"token": secret2}])).await.0, 202);
    let t = token(&s, &owner, &id2).await;
    assert_eq!(t["revoked_reason"], "replaced by ci-2");
    assert_eq!(events(&s, &owner, "token.leaked").await.len(), 1);
}

#[tokio::test]
async fn an_expired_token_reported_stays_expired_and_a_grace_secret_is_revoked() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (old_id, old) = s.mint(&owner, json!({"name": "old"})).await;
    s.exec_sql(&format!(
        "UPDATE tokens SET expires_at = 1000000 WHERE id = '{old_id}'"
    ));
    assert_eq!(report(&s, json!([{"token": old}])).await.0, 202);
    let t = token(&s, &owner, &old_id).await;
    assert_eq!(
        (t["status"].as_str(), &t["revoked_at"]),
        (Some("expired"), &Value::Null)
    );

    // The previous secret of a rotation, still in its grace period, lets the finder in: its
    // leak is the token's.
    let (id, first) = s.mint(&owner, json!({"name": "rotated"})).await;
    let r = s
        .post(
            &format!("/v1/tokens/{id}/rotate"),
            &owner,
            json!({"grace": "1h"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let second = r.body["secret"].as_str().unwrap().to_string();
    assert_eq!(s.get("/v1/me", &first).await.status, 200);
    assert_eq!(report(&s, json!([{"token": first}])).await.0, 202);
    assert_eq!(s.get("/v1/me", &first).await.status, 401);
    assert_eq!(s.get("/v1/me", &second).await.status, 401);
    assert_eq!(token(&s, &owner, &id).await["revoked_reason"], "leaked");
}

#[tokio::test]
async fn a_secret_of_another_org_revokes_nothing_anywhere() {
    let a = TestServer::start();
    let b = TestServer::start();
    let owner_b = b.owner_session().await;
    let (id_b, secret_b) = b.mint(&owner_b, json!({"name": "elsewhere"})).await;
    let unknown = generate(TokenType::Pat).expose().to_string();
    let (s1, t1) = report(&a, json!([{"token": secret_b}])).await;
    let (s2, t2) = report(&a, json!([{"token": unknown}])).await;
    assert_eq!((s1, &t1), (s2, &t2));
    assert_eq!(token(&b, &owner_b, &id_b).await["status"], "active");
    let owner_a = a.owner_session().await;
    assert!(events(&a, &owner_a, "token.leaked").await.is_empty());
}

/// A report sent with a credential names the matched tokens that credential may see, and for
/// any other token answers exactly as for an unknown secret.
#[tokio::test]
async fn a_credential_sees_only_its_own_matches() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let dev = s.add_person(&owner, "dev@example.com", "member").await;
    let (owners_id, owners) = s.mint(&owner, json!({"name": "owners"})).await;
    let (devs_id, devs) = s.mint(&dev, json!({"name": "devs"})).await;
    let unknown = generate(TokenType::Pat).expose().to_string();

    let as_dev = |secret: String| {
        let s = &s;
        let dev = dev.clone();
        async move {
            s.call(
                "POST",
                "/v1/leaks",
                Some(&dev),
                Some(json!([{"token": secret}])),
            )
            .await
        }
    };
    let other = as_dev(owners).await;
    let nothing = as_dev(unknown).await;
    assert_eq!((other.status, &other.text), (nothing.status, &nothing.text));
    assert_eq!(nothing.text, r#"{"received":1,"tokens":[]}"#);
    assert_eq!(
        token(&s, &owner, &owners_id).await["revoked_reason"],
        "leaked"
    );

    let own = as_dev(devs).await;
    assert_eq!(own.status, 202);
    let tokens = own.body["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1, "{}", own.text);
    assert_eq!(tokens[0]["token"]["id"], devs_id.as_str());
    assert_eq!(tokens[0]["token"]["revoked_reason"], "leaked");
    assert_eq!(tokens[0]["revoked"], true);

    // A credential sent along must authenticate (it is not silently ignored).
    let bad = s
        .call(
            "POST",
            "/v1/leaks",
            Some(&checksum_broken(&dev)),
            Some(json!([{"token": "x"}])),
        )
        .await;
    assert_eq!(bad.status, 401, "{}", bad.text);
}

#[tokio::test]
async fn secrets_never_reach_the_server_log_or_the_database() {
    let s = TestServer::start_with(ServerOptions {
        env: vec![("TOKCTL_LOG".into(), "trace".into())],
        ..Default::default()
    });
    let owner = s.owner_session().await;
    let (_, live) = s.mint(&owner, json!({"name": "traced"})).await;
    let unknown = generate(TokenType::Pat).expose().to_string();
    let broken = checksum_broken(&live);
    let in_url = generate(TokenType::Mcp).expose().to_string();
    let body = json!([
        {"token": live, "url": format!("https://x.example/?t={in_url}"), "source": in_url},
        {"token": unknown},
        {"token": broken},
    ]);
    assert_eq!(report(&s, body).await.0, 202);
    // A body of the wrong shape is refused without echoing it.
    let (status, text) = report(&s, json!(unknown)).await;
    assert_eq!(status, 422, "{text}");
    assert!(!text.contains(&unknown[11..]), "{text}");
    let (status, text) = report(&s, json!({"token": unknown})).await;
    assert_eq!(status, 422, "{text}");
    assert!(!text.contains(&unknown[11..]), "{text}");
    s.settle().await;
    let log = s.log_text();
    let db = s.dump_db();
    for secret in [&live, &unknown, &broken, &in_url] {
        assert!(
            !log.contains(&secret[11..]),
            "a secret in the server log:\n{log}"
        );
        assert!(!db.contains(&secret[11..]), "a secret in the database");
    }
    let leaked = events(&s, &owner, "token.leaked").await;
    assert!(
        leaked[0]["detail"]["url"]
            .as_str()
            .unwrap()
            .contains("[redacted]"),
        "{leaked:?}"
    );
}

#[tokio::test]
async fn a_flood_of_reports_hits_its_own_limit_while_verify_answers() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, gateway) = s
        .mint(
            &owner,
            json!({"name": "gateway", "scopes": ["tokens:verify"],
                   "rate_limit": {"per_minute": 1000, "per_hour": 10000}}),
        )
        .await;
    let (_, app) = s.mint(&owner, json!({"name": "app"})).await;
    let junk: Vec<Value> = (0..100)
        .map(|_| json!({"token": generate(TokenType::Pat).expose(), "url": "u".repeat(2000)}))
        .collect();
    let flood = Value::Array(junk);
    let mut limited = 0;
    for _ in 0..40 {
        let (status, text) = report(&s, flood.clone()).await;
        match status {
            202 => {}
            429 => limited += 1,
            other => panic!("{other}: {text}"),
        }
        let v = s.post("/v1/verify", &gateway, json!({"token": app})).await;
        assert_eq!(
            (v.status, &v.body["allowed"]),
            (200, &json!(true)),
            "{}",
            v.text
        );
    }
    assert!(
        limited > 0,
        "40 reports of 100 secrets in a row were never limited"
    );
    let r = s.call("POST", "/v1/leaks", None, Some(json!([]))).await;
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
    assert_eq!(s.get("/v1/me", &app).await.status, 200);
    // An unsigned GitHub report from the same address is told what is wrong with it (401), not
    // to come back later: the signature headers are looked for before the budget.
    let r = s
        .call("POST", "/v1/leaks/github", None, Some(json!([])))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (401, "signature_invalid"),
        "{}",
        r.text
    );

    // Its own limits on size: more than 100 entries, or a body over 256 KiB, while other
    // routes still take their own.
    let other = TestServer::start();
    let many: Vec<Value> = (0..101).map(|_| json!({"token": "x"})).collect();
    let r = other
        .call("POST", "/v1/leaks", None, Some(Value::Array(many)))
        .await;
    assert_eq!((r.status, r.code()), (422, "invalid"), "{}", r.text);
    let big = json!([{"token": "x", "url": "u".repeat(300 * 1024)}]);
    let r = other.call("POST", "/v1/leaks", None, Some(big)).await;
    assert_eq!(
        (r.status, r.code()),
        (413, "payload_too_large"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn the_owner_sees_revoked_leaked_and_whoami_warns_on_any_credential() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, secret) = s.mint(&owner, json!({"name": "in-a-gist"})).await;
    let (_, other_pat) = s.mint(&owner, json!({"name": "daily"})).await;
    let dev = s.add_person(&owner, "dev@example.com", "member").await;
    report(
        &s,
        json!([{"token": secret, "url": "https://gist.example.com/abc", "source": "scanner"}]),
    )
    .await;

    let u = User::with_token(&s.url, &other_pat);
    let out = u.run(&["list", "--all"]);
    assert_eq!(out.code, 0, "{out:?}");
    let line = out.stdout.lines().find(|l| l.contains(&id)).unwrap();
    assert!(line.contains("revoked (leaked)"), "{out:?}");
    let out = u.run(&["show", &id]);
    assert!(out.stdout.contains("revoked (leaked)"), "{out:?}");
    let out = u.run(&["show", &id, "--json"]);
    assert_eq!(out.json()["revoked_reason"], "leaked");

    for credential in [&other_pat, &owner] {
        let out = User::with_token(&s.url, credential).run(&["whoami"]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(
            out.stderr.contains("leaked")
                && out.stderr.contains("in-a-gist")
                && out.stderr.contains(&id)
                && out.stderr.contains("https://gist.example.com/abc"),
            "{out:?}"
        );
        let json = User::with_token(&s.url, credential).run(&["whoami", "--json"]);
        assert_eq!(json.json()["leaked_tokens"][0]["id"], id.as_str());
    }
    // Another member hears nothing of it.
    let out = User::with_token(&s.url, &dev).run(&["whoami"]);
    assert!(!out.stderr.contains("leaked"), "{out:?}");
    // Seven days on, the warning is gone.
    s.exec_sql(&format!(
        "UPDATE tokens SET revoked_at = revoked_at - {} WHERE id = '{id}'",
        8_i64 * 86_400 * 1_000_000
    ));
    let out = User::with_token(&s.url, &other_pat).run(&["whoami"]);
    assert!(!out.stderr.contains("leaked"), "{out:?}");
}

#[tokio::test]
async fn revoke_secret_stdin_works_with_no_login_and_names_the_token_to_its_owner() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id1, first) = s.mint(&owner, json!({"name": "in-chat"})).await;
    let (id2, second) = s.mint(&owner, json!({"name": "in-a-file"})).await;
    let (id3, third) = s.mint(&owner, json!({"name": "mine"})).await;

    // No login at all: reported, revoked, and nothing said about which token it was.
    let nobody = User::new(&s.url);
    let out = nobody.run_stdin(&["revoke", "--secret-stdin"], &format!("{first}\n"));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("Reported"), "{out:?}");
    assert!(!out.stderr.contains(&id1), "{out:?}");
    assert!(!out.stderr.contains(&first[11..]) && !out.stdout.contains(&first[11..]));
    assert_eq!(token(&s, &owner, &id1).await["revoked_reason"], "leaked");

    // From a file.
    let file = nobody.dir("tmp").join("leaked.txt");
    std::fs::write(&file, format!("  {second}\r\n")).unwrap();
    let out = nobody.run(&["revoke", "--secret-file", file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(token(&s, &owner, &id2).await["status"], "revoked");

    // The owner, logged in (here through TOKCTL_TOKEN): told which token it was.
    let owner_cli = User::with_token(&s.url, &owner);
    let out = owner_cli.run_stdin(&["revoke", "--secret-stdin"], &third);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains(&id3) && out.stderr.contains("mine") && out.stderr.contains("leaked"),
        "{out:?}"
    );
    let again = owner_cli.run_stdin(&["revoke", "--secret-stdin", "--json"], &third);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json()["tokens"][0]["token"]["id"], id3.as_str());
    assert_eq!(again.json()["tokens"][0]["revoked"], false);
    assert!(again.stderr.contains("already revoked"), "{again:?}");

    // Its own leaked secret as the credential: refused as a credential, still reported.
    let self_report = User::with_token(&s.url, &third);
    let out = self_report.run_stdin(&["revoke", "--secret-stdin"], &third);
    assert_eq!(out.code, 0, "{out:?}");

    // Not a secret: a usage error naming the flag, nothing sent, nothing echoed.
    let broken = checksum_broken(&owner);
    let out = nobody.run_stdin(&["revoke", "--secret-stdin"], &broken);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--secret-stdin"), "{out:?}");
    assert!(!out.stderr.contains(&broken[11..]), "{out:?}");
    let out = nobody.run(&["revoke", "--secret-stdin", "tk_abc"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(s.get("/v1/me", &owner).await.status, 200);
}

/// A leaked secret takes everything it delegated with it, in the same transaction: each
/// descendant revoked (reason `ancestor leaked`, its event naming the leaked token), none of
/// them counted as a leak of its own in the owner's warnings.
#[tokio::test]
async fn a_leaked_parent_takes_its_whole_subtree_with_it() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (parent_id, parent) = s
        .mint(
            &owner,
            json!({"name": "agent", "scopes": ["work:read", "tokens:write"]}),
        )
        .await;
    let (child_id, child) = s
        .mint(
            &parent,
            json!({"name": "sub-agent", "scopes": ["work:read", "tokens:write"]}),
        )
        .await;
    let (grandchild_id, grandchild) = s
        .mint(&child, json!({"name": "tool", "scopes": ["work:read"]}))
        .await;
    assert_eq!(token(&s, &owner, &grandchild_id).await["depth"], 2);

    let (status, _) = report(
        &s,
        json!([{"token": parent, "url": "https://paste.example/1"}]),
    )
    .await;
    assert_eq!(status, 202);
    for secret in [&parent, &child, &grandchild] {
        let me = s.get("/v1/me", secret).await;
        assert_eq!(
            (me.status, me.code()),
            (401, "token_revoked"),
            "{}",
            me.text
        );
    }
    assert_eq!(
        token(&s, &owner, &parent_id).await["revoked_reason"],
        "leaked"
    );
    for id in [&child_id, &grandchild_id] {
        let t = token(&s, &owner, id).await;
        assert_eq!(t["status"], "revoked", "{t}");
        assert_eq!(t["revoked_reason"], "ancestor leaked", "{t}");
        let revoke = events(&s, &owner, "token.revoke")
            .await
            .into_iter()
            .find(|e| e["target"] == id.as_str())
            .unwrap_or_else(|| panic!("no token.revoke event for {id}"));
        assert_eq!(
            revoke["detail"]["cascade_of"],
            parent_id.as_str(),
            "{revoke}"
        );
    }
    // The owner is warned of one leak: the parent's.
    let me = s.get("/v1/me", &owner).await;
    let leaked: Vec<&str> = me.body["leaked_tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(leaked, vec![parent_id.as_str()], "{}", me.text);
}
