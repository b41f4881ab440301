//! What a login leaves behind, against the real server and a real Secret Service (run under
//! `.ci/with-keyring`; without one the keyring tests say they were skipped): a new login
//! revokes the session it replaces and names itself `cli@<hostname>`; logging out of a
//! `login --with-token` forgets the token (and revokes it only with `--revoke`); and
//! `TOKCTL_TOKEN` says so when it overrides the keyring.

use crate::common;

use common::cli::{Out, User, keyring_available, keyring_lookup, profile};
use common::{OWNER_EMAIL, OWNER_PASSWORD, TestServer};

fn login(u: &User, p: &str, extra: &[&str]) -> Out {
    let mut args = vec![
        "--profile",
        p,
        "login",
        "--email",
        OWNER_EMAIL,
        "--password-stdin",
    ];
    args.extend_from_slice(extra);
    u.run_stdin(&args, &format!("{OWNER_PASSWORD}\n"))
}

fn sessions(u: &User, p: &str) -> Vec<serde_json::Value> {
    let out = u.run(&["--profile", p, "list", "--type", "ses", "--all", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.json().as_array().cloned().unwrap_or_default()
}

fn session_by_id<'a>(all: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    all.iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no session {id} in {all:?}"))
}

#[tokio::test]
async fn a_new_login_revokes_the_previous_session_and_names_it_after_the_host() {
    if !keyring_available("a_new_login_revokes_the_previous_session_and_names_it_after_the_host") {
        return;
    }
    let s = TestServer::start();
    let u = User::new(&s.url);
    let p = profile("relogin");

    let out = login(&u, &p, &[]);
    assert_eq!(out.code, 0, "{out:?}");
    let first = keyring_lookup(&p).expect("first session in the keyring");
    let first_id = u.run(&["--profile", &p, "whoami", "--json"]).json()["credential"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let out = login(&u, &p, &["--session-name", "second-login"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("previous session is revoked"),
        "{out:?}"
    );
    let second = keyring_lookup(&p).expect("second session in the keyring");
    assert_ne!(first, second);
    // The first session is dead on the server, the second one works.
    assert_eq!(s.get("/v1/me", &first).await.status, 401);
    assert_eq!(s.get("/v1/me", &second).await.status, 200);

    let all = sessions(&u, &p);
    let old = session_by_id(&all, &first_id);
    assert_eq!(old["status"], "revoked", "{old}");
    assert!(
        old["name"].as_str().unwrap().starts_with("cli@"),
        "the default name is cli@<hostname>: {old}"
    );
    let current = u.run(&["--profile", &p, "whoami", "--json"]).json();
    assert_eq!(current["credential"]["name"], "second-login");
    assert_eq!(
        session_by_id(&all, current["credential"]["id"].as_str().unwrap())["status"],
        "active"
    );

    // A bad name is a usage error before any request: the keyring keeps what it had and no
    // session is made or revoked.
    for bad in ["bad name", "tk_lookalike", "@host", ""] {
        let out = login(&u, &p, &["--session-name", bad]);
        assert_eq!(out.code, 2, "{bad:?}: {out:?}");
        assert!(
            out.stderr.contains("session-name") || out.stderr.contains("session name"),
            "{out:?}"
        );
        assert_eq!(keyring_lookup(&p).as_deref(), Some(second.as_str()));
    }
    assert_eq!(s.get("/v1/me", &second).await.status, 200);
    assert_eq!(sessions(&u, &p).len(), all.len());

    // The previous session already revoked elsewhere: the next login says nothing alarming.
    assert_eq!(
        s.call("DELETE", "/v1/sessions/current", Some(&second), None)
            .await
            .status,
        200
    );
    let out = login(&u, &p, &["--session-name", "third"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        !out.stderr.contains("warning") && !out.stderr.contains("note:"),
        "{out:?}"
    );
    assert!(
        !out.stderr.contains("previous session is revoked"),
        "{out:?}"
    );

    // A token given with --with-token is replaced in the keyring but never revoked: it is not
    // this machine's session.
    let owner = s.owner_session().await;
    let (_, pat) = s
        .mint(
            &owner,
            serde_json::json!({"name": "given", "scopes": ["tokens:read"]}),
        )
        .await;
    let third = keyring_lookup(&p).unwrap();
    let out = u.run_stdin(
        &["--profile", &p, "login", "--with-token"],
        &format!("{pat}\n"),
    );
    assert_eq!(out.code, 0, "{out:?}");
    // … but the session it replaced is.
    assert_eq!(s.get("/v1/me", &third).await.status, 401);
    let out = login(&u, &p, &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        s.get("/v1/me", &pat).await.status,
        200,
        "the PAT must live on"
    );
    assert_eq!(u.run(&["--profile", &p, "logout"]).code, 0);
}

#[tokio::test]
async fn the_server_takes_an_optional_session_name_and_checks_it() {
    let s = TestServer::start();
    let login = |name: Option<&str>| {
        let mut body = serde_json::json!({"email": OWNER_EMAIL, "password": OWNER_PASSWORD});
        if let Some(n) = name {
            body["name"] = n.into();
        }
        body
    };
    let r = s
        .call("POST", "/v1/sessions", None, Some(login(None)))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["token"]["name"], "session");
    let r = s
        .call(
            "POST",
            "/v1/sessions",
            None,
            Some(login(Some("cli@build-7.example.com"))),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["token"]["name"], "cli@build-7.example.com");
    for bad in ["", "has space", "tk_x", "-dash", &"a".repeat(65)] {
        let r = s
            .call("POST", "/v1/sessions", None, Some(login(Some(bad))))
            .await;
        assert_eq!(r.status, 422, "{bad:?}: {}", r.text);
        assert!(r.text.contains("name"), "{}", r.text);
    }
    // The OpenAPI document says so.
    let doc = s.call("GET", "/openapi.json", None, None).await.body;
    let schema = &doc["components"]["schemas"]["LoginRequest"];
    assert!(
        schema["properties"]["name"]["pattern"].is_string(),
        "{schema}"
    );
    assert!(
        !schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "name"),
        "{schema}"
    );
}

#[tokio::test]
async fn logout_after_login_with_token_forgets_the_token_and_says_how_to_revoke_it() {
    if !keyring_available(
        "logout_after_login_with_token_forgets_the_token_and_says_how_to_revoke_it",
    ) {
        return;
    }
    let mut s = TestServer::start();
    let owner = s.owner_session().await;
    let (pat_id, pat) = s
        .mint(
            &owner,
            serde_json::json!({"name": "laptop", "scopes": ["tokens:read"]}),
        )
        .await;
    let u = User::new(&s.url);
    let p = profile("token-logout");
    let with_token = |u: &User| {
        u.run_stdin(
            &["--profile", &p, "login", "--with-token"],
            &format!("{pat}\n"),
        )
    };

    assert_eq!(with_token(&u).code, 0);
    let config = std::fs::read_to_string(u.dir("config").join("tokctl/config.json")).unwrap();
    assert!(config.contains(r#""credential": "token""#), "{config}");

    let out = u.run(&["--profile", &p, "logout"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(keyring_lookup(&p).is_none());
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(out.stderr.contains("stays valid"), "{out:?}");
    assert!(
        out.stderr.contains(&format!("tokctl revoke {pat_id}")),
        "{out:?}"
    );
    assert!(out.stderr.contains("logout --revoke"), "{out:?}");
    assert_eq!(
        s.get("/v1/me", &pat).await.status,
        200,
        "the token lives on"
    );

    // --json says what happened, on stdout.
    assert_eq!(with_token(&u).code, 0);
    let out = u.run(&["--profile", &p, "--json", "logout"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["revoked"], false);
    assert_eq!(out.json()["token"]["id"], pat_id.as_str());
    assert!(keyring_lookup(&p).is_none());

    // --revoke revokes it on the server too.
    assert_eq!(with_token(&u).code, 0);
    let out = u.run(&["--profile", &p, "logout", "--revoke"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("revoked"), "{out:?}");
    assert!(keyring_lookup(&p).is_none());
    assert_eq!(s.get("/v1/me", &pat).await.status, 401);
    assert_eq!(u.run(&["--profile", &p, "logout", "--revoke"]).code, 0);

    // A password session is still revoked by a plain logout (and --revoke changes nothing).
    assert_eq!(login(&u, &p, &[]).code, 0);
    let session = keyring_lookup(&p).unwrap();
    let out = u.run(&["--profile", &p, "logout", "--revoke"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(s.get("/v1/me", &session).await.status, 401);

    // --revoke with the server gone: nothing changes, the token stays in the keyring to retry.
    let (_, pat2) = s
        .mint(
            &owner,
            serde_json::json!({"name": "laptop2", "scopes": ["tokens:read"]}),
        )
        .await;
    let out = u.run_stdin(
        &["--profile", &p, "login", "--with-token"],
        &format!("{pat2}\n"),
    );
    assert_eq!(out.code, 0, "{out:?}");
    s.kill();
    let out = u.run(&["--profile", &p, "logout", "--revoke"]);
    assert_eq!(out.code, 8, "{out:?}");
    assert!(out.stderr.contains("still in the keyring"), "{out:?}");
    assert_eq!(keyring_lookup(&p).as_deref(), Some(pat2.as_str()));
    // A plain logout forgets it without the server.
    let out = u.run(&["--profile", &p, "logout"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("stays valid"), "{out:?}");
    assert!(keyring_lookup(&p).is_none());
}

#[tokio::test]
async fn tokctl_token_over_a_keyring_session_says_which_one_is_used() {
    if !keyring_available("tokctl_token_over_a_keyring_session_says_which_one_is_used") {
        return;
    }
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, pat) = s
        .mint(
            &owner,
            serde_json::json!({"name": "ci", "scopes": ["tokens:read", "tokens:write"]}),
        )
        .await;
    let u = User::new(&s.url);
    let p = profile("env-over-keyring");
    assert_eq!(login(&u, &p, &[]).code, 0);
    let env = [("TOKCTL_TOKEN", pat.as_str())];

    let out = u.run_env(&["--profile", &p, "whoami"], &env);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stderr.matches("using TOKCTL_TOKEN").count(),
        1,
        "{out:?}"
    );
    assert!(out.stderr.contains(&format!("profile `{p}`")), "{out:?}");
    assert!(
        out.stdout.contains("`ci`"),
        "the env token is the one used: {out:?}"
    );

    // In a script, stdout stays just the secret.
    let out = u.run_env(
        &["--profile", &p, "mint", "from-ci", "--scope", "tokens:read"],
        &env,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
    assert!(out.stdout.starts_with("tokctl_pat_"), "{out:?}");
    assert!(out.stderr.contains("using TOKCTL_TOKEN"), "{out:?}");

    // --quiet silences it.
    let out = u.run_env(&["--profile", &p, "--quiet", "whoami", "--json"], &env);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");

    // No keyring credential for the profile, or the same secret: nothing to say.
    let other = profile("env-no-session");
    let out = u.run_env(&["--profile", &other, "whoami"], &env);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("using TOKCTL_TOKEN"), "{out:?}");
    let same = u.run_stdin(
        &["--profile", &other, "login", "--with-token"],
        &format!("{pat}\n"),
    );
    assert_eq!(same.code, 0, "{same:?}");
    let out = u.run_env(&["--profile", &other, "whoami"], &env);
    assert!(!out.stderr.contains("using TOKCTL_TOKEN"), "{out:?}");

    // Without TOKCTL_TOKEN the keyring session is used, silently.
    let out = u.run(&["--profile", &p, "whoami", "--json"]);
    assert_eq!(out.json()["credential"]["type"], "ses");
    assert!(!out.stderr.contains("TOKCTL_TOKEN"), "{out:?}");

    assert_eq!(u.run(&["--profile", &p, "logout"]).code, 0);
    assert_eq!(u.run(&["--profile", &other, "logout"]).code, 0);
}

#[tokio::test]
async fn without_a_keyring_tokctl_token_gets_no_notice_and_no_error() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::new(&s.url);
    let config = u.dir("config").join("tokctl");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.json"),
        format!(
            r#"{{"profiles": {{"default": {{"server": "{}", "credential": "session"}}}}}}"#,
            s.url.trim_end_matches('/')
        ),
    )
    .unwrap();
    let out = u.run_env(
        &["whoami"],
        &[
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
            ("TOKCTL_TOKEN", owner.as_str()),
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
}
