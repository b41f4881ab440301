//! Prompts on a real terminal (a pty via rexpect): interactive mint, login, confirmations, and
//! `--no-input` refusing to ask even on a terminal.

use crate::common;

use common::cli::{User, keyring_available, keyring_lookup, profile};
use common::pty::{DOWN, ENTER, exit_code, key, spawn, wait_for};
use common::{OWNER_EMAIL, OWNER_PASSWORD, TestServer};
use rexpect::session::spawn_command;

#[tokio::test]
async fn interactive_mint_asks_name_type_scopes_and_expiry() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);

    let mut p = spawn(&u, &["mint"]);
    wait_for(&mut p, "Token name");
    p.send_line("pty-token").unwrap();
    wait_for(&mut p, "MCP endpoint");
    key(&mut p, DOWN); // mcp
    key(&mut p, ENTER);
    wait_for(&mut p, "audit:read");
    key(&mut p, " "); // the first permission the role grants: work:read
    key(&mut p, ENTER);
    wait_for(&mut p, "365d"); // the default policy's choices: no `never`
    key(&mut p, DOWN); // 90d
    key(&mut p, ENTER);
    p.exp_string("shown once").unwrap();
    let (_, secret) = p.exp_regex("tokctl_mcp_[0-9A-Za-z]{36}").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    assert!(tokctl::api::secret::parse(&secret).is_ok());

    let t = s.get("/v1/tokens/pty-token", &owner).await;
    assert_eq!(t.body["type"], "mcp", "{}", t.text);
    assert_eq!(t.body["scopes"], serde_json::json!(["work:read"]));
    let expires =
        chrono::DateTime::parse_from_rfc3339(t.body["expires_at"].as_str().unwrap()).unwrap();
    assert!(expires > chrono::Utc::now() + chrono::Duration::days(89));

    // A name given, nothing else: only the scopes are asked, the secret on the terminal with
    // the notice.
    let mut p = spawn(&u, &["mint", "named"]);
    wait_for(&mut p, "Scopes");
    key(&mut p, ENTER);
    p.exp_string("shown once").unwrap();
    p.exp_regex("tokctl_pat_[0-9A-Za-z]{36}").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}

#[tokio::test]
async fn revoke_asks_on_a_terminal_unless_yes() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);
    s.mint(&owner, serde_json::json!({"name": "keep-me"})).await;

    let mut p = spawn(&u, &["revoke", "keep-me"]);
    wait_for(&mut p, "[y/N]");
    key(&mut p, "n");
    p.exp_string("Nothing revoked").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 1);
    assert_eq!(
        s.get("/v1/tokens/keep-me", &owner).await.body["status"],
        "active"
    );

    let mut p = spawn(&u, &["revoke", "keep-me"]);
    wait_for(&mut p, "[y/N]");
    key(&mut p, "y");
    p.exp_string("Revoked pat").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);

    s.mint(&owner, serde_json::json!({"name": "no-question"}))
        .await;
    let mut p = spawn(&u, &["revoke", "no-question", "--yes"]);
    p.exp_string("Revoked pat").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}

#[tokio::test]
async fn no_input_and_ci_never_prompt_even_on_a_terminal() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);
    let mut p = spawn(&u, &["--no-input", "mint"]);
    p.exp_string("missing NAME").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 2);

    let mut cmd = u.command();
    cmd.args(["mint"]).env("CI", "true").env("NO_COLOR", "1");
    let mut p = spawn_command(cmd, Some(30_000)).unwrap();
    p.exp_string("missing NAME").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 2);
}

#[tokio::test]
async fn login_prompts_for_email_and_a_hidden_password() {
    let s = TestServer::start();
    let u = User::new(&s.url);
    let profile = profile("pty");
    let keyring = keyring_available("login_prompts_for_email_and_a_hidden_password (keyring part)");
    let mut cmd = u.command();
    cmd.args(["--profile", &profile, "login"])
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    if !keyring {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    }
    let mut p = spawn_command(cmd, Some(30_000)).unwrap();
    wait_for(&mut p, "Email");
    p.send_line(OWNER_EMAIL).unwrap();
    wait_for(&mut p, "Password");
    p.send_line(OWNER_PASSWORD).unwrap();
    let rest = p.exp_eof().unwrap();
    // The password is never echoed.
    assert!(!rest.contains(OWNER_PASSWORD), "{rest}");
    if keyring {
        assert!(rest.contains("Logged in"), "{rest}");
        assert_eq!(exit_code(&p), 0);
        assert!(keyring_lookup(&profile).is_some());
        assert_eq!(u.run(&["--profile", &profile, "logout"]).code, 0);
    } else {
        assert!(
            rest.contains("no usable OS keyring") && rest.contains("TOKCTL_TOKEN"),
            "{rest}"
        );
        assert_eq!(exit_code(&p), 3);
    }
}
