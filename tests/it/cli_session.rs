//! Login sessions in the OS keyring, against a real Secret Service (run under
//! `.ci/with-keyring`; without one the keyring tests say they were skipped), and what happens
//! when there is no keyring at all.

use crate::common;

use common::cli::{User, keyring_available, keyring_lookup, profile};
use common::{OWNER_EMAIL, OWNER_PASSWORD, TestServer, files_containing};

#[tokio::test]
async fn login_keeps_the_session_in_the_keyring_and_nowhere_else() {
    if !keyring_available("login_keeps_the_session_in_the_keyring_and_nowhere_else") {
        return;
    }
    let s = TestServer::start();
    let u = User::new(&s.url);
    let p = profile("login");
    let pw = format!("{OWNER_PASSWORD}\r\n");
    let out = u.run_stdin(
        &[
            "--profile",
            &p,
            "login",
            "--email",
            OWNER_EMAIL,
            "--password-stdin",
        ],
        &pw,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(out.stderr.contains("Logged in"), "{out:?}");

    // The session is in the Secret Service under service=tokctl, username=PROFILE.
    let session = keyring_lookup(&p).expect("session in the keyring");
    assert!(session.starts_with("tokctl_ses_"));
    assert_eq!(s.get("/v1/me", &session).await.status, 200);

    // The config file has the server and email, not the secret.
    let config = std::fs::read_to_string(u.dir("config").join("tokctl/config.json")).unwrap();
    assert!(
        config.contains(&s.url.trim_end_matches('/').to_string()) && config.contains(OWNER_EMAIL)
    );

    // Commands use it without TOKCTL_TOKEN.
    let who = u.run(&["--profile", &p, "whoami", "--json"]);
    assert_eq!(who.code, 0, "{who:?}");
    assert_eq!(who.json()["credential"]["type"], "ses");
    let human = u.run(&["--profile", &p, "whoami"]);
    assert!(
        human.stdout.contains("session") && human.stdout.contains("owner"),
        "{human:?}"
    );

    let minted = u.run(&["--profile", &p, "mint", "from-session"]);
    assert_eq!(minted.code, 0, "{minted:?}");
    let minted = minted.stdout.trim().to_string();
    let rotated = u.run(&["--profile", &p, "rotate", "from-session"]);
    assert_eq!(rotated.code, 0, "{rotated:?}");
    let rotated = rotated.stdout.trim().to_string();

    // No file under HOME, config, data, cache or TMPDIR holds any of the secrets.
    for secret in [&session, &minted, &rotated] {
        let hits = files_containing(u.path(), secret);
        assert!(hits.is_empty(), "secret found in {hits:?}");
    }
    // Nor the server's log.
    for secret in [&session, &minted, &rotated] {
        assert!(!s.log_text().contains(secret.as_str()));
    }

    // A session for one server is never sent to another.
    let elsewhere = u.run(&["--profile", &p, "--server", "http://127.0.0.1:9", "whoami"]);
    assert_eq!(elsewhere.code, 3, "{elsewhere:?}");

    // Logout revokes it on the server and removes it from the keyring.
    let out = u.run(&["--profile", &p, "logout"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(keyring_lookup(&p).is_none());
    assert_eq!(s.get("/v1/me", &session).await.status, 401);
    let out = u.run(&["--profile", &p, "whoami"]);
    assert_eq!(out.code, 3, "{out:?}");
    // Logging out twice is fine.
    assert_eq!(u.run(&["--profile", &p, "logout"]).code, 0);
}

#[tokio::test]
async fn login_with_token_profiles_and_logout_when_the_server_is_gone() {
    if !keyring_available("login_with_token_profiles_and_logout_when_the_server_is_gone") {
        return;
    }
    let mut s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, pat) = s
        .mint(
            &owner,
            serde_json::json!({"name": "laptop", "scopes": ["tokens:read", "tokens:write"]}),
        )
        .await;
    let u = User::new(&s.url);
    let a = profile("with-token-a");
    let b = profile("with-token-b");

    // A malformed token on stdin: exit 3, nothing stored.
    let out = u.run_stdin(
        &["--profile", &a, "login", "--with-token"],
        "tokctl_pat_nonsense\n",
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(keyring_lookup(&a).is_none());

    let out = u.run_stdin(
        &["--profile", &a, "login", "--with-token"],
        &format!("{pat}\n"),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(keyring_lookup(&a).as_deref(), Some(pat.as_str()));
    let pw = format!("{OWNER_PASSWORD}\n");
    let out = u.run_stdin(
        &[
            "--profile",
            &b,
            "login",
            "--email",
            OWNER_EMAIL,
            "--password-stdin",
        ],
        &pw,
    );
    assert_eq!(out.code, 0, "{out:?}");

    // Two profiles, two credentials.
    let wa = u.run(&["--profile", &a, "whoami", "--json"]).json();
    let wb = u.run(&["--profile", &b, "whoami", "--json"]).json();
    assert_eq!(wa["credential"]["name"], "laptop");
    assert_eq!(wb["credential"]["type"], "ses");

    // A wrong password: exit 3, and the keyring keeps what it had.
    let out = u.run_stdin(
        &[
            "--profile",
            &b,
            "login",
            "--email",
            OWNER_EMAIL,
            "--password-stdin",
        ],
        "wrong-password-0\n",
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(keyring_lookup(&b).is_some());

    // The server goes away: logout still removes the session here, says so, exits 8.
    s.kill();
    let out = u.run(&["--profile", &b, "logout"]);
    assert_eq!(out.code, 8, "{out:?}");
    assert!(out.stderr.contains("removed from this machine"), "{out:?}");
    assert!(keyring_lookup(&b).is_none());
    // A token given with --with-token is only forgotten: no server needed.
    let out = u.run(&["--profile", &a, "logout"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("stays valid"), "{out:?}");
    assert!(keyring_lookup(&a).is_none());
}

#[tokio::test]
async fn a_session_about_to_expire_warns_to_log_in_again() {
    if !keyring_available("a_session_about_to_expire_warns_to_log_in_again") {
        return;
    }
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let admin = User::with_token(&s.url, &owner);
    let out = admin.run(&["org", "policy", "--set", "session_ttl=3d"]);
    assert_eq!(out.code, 0, "{out:?}");
    let u = User::new(&s.url);
    let p = profile("expiring");
    let pw = format!("{OWNER_PASSWORD}\n");
    assert_eq!(
        u.run_stdin(
            &[
                "--profile",
                &p,
                "login",
                "--email",
                OWNER_EMAIL,
                "--password-stdin"
            ],
            &pw
        )
        .code,
        0
    );
    let out = u.run(&["--profile", &p, "list"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr.matches("warning:").count(), 1, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "run `tokctl --profile {p} login` to start a new session"
        )),
        "{out:?}"
    );
    let out = u.run(&["--profile", &p, "--quiet", "list"]);
    assert!(!out.stderr.contains("warning"), "{out:?}");
    let who = u.run(&["--profile", &p, "whoami"]);
    assert!(who.stdout.contains("in 3 days"), "{who:?}");
    assert_eq!(u.run(&["--profile", &p, "logout"]).code, 0);
}

#[tokio::test]
async fn without_a_keyring_login_fails_plainly_and_points_to_tokctl_token() {
    let s = TestServer::start();
    let u = User::new(&s.url);
    let no_bus = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")];
    let pw = format!("{OWNER_PASSWORD}\n");
    let out = u.run_with(
        &["login", "--email", OWNER_EMAIL, "--password-stdin"],
        Some(&pw),
        &no_bus,
    );
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("keyring"), "{out:?}");
    assert!(out.stderr.contains("TOKCTL_TOKEN"), "{out:?}");
    // Nothing was written: no config, no file with a secret, and no session made on the server.
    assert!(!u.dir("config").join("tokctl/config.json").exists());
    let sessions = s
        .get("/v1/tokens?type=ses&owner=*", &s.owner_session().await)
        .await;
    assert_eq!(
        sessions.body["items"].as_array().map(|a| a.len()),
        Some(1),
        "{}",
        sessions.text
    );

    // With a profile but no keyring, commands say the same.
    let config = u.dir("config").join("tokctl");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.json"),
        format!(
            r#"{{"profiles": {{"default": {{"server": "{}"}}}}}}"#,
            s.url.trim_end_matches('/')
        ),
    )
    .unwrap();
    let out = u.run_with(&["whoami"], None, &no_bus);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("TOKCTL_TOKEN"), "{out:?}");
    // And TOKCTL_TOKEN works without any keyring.
    let owner = s.owner_session().await;
    let out = u.run_with(
        &["whoami"],
        None,
        &[no_bus[0], ("TOKCTL_TOKEN", owner.as_str())],
    );
    assert_eq!(out.code, 0, "{out:?}");
}
