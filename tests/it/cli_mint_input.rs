//! What `tokctl mint` asks and checks (issue 23, items 5, 6, 7, 14): every field checked the
//! moment it is typed (the prompt asks again) or parsed (exit 2 naming the flag, before any
//! request), by the same functions the server calls; the scopes asked on a terminal and the
//! full role said in a script; the expiry prompt within the org policy; comma lists of scopes;
//! hints that name the right fix.

use crate::common;

use common::TestServer;
use common::cli::{Out, User};
use common::pty::{ENTER, exit_code, key, spawn, wait_for};
use serde_json::json;

/// The secret alone on stdout, one line.
fn only_secret(out: &Out) -> String {
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
    assert!(out.stdout.ends_with('\n'), "{out:?}");
    let secret = out.stdout.trim_end().to_string();
    assert!(tokctl::api::secret::parse(&secret).is_ok(), "{out:?}");
    secret
}

/// A loopback port nothing listens on: a request there fails (exit 8), so an exit 2 proves
/// none was made.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn the_name_prompt_asks_again_until_the_name_is_valid() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);

    let mut p = spawn(&u, &["mint"]);
    wait_for(&mut p, "Token name");
    p.send_line("").unwrap();
    wait_for(&mut p, "the token name is empty");
    p.send_line("bad name").unwrap();
    wait_for(&mut p, "' ' is not allowed");
    p.send_line("tk_sneaky").unwrap();
    wait_for(&mut p, "token ids start");
    p.send_line("good-name").unwrap();
    wait_for(&mut p, "MCP endpoint");
    key(&mut p, ENTER);
    wait_for(&mut p, "Scopes");
    key(&mut p, ENTER);
    wait_for(&mut p, "Expires in");
    key(&mut p, ENTER);
    p.exp_regex("tokctl_pat_[0-9A-Za-z]{36}").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    assert_eq!(
        s.get("/v1/tokens/good-name", &owner).await.body["status"],
        "active"
    );
}

#[tokio::test]
async fn bad_flag_values_are_usage_errors_naming_the_flag_before_any_request() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    // A valid credential but a server that is not there: any request would be exit 8.
    let u = User::with_token(&closed_port(), &owner);
    let long = "x".repeat(1025);
    for (args, names) in [
        (vec!["mint", ""], vec!["NAME", "empty"]),
        (vec!["mint", "tk_x"], vec!["NAME", "tk_"]),
        (vec!["mint", "a/b"], vec!["NAME", "'/'"]),
        (
            vec!["mint", "ok", "--description", &long],
            vec!["--description", "1024"],
        ),
        (
            vec!["mint", "ok", "--allow-cidr", "10.0.0.0/33"],
            vec!["--allow-cidr"],
        ),
        (
            vec!["mint", "ok", "--rate-limit", "0/min"],
            vec!["--rate-limit", "at least 1"],
        ),
        (vec!["mint", "ok", "--expires", "soon"], vec!["--expires"]),
        (
            vec!["mint", "ok", "--scope", "nope"],
            vec!["--scope", "nope"],
        ),
        (
            vec!["users", "add", "not-an-email", "--role", "member"],
            vec!["EMAIL", "not an email"],
        ),
        (
            vec!["users", "add", "bad name", "--service", "--role", "viewer"],
            vec!["NAME", "' ' is not allowed"],
        ),
    ] {
        let out = u.run(&args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        for n in names {
            assert!(out.stderr.contains(n), "{args:?} should name {n}: {out:?}");
        }
    }
    // The way around the CLI: the server refuses the same values with the same reason.
    for (body, reason) in [
        (json!({"name": ""}), "the token name is empty"),
        (json!({"name": "tk_x"}), "token ids start"),
        (json!({"name": "ok", "description": long}), "at most 1024"),
        (
            json!({"name": "ok", "allowed_cidrs": ["10.0.0.0/33"]}),
            "not a network",
        ),
        (
            json!({"name": "ok", "rate_limit": {"per_minute": 0}}),
            "at least 1 request",
        ),
    ] {
        let r = s.post("/v1/tokens", &owner, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.text.contains(reason), "{body}: {}", r.text);
    }
}

#[tokio::test]
async fn the_expiry_prompt_offers_what_the_policy_allows_its_default_preselected() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let patch = |body| s.call("PATCH", "/v1/org/policy", Some(&owner), Some(body));
    assert_eq!(patch(json!({"allow_never": true})).await.status, 200);
    // A token that may mint but not read the policy (no org:read), and never expires.
    let (_, blind) = s
        .mint(
            &owner,
            json!({"name": "blind", "scopes": ["tokens:read", "tokens:write"], "expires": "never"}),
        )
        .await;
    let r = patch(json!({"max_expiry": "30d", "default_expiry": "7d", "allow_never": false})).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let u = User::with_token(&s.url, &owner);
    let mut p = spawn(&u, &["mint"]);
    wait_for(&mut p, "Token name");
    p.send_line("within-policy").unwrap();
    wait_for(&mut p, "MCP endpoint");
    key(&mut p, ENTER);
    wait_for(&mut p, "Scopes");
    key(&mut p, ENTER);
    wait_for(&mut p, "Expires in");
    key(&mut p, ENTER); // the preselected one
    let shown = wait_for(&mut p, "shown once");
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    for allowed in ["1d", "7d", "30d"] {
        assert!(shown.contains(allowed), "{allowed} not offered: {shown}");
    }
    for beyond in ["90d", "365d", "never"] {
        assert!(!shown.contains(beyond), "{beyond} offered: {shown}");
    }
    let t = s.get("/v1/tokens/within-policy", &owner).await;
    let expires = chrono::DateTime::parse_from_rfc3339(t.body["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let lifetime = expires - chrono::Utc::now();
    assert!(
        lifetime > chrono::Duration::days(6) && lifetime <= chrono::Duration::days(7),
        "the policy's default (7d) was not preselected: {}",
        t.text
    );

    // A credential that may not read the policy: the built-in choices, the mint still works.
    let u = User::with_token(&s.url, &blind);
    let mut p = spawn(&u, &["mint"]);
    wait_for(&mut p, "Token name");
    p.send_line("blind-child").unwrap();
    wait_for(&mut p, "MCP endpoint");
    key(&mut p, ENTER);
    wait_for(&mut p, "Scopes");
    key(&mut p, ENTER);
    wait_for(&mut p, "Expires in");
    key(&mut p, ENTER); // built-in default: 30d, within the policy's max
    let shown = wait_for(&mut p, "shown once");
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    assert!(shown.contains("365d"), "{shown}");
    // None picked by a narrower token: all it holds, not the full role it may not grant.
    let t = s.get("/v1/tokens/blind-child", &owner).await;
    assert_eq!(
        t.body["scopes"],
        json!(["tokens:read", "tokens:write"]),
        "{}",
        t.text
    );
}

#[tokio::test]
async fn a_terminal_without_scope_offers_the_callers_permissions() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, narrow) = s
        .mint(
            &owner,
            json!({"name": "narrow", "scopes": ["work:read", "tokens:read", "tokens:write"]}),
        )
        .await;
    let u = User::with_token(&s.url, &narrow);
    let mut p = spawn(&u, &["mint", "picked"]);
    wait_for(&mut p, "Scopes");
    let items = wait_for(&mut p, "tokens:write");
    key(&mut p, " "); // the first: work:read
    key(&mut p, ENTER);
    p.exp_regex("tokctl_pat_[0-9A-Za-z]{36}").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    assert!(items.contains("work:read"), "{items}");
    for not_held in ["audit:read", "work:write", "members:write"] {
        assert!(!items.contains(not_held), "{not_held} offered: {items}");
    }
    let t = s.get("/v1/tokens/picked", &owner).await;
    assert_eq!(t.body["scopes"], json!(["work:read"]), "{}", t.text);
}

#[tokio::test]
async fn a_script_without_scope_gets_the_full_role_and_is_told_so() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);
    let out = u.run(&["mint", "scripted"]);
    only_secret(&out);
    assert!(out.stderr.contains("full role"), "{out:?}");
    assert!(out.stderr.contains("--scope"), "{out:?}");
    let t = s.get("/v1/tokens/scripted", &owner).await;
    assert_eq!(t.body["scopes"], json!([]), "{}", t.text);
    // Asked for explicitly, or --quiet: nothing said.
    for args in [
        vec!["mint", "starred", "--scope", "*"],
        vec!["mint", "narrowed", "--scope", "work:read"],
        vec!["mint", "hushed", "--quiet"],
    ] {
        let out = u.run(&args);
        only_secret(&out);
        assert!(!out.stderr.contains("full role"), "{args:?}: {out:?}");
    }
}

#[tokio::test]
async fn comma_lists_and_repeated_scope_flags_give_the_same_scopes() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);
    for (name, args) in [
        (
            "repeated",
            vec!["--scope", "work:read", "--scope", "tokens:read"],
        ),
        ("comma", vec!["--scope", "work:read,tokens:read"]),
        ("plural", vec!["--scopes", "work:read, tokens:read"]),
        (
            "mixed",
            vec!["--scopes", "work:read", "--scope", "tokens:read"],
        ),
    ] {
        let mut all = vec!["mint", name];
        all.extend(args);
        only_secret(&u.run(&all));
        let t = s.get(&format!("/v1/tokens/{name}"), &owner).await;
        assert_eq!(
            t.body["scopes"],
            json!(["work:read", "tokens:read"]),
            "{name}: {}",
            t.text
        );
    }
    // An unknown scope anywhere in a list: exit 2 naming it, nothing minted.
    let out = u.run(&[
        "mint",
        "bad-list",
        "--scope",
        "work:read,nope:read,tokens:read",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("nope:read") && out.stderr.contains("--scope"),
        "{out:?}"
    );
    assert_eq!(s.get("/v1/tokens/bad-list", &owner).await.status, 404);
}

#[tokio::test]
async fn hints_name_the_fix_that_works() {
    let s = TestServer::start();
    let owner = s.owner_session().await;

    // The length in the malformed-secret hint is the format's.
    let out = User::with_token(&s.url, "tokctl_pat_short").run(&["whoami"]);
    assert_eq!(out.code, 3, "{out:?}");
    let len = tokctl::api::secret::SECRET_LEN;
    assert!(
        out.stderr.contains(&format!("({len} characters)")),
        "{out:?}"
    );

    // A revoked TOKCTL_TOKEN: mint a new one; rotate cannot revive it.
    let (id, revoked) = s.mint(&owner, json!({"name": "gone"})).await;
    let r = s
        .post(&format!("/v1/tokens/{id}/revoke"), &owner, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let out = User::with_token(&s.url, &revoked).run(&["list"]);
    assert_eq!(out.code, 3, "{out:?}");
    let help = out
        .stderr
        .lines()
        .find(|l| l.starts_with("help:"))
        .unwrap_or_default();
    assert!(help.contains("tokctl mint"), "{out:?}");
    assert!(help.contains("cannot revive"), "{out:?}");
    assert!(!help.contains("mint or rotate"), "{out:?}");

    // The usage line of a missing argument does not show TOKCTL_SERVER's flag as required.
    let u = User::with_token(&s.url, &owner);
    let out = u.run_env(&["revoke"], &[("TOKCTL_PROFILE", "work")]);
    assert_eq!(out.code, 2, "{out:?}");
    let usage = out
        .stderr
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .unwrap();
    assert!(usage.contains("revoke"), "{out:?}");
    assert!(
        !usage.contains("--server") && !usage.contains("--profile"),
        "{out:?}"
    );
}
