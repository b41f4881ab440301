//! Human output of the real `tokctl` binary against the real server: tables fitted to an
//! 80-column terminal (a pty via rexpect) with ids whole, piped tables without trailing spaces
//! or colour codes, NO_COLOR / CLICOLOR_FORCE, audit times and summaries, `usage`, the pager.

use crate::common;

use common::TestServer;
use common::cli::User;
use rexpect::session::{PtySession, spawn_command};

async fn setup() -> (TestServer, User, String) {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);
    (s, u, owner)
}

/// `tokctl ARGS` on an 80-column pty (CI unset), with extra environment.
fn spawn(u: &User, args: &[&str], env: &[(&str, &str)]) -> PtySession {
    let mut cmd = u.command();
    cmd.args(args)
        .env_remove("CI")
        .env("TERM", "xterm")
        .env("COLUMNS", "80");
    for (k, v) in env {
        cmd.env(k, v);
    }
    spawn_command(cmd, Some(30_000)).expect("spawn on a pty")
}

/// Text without colour codes and carriage returns.
fn plain(text: &str) -> String {
    // rexpect hands over the pty's bytes one char each: decode them as the UTF-8 they are.
    let decoded;
    let text = if text.chars().all(|c| (c as u32) < 256) {
        decoded = String::from_utf8_lossy(&text.chars().map(|c| c as u8).collect::<Vec<u8>>())
            .into_owned();
        decoded.as_str()
    } else {
        text
    };
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ params final-byte; or a two-character escape (ESC = / ESC >).
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                chars.next();
            }
        } else if c != '\r' {
            out.push(c);
        }
    }
    out
}

async fn some_tokens(s: &TestServer, u: &User, owner: &str) -> Vec<String> {
    assert_eq!(
        u.run(&[
            "mint",
            "a-rather-long-token-name-for-the-nightly-deploy-pipeline",
            "--scope",
            "tokens:read",
            "--scope",
            "tokens:write",
            "--scope",
            "audit:read",
            "--expires",
            "3d",
        ])
        .code,
        0
    );
    assert_eq!(u.run(&["mint", "monthly", "--expires", "30d"]).code, 0);
    assert_eq!(u.run(&["mint", "retired"]).code, 0);
    assert_eq!(u.run(&["revoke", "retired"]).code, 0);
    let _ = (s, owner);
    u.run(&["list", "--all", "--json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn tables_fit_80_columns_with_every_id_whole() {
    let (s, u, owner) = setup().await;
    s.add_person(&owner, "someone.with.a.long.address@example.com", "member")
        .await;
    let ids = some_tokens(&s, &u, &owner).await;
    for args in [
        &["list", "--everyone", "--all"][..],
        &["list"],
        &["audit"],
        &["audit", "--access"],
        &["users", "list"],
    ] {
        let mut p = spawn(&u, args, &[("TOKCTL_PAGER", "")]);
        let out = plain(&p.exp_eof().unwrap());
        let lines: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
        assert!(lines.len() >= 2, "{args:?}:\n{out}");
        for l in &lines {
            assert!(
                l.chars().count() <= 80,
                "{args:?}: a line of {} columns:\n{out}",
                l.chars().count()
            );
        }
        if args[0] == "list" {
            // Every id whole, on the line of its token; one line a token.
            for id in ids.iter().filter(|_| args.len() > 1) {
                assert!(out.contains(id.as_str()), "{id} missing:\n{out}");
            }
            assert!(out.contains('…'), "long cells are cut with …:\n{out}");
        }
    }
    let mut p = spawn(
        &u,
        &["list", "--everyone", "--all"],
        &[("TOKCTL_PAGER", "")],
    );
    let out = plain(&p.exp_eof().unwrap());
    assert_eq!(
        out.lines().filter(|l| l.starts_with("tk_")).count(),
        ids.len(),
        "one line a token:\n{out}"
    );
}

#[tokio::test]
async fn piped_tables_have_no_trailing_spaces_and_colour_only_when_forced() {
    let (s, u, owner) = setup().await;
    some_tokens(&s, &u, &owner).await;
    for args in [
        &["list", "--all"][..],
        &["audit"],
        &["audit", "--access"],
        &["users", "list"],
    ] {
        let out = u.run(args);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(!out.stdout.contains('\x1b'), "{args:?}: {out:?}");
        for l in out.stdout.lines() {
            assert_eq!(
                l,
                l.trim_end(),
                "{args:?}: trailing spaces: {:?}",
                out.stdout
            );
        }
        // In a pipe nothing is cut.
        assert!(!out.stdout.contains('…'), "{args:?}: {out:?}");
    }
    let whole = u.run(&["list"]);
    assert!(
        whole
            .stdout
            .contains("a-rather-long-token-name-for-the-nightly-deploy-pipeline"),
        "{whole:?}"
    );

    // CLICOLOR_FORCE colours a pipe: green active, yellow within 7 days of expiry, dim revoked.
    let out = u.run_env(&["list", "--all"], &[("CLICOLOR_FORCE", "1")]);
    let line = |name: &str| {
        out.stdout
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name}: {out:?}"))
            .to_string()
    };
    assert!(line("monthly").contains("\x1b[38;5;10m"), "{out:?}");
    assert!(line("nightly").contains("\x1b[38;5;11m"), "{out:?}");
    assert!(line("retired").contains("\x1b[2m"), "{out:?}");
    for l in out.stdout.lines() {
        assert!(!plain(l).ends_with(' '), "{:?}", out.stdout);
    }
    // NO_COLOR wins over it; CLICOLOR_FORCE=0 forces nothing.
    for env in [
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")][..],
        &[("CLICOLOR_FORCE", "0")],
    ] {
        let out = u.run_env(&["list", "--all"], env);
        assert!(!out.stdout.contains('\x1b'), "{env:?}: {out:?}");
    }
    // On a terminal: colours unless NO_COLOR.
    let mut p = spawn(&u, &["list"], &[]);
    assert!(p.exp_eof().unwrap().contains("\x1b[38;5;10m"));
    let mut p = spawn(&u, &["list"], &[("NO_COLOR", "1")]);
    assert!(!p.exp_eof().unwrap().contains("\x1b[38;5;10m"));
}

#[tokio::test]
async fn audit_shows_seconds_and_a_summary_per_action() {
    let (s, u, owner) = setup().await;
    assert_eq!(
        u.run(&[
            "mint",
            "summed",
            "--scope",
            "tokens:read",
            "--scope",
            "audit:read"
        ])
        .code,
        0
    );
    // A failed authentication: a revoked token's secret.
    let out = u.run(&["mint", "dead"]);
    let secret = out.stdout.trim().to_string();
    assert_eq!(u.run(&["revoke", "dead"]).code, 0);
    let dead = User::with_token(&s.url, &secret).run(&["whoami"]);
    assert_eq!(dead.code, 3, "{dead:?}");
    s.settle().await;
    let _ = owner;

    let out = u.run(&["audit"]);
    assert_eq!(out.code, 0, "{out:?}");
    let mint = out
        .stdout
        .lines()
        .find(|l| l.contains("token.mint") && l.contains("summed"))
        .unwrap_or_else(|| panic!("{out:?}"));
    assert!(
        mint.contains("name=summed type=pat scopes=tokens:read,audit:read"),
        "{mint}"
    );
    // No JSON in the table, times to the second, no fractions.
    assert!(!out.stdout.contains("{\""), "{out:?}");
    let time = &mint[..19];
    assert!(
        chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M:%S").is_ok(),
        "{mint}"
    );
    let failed = out
        .stdout
        .lines()
        .find(|l| l.contains("auth.failed"))
        .unwrap_or_else(|| panic!("{out:?}"));
    assert!(failed.contains("revoked on /v1/me"), "{failed}");
    let json = u.run(&["audit", "--json"]).json();
    // The JSON keeps the exact time.
    assert!(json[0]["at"].as_str().unwrap().contains('.'), "{json}");
}

#[tokio::test]
async fn usage_prints_a_readable_summary() {
    let (s, u, owner) = setup().await;
    let (_, secret) = s.mint(&owner, serde_json::json!({"name": "worker"})).await;
    let w = User::with_token(&s.url, &secret);
    for _ in 0..3 {
        assert_eq!(w.run(&["whoami"]).code, 0);
    }
    s.settle().await;
    let out = u.run(&["usage", "worker"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("requests"), "{out:?}");
    assert!(out.stdout.contains("Most used routes:"), "{out:?}");
    assert!(out.stdout.contains("GET /v1/me"), "{out:?}");
    // Not the raw document: no nested token fields.
    assert!(!out.stdout.contains("allowed_cidrs"), "{out:?}");
    assert!(!out.stdout.contains("per_minute"), "{out:?}");
}

#[tokio::test]
async fn long_output_goes_through_the_pager_on_a_terminal_only() {
    let (s, u, owner) = setup().await;
    some_tokens(&s, &u, &owner).await;
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pager-ran");
    let pager = dir.path().join("pager.sh");
    std::fs::write(
        &pager,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nsed 's/^/PAGED /'\n",
            marker.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pager, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let pager_cmd = format!("{} --from-tokctl", pager.display());

    for args in [&["audit"][..], &["list", "--all"]] {
        let _ = std::fs::remove_file(&marker);
        let mut p = spawn(
            &u,
            args,
            &[("TOKCTL_PAGER", &pager_cmd), ("PAGER", "false")],
        );
        let out = p.exp_eof().unwrap();
        assert!(out.contains("PAGED "), "{args:?}: {out}");
        assert_eq!(
            std::fs::read_to_string(&marker).unwrap().trim(),
            "--from-tokctl",
            "{args:?}"
        );

        // In a pipe: never.
        let _ = std::fs::remove_file(&marker);
        let out = u.run_env(args, &[("TOKCTL_PAGER", &pager_cmd)]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(!out.stdout.contains("PAGED"), "{out:?}");
        assert!(!marker.exists(), "{args:?}: the pager ran in a pipe");
    }

    // PAGER when TOKCTL_PAGER is unset; TOKCTL_PAGER empty or `cat` turns it off; a short
    // `list` is not paged.
    let _ = std::fs::remove_file(&marker);
    let mut p = spawn(&u, &["audit"], &[("PAGER", &pager_cmd)]);
    assert!(p.exp_eof().unwrap().contains("PAGED "));
    for off in ["", "cat"] {
        let _ = std::fs::remove_file(&marker);
        let mut p = spawn(
            &u,
            &["audit"],
            &[("TOKCTL_PAGER", off), ("PAGER", &pager_cmd)],
        );
        let out = p.exp_eof().unwrap();
        assert!(
            out.contains("token.mint") && !out.contains("PAGED"),
            "{out}"
        );
        assert!(!marker.exists());
    }
    let mut p = spawn(&u, &["list"], &[("TOKCTL_PAGER", &pager_cmd)]);
    assert!(!p.exp_eof().unwrap().contains("PAGED"));
    assert!(!marker.exists());
}
