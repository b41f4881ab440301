//! The CLI never passes a secret on: not one typed where a token id or name belongs (refused
//! locally, nothing sent; issue 22 item 1), and not the caller's credential to an `--exec`
//! child (issue 22 item 9). The real binary against the real server logging at trace level.

use crate::common;

use std::time::{Duration, Instant};

use common::cli::{Out, User};
use common::{ServerOptions, TestServer};

fn traced_server() -> TestServer {
    TestServer::start_with(ServerOptions {
        env: vec![("TOKCTL_LOG".into(), "trace".into())],
        ..Default::default()
    })
}

/// Waits until the server's log holds `needle` (the request log line of a marker request).
fn wait_for_log(s: &TestServer, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !s.log_text().contains(needle) {
        assert!(
            Instant::now() < deadline,
            "the server never logged {needle}: {}",
            s.log_text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A request the server surely logs (404 for an unknown id), to bracket a command in the log.
fn mark(s: &TestServer, u: &User, marker: &str) {
    let out = u.run(&["show", marker]);
    assert_eq!(out.code, 5, "marker request: {out:?}");
    wait_for_log(s, marker);
}

/// The log between two markers.
fn between(log: &str, from: &str, to: &str) -> String {
    let start = log.find(from).expect("first marker");
    let end = log.find(to).expect("second marker");
    // Up to the start of the line that logs the second marker.
    let end = log[..end].rfind('\n').unwrap_or(start);
    log[start..end.max(start)]
        .lines()
        .skip(1) // the first marker's own line
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_not_in(out: &Out, secret: &str, what: &str) {
    // The whole secret, and its random part alone (a partial echo leaks too).
    for needle in [secret, &secret[11..]] {
        assert!(
            !out.stdout.contains(needle) && !out.stderr.contains(needle),
            "{what}: the secret was echoed: {out:?}"
        );
    }
}

/// Every place a token id or name (or a member) belongs, and two that are neither.
fn attacks(secret: &str) -> Vec<(Vec<String>, bool)> {
    let s = secret.to_string();
    let v = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        (v(&["show", &s]), true),
        (v(&["show", "tk_x", "--owner", &s]), true),
        (v(&["revoke", &s]), true),
        (v(&["revoke", "some-name", &s, "--yes"]), true),
        (v(&["revoke", "--user", &s, "--all"]), true),
        (v(&["rotate", &s]), true),
        (v(&["rotate", &s, "--exec", "cat >/dev/null"]), true),
        (v(&["usage", &s]), true),
        (v(&["audit", "--token", &s]), true),
        (v(&["audit", &format!("--token={s}")]), true),
        (v(&["audit", "--user", &s]), true),
        (v(&["mint", &s]), true),
        (v(&["mint", "for-svc", "--owner", &s]), true),
        (v(&["list", "--user", &s]), true),
        (v(&["users", "set-role", &s, "admin"]), true),
        (v(&["users", "remove", &s]), true),
        (
            v(&["users", "add", &s, "--service", "--role", "viewer"]),
            true,
        ),
        // Percent-encoded, it would reach the server's path decoded.
        (v(&["show", &format!("%74{}", &s[1..])]), true),
        // Not an id or name, but it would be stored and shown to every admin.
        (v(&["mint", "described", "--description", &s]), false),
        (v(&["revoke", "tk_x", "--reason", &s]), false),
    ]
}

#[test]
fn a_secret_where_a_token_id_or_name_belongs_is_refused_locally_and_sends_nothing() {
    let s = traced_server();
    let owner = common::block_on({
        let url = s.url.clone();
        async move {
            let r = reqwest::Client::new()
                .post(format!("{url}/v1/sessions"))
                .json(&serde_json::json!({
                    "email": common::OWNER_EMAIL, "password": common::OWNER_PASSWORD
                }))
                .send()
                .await
                .unwrap();
            let doc: serde_json::Value = r.json().await.unwrap();
            doc["secret"].as_str().unwrap().to_string()
        }
    });
    let u = User::with_token(&s.url, &owner);
    // A live secret, the kind that gets pasted by mistake, and one with a broken checksum.
    let out = u.run(&["mint", "pasted"]);
    assert_eq!(out.code, 0, "{out:?}");
    let live = out.stdout.trim().to_string();
    assert!(tokctl::api::secret::parse(&live).is_ok());
    let mut broken = live.clone();
    let last = if broken.ends_with('A') { "B" } else { "A" };
    broken.replace_range(broken.len() - 1.., last);
    assert!(tokctl::api::secret::parse(&broken).is_err());

    let mut n = 0;
    for secret in [&live, &broken] {
        for (args, names_a_token) in attacks(secret) {
            for json in [false, true] {
                n += 1;
                let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
                if json {
                    args.push("--json");
                }
                let what = format!("tokctl {} (attack {n})", args[0]);
                let before = format!("tk_before{n}");
                let after = format!("tk_after{n}");
                mark(&s, &u, &before);
                let out = u.run(&args);
                mark(&s, &u, &after);

                assert_eq!(out.code, 2, "{what}: {out:?}");
                assert_not_in(&out, secret, &what);
                assert!(out.stdout.is_empty(), "{what}: {out:?}");
                let (message, help) = if json {
                    let doc: serde_json::Value = serde_json::from_str(out.stderr.trim())
                        .unwrap_or_else(|e| panic!("{what}: stderr is not JSON ({e}): {out:?}"));
                    assert_eq!(doc["error"]["code"], "secret_in_argument", "{what}");
                    assert_eq!(doc["error"]["exit_code"], 2, "{what}");
                    (
                        doc["error"]["message"].as_str().unwrap().to_string(),
                        doc["error"]["help"].as_str().unwrap().to_string(),
                    )
                } else {
                    (out.stderr.clone(), out.stderr.clone())
                };
                assert!(message.contains("treat it as leaked"), "{what}: {out:?}");
                if names_a_token {
                    assert!(
                        message.contains("that is a secret, not a token id or name"),
                        "{what}: {out:?}"
                    );
                }
                assert!(message.contains("nothing was sent"), "{what}: {out:?}");
                let fix = if args[0] == "rotate" {
                    "`tokctl rotate tk_…`"
                } else {
                    "`tokctl revoke tk_…`"
                };
                assert!(
                    help.contains(fix),
                    "{what}: names no id-based command: {out:?}"
                );

                // Nothing reached the server: no request line between the two markers.
                let log = s.log_text();
                let window = between(&log, &before, &after);
                assert!(
                    !window.contains("tokctl::request"),
                    "{what}: the server got a request:\n{window}"
                );
            }
        }
    }

    // And the secret is nowhere on the server: its log at trace level, the audit events, the
    // access log.
    let log = s.log_text();
    assert!(log.contains("tokctl::request"), "the request log is on");
    for secret in [&live, &broken] {
        assert!(!log.contains(&secret[11..]), "a secret in the server log");
        for args in [&["audit", "--json"][..], &["audit", "--access", "--json"]] {
            let out = u.run(args);
            assert_eq!(out.code, 0, "{out:?}");
            assert!(
                out.json().as_array().is_some_and(|a| !a.is_empty()),
                "{out:?}"
            );
            assert!(
                !out.stdout.contains(&secret[11..]),
                "a secret in `tokctl {args:?}`"
            );
        }
    }
}

/// `--exec CMD`'s child gets the new secret on stdin and `TOKCTL_TOKEN_ID`, never the
/// caller's `TOKCTL_TOKEN` or another credential in the environment.
#[tokio::test]
async fn exec_children_do_not_inherit_the_callers_credentials() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, other) = s
        .mint(&owner, serde_json::json!({"name": "kept-elsewhere"}))
        .await;
    let mut u = User::with_token(&s.url, &owner);
    u.env.push(("DEPLOY_TOKEN".into(), other.clone()));
    u.env.push((
        "TOKCTL_DATABASE".into(),
        "postgres://tokctl:db-password@db/tokctl".into(),
    ));
    let cmd = "cat >/dev/null; env";
    for args in [
        vec!["mint", "child-env", "--exec", cmd],
        vec!["rotate", "child-env", "--exec", cmd],
    ] {
        let out = u.run(&args);
        assert_eq!(out.code, 0, "{out:?}");
        let env = &out.stdout;
        assert!(!env.contains(&owner[11..]), "the caller's session: {out:?}");
        assert!(!env.contains(&other[11..]), "another credential: {out:?}");
        assert!(
            !env.lines().any(|l| l.starts_with("TOKCTL_TOKEN=")),
            "{out:?}"
        );
        assert!(!env.contains("db-password"), "{out:?}");
        assert!(
            env.lines().any(|l| l.starts_with("TOKCTL_TOKEN_ID=tk_")),
            "{out:?}"
        );
        // Settings that are not secret stay, so the child can run tokctl with the new secret.
        assert!(
            env.lines().any(|l| l == format!("TOKCTL_SERVER={}", s.url)),
            "{out:?}"
        );
        assert!(env.lines().any(|l| l.starts_with("PATH=")), "{out:?}");
    }
}
