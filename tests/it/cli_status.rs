//! `tokctl status` against the real server and a real Secret Service (run under
//! `.ci/with-keyring`; without one the keyring tests say they were skipped): every profile,
//! who it is, when its credential expires, what the keyring holds, whether its server answers;
//! exit 3 when the active profile is not logged in.

use crate::common;

use common::cli::{User, keyring_available, profile};
use common::{OWNER_EMAIL, OWNER_PASSWORD, TestServer};
use serde_json::Value;

fn entry<'a>(all: &'a Value, profile: &str, source: &str) -> &'a Value {
    all.as_array()
        .expect("an array")
        .iter()
        .find(|e| e["profile"] == profile && e["source"] == source)
        .unwrap_or_else(|| panic!("no {source} entry for {profile} in {all:#}"))
}

/// Adds a profile to the user's config by hand (one that was never logged in here).
fn add_profile(u: &User, name: &str, server: &str) {
    let path = u.dir("config").join("tokctl/config.json");
    let mut config: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| serde_json::json!({"profiles": {}}));
    config["profiles"][name] = serde_json::json!({"server": server});
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string(&config).unwrap()).unwrap();
}

#[tokio::test]
async fn status_reports_every_profile_and_exits_3_when_the_active_one_is_not_logged_in() {
    if !keyring_available(
        "status_reports_every_profile_and_exits_3_when_the_active_one_is_not_logged_in",
    ) {
        return;
    }
    let mut s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, pat) = s
        .mint(
            &owner,
            serde_json::json!({"name": "laptop", "scopes": ["tokens:read"]}),
        )
        .await;
    let u = User::new(&s.url);
    let [a, b, dead, gone] = ["a", "b", "dead", "gone"].map(|n| profile(&format!("status-{n}")));
    let pw = format!("{OWNER_PASSWORD}\n");
    let login = |p: &str| {
        u.run_stdin(
            &[
                "--profile",
                p,
                "login",
                "--email",
                OWNER_EMAIL,
                "--password-stdin",
            ],
            &pw,
        )
    };
    assert_eq!(login(&a).code, 0);
    let out = u.run_stdin(
        &["--profile", &b, "login", "--with-token"],
        &format!("{pat}\n"),
    );
    assert_eq!(out.code, 0, "{out:?}");
    // A profile whose session was revoked on the server behind our back.
    assert_eq!(login(&gone).code, 0);
    let gone_secret = common::cli::keyring_lookup(&gone).unwrap();
    let r = s
        .call("DELETE", "/v1/sessions/current", Some(&gone_secret), None)
        .await;
    assert_eq!(r.status, 200);
    // A profile on a server that is not there (port 9: nothing listens), never logged in.
    add_profile(&u, &dead, "http://127.0.0.1:9");

    let out = u.run(&["--profile", &a, "status", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let all = out.json();
    assert_eq!(all.as_array().unwrap().len(), 4, "{all:#}");

    let ea = entry(&all, &a, "keyring");
    assert_eq!(ea["active"], true);
    assert_eq!(ea["in_use"], true);
    assert_eq!(ea["logged_in"], true);
    assert_eq!(ea["reachable"], true);
    assert_eq!(ea["keyring"], "present");
    assert_eq!(ea["login"], "session");
    assert_eq!(ea["user"]["email"], OWNER_EMAIL);
    assert_eq!(ea["credential"]["type"], "ses");
    assert!(ea["credential"]["expires_at"].is_string(), "{ea}");
    assert_eq!(ea["server"], s.url.trim_end_matches('/'));

    let eb = entry(&all, &b, "keyring");
    assert_eq!(eb["active"], false);
    assert_eq!(eb["logged_in"], true);
    assert_eq!(eb["login"], "token");
    assert_eq!(eb["credential"]["name"], "laptop");

    let eg = entry(&all, &gone, "keyring");
    assert_eq!(eg["logged_in"], false);
    assert_eq!(eg["reachable"], true);
    assert_eq!(eg["keyring"], "present");
    assert!(eg["error"]["message"].is_string(), "{eg}");

    let ed = entry(&all, &dead, "keyring");
    assert_eq!(ed["logged_in"], false);
    assert_eq!(ed["reachable"], false);
    assert_eq!(ed["keyring"], "missing");

    // The secrets are nowhere in the report.
    for secret in [&pat, &gone_secret] {
        assert!(!out.stdout.contains(secret.as_str()));
    }

    // For people: the active profile is marked, the dead server is named.
    let out = u.run(&["--profile", &a, "status"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(&format!("profile `{a}` — in use")),
        "{out:?}"
    );
    assert!(out.stdout.contains(OWNER_EMAIL), "{out:?}");
    assert!(out.stdout.contains("does not answer"), "{out:?}");
    assert!(out.stdout.contains("session present"), "{out:?}");

    // The active profile not logged in (no session, a revoked one, or none at all): exit 3,
    // the others still reported.
    for p in [dead.as_str(), gone.as_str(), "nobody-here"] {
        let out = u.run(&["--profile", p, "status", "--json"]);
        assert_eq!(out.code, 3, "{p}: {out:?}");
        assert!(out.json().as_array().unwrap().len() >= 4, "{out:?}");
    }

    // TOKCTL_TOKEN is what commands use: it comes first, and a logged-out active profile no
    // longer matters.
    let env = [("TOKCTL_TOKEN", pat.as_str())];
    let out = u.run_env(&["--profile", &gone, "status", "--json"], &env);
    assert_eq!(out.code, 0, "{out:?}");
    let all = out.json();
    assert_eq!(all[0]["source"], "env");
    assert_eq!(all[0]["in_use"], true);
    assert_eq!(all[0]["credential"]["name"], "laptop");
    assert_eq!(entry(&all, &gone, "keyring")["in_use"], false);
    let out = u.run_env(&["--profile", &gone, "status"], &env);
    assert!(out.stdout.contains("TOKCTL_TOKEN (environment"), "{out:?}");
    assert!(out.stdout.contains("overridden by TOKCTL_TOKEN"), "{out:?}");
    // A malformed one is refused like any command would: exit 3.
    let out = u.run_env(
        &["--profile", &a, "status", "--json"],
        &[("TOKCTL_TOKEN", "tokctl_pat_nonsense")],
    );
    assert_eq!(out.code, 3, "{out:?}");

    // The active profile's server gone: exit 8 (cannot tell), still a full report.
    s.kill();
    let out = u.run(&["--profile", &a, "status", "--json"]);
    assert_eq!(out.code, 8, "{out:?}");
    assert_eq!(entry(&out.json(), &a, "keyring")["reachable"], false);

    for p in [&a, &b, &gone] {
        u.run(&["--profile", p, "logout"]);
    }
}

#[tokio::test]
async fn status_without_a_keyring_says_so_and_exits_3() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::new(&s.url);
    add_profile(&u, "default", s.url.trim_end_matches('/'));
    let no_bus = ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let out = u.run_env(&["status", "--json"], &[no_bus]);
    assert_eq!(out.code, 3, "{out:?}");
    let e = entry(&out.json(), "default", "keyring").clone();
    assert_eq!(e["keyring"], "unavailable");
    assert_eq!(e["reachable"], true);
    let out = u.run_env(&["status"], &[no_bus]);
    assert!(out.stdout.contains("keyring unavailable"), "{out:?}");
    // CI: no keyring, TOKCTL_TOKEN set: fine.
    let out = u.run_env(
        &["status", "--json"],
        &[no_bus, ("TOKCTL_TOKEN", owner.as_str())],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()[0]["user"]["email"], OWNER_EMAIL);
    // No config at all and no token: exit 3 with a pointer to login.
    let fresh = User::new(&s.url);
    let out = fresh.run_env(&["status"], &[no_bus]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.contains("tokctl login"), "{out:?}");
}
