//! Dynamic completion, asked the way the shells ask: bash through the very script
//! `tokctl completions bash` prints (COMP_WORDS, COMP_CWORD, the function it registers), zsh
//! with the environment its script passes (`_CLAP_COMPLETE_INDEX=$CURRENT-1`, `_CLAP_IFS`),
//! against the real server.

use crate::common;

use std::net::TcpListener;
use std::process::Stdio;

use common::TestServer;
use common::cli::{Out, User};

/// What bash would offer for `words` (the last one is being completed): the registration
/// script sourced, its function called with COMP_WORDS/COMP_CWORD set as bash sets them.
fn bash_complete(user: &User, words: &[&str]) -> (Vec<String>, Out) {
    let script = user.run(&["completions", "bash"]);
    assert_eq!(script.code, 0, "{script:?}");
    assert!(script.stdout.contains("COMPLETE=\"bash\""), "{script:?}");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let driver = format!(
        "{script}\nCOMP_WORDS=({words})\nCOMP_CWORD={cword}\nCOMP_TYPE=9\nCOMP_LINE='{line}'\n\
         _clap_complete_tokctl tokctl '{cur}' '{prev}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script = script.stdout,
        words = quoted.join(" "),
        line = words.join(" "),
        cur = words[cword],
    );
    let mut c = user.command();
    c.env_remove("COMPLETE");
    let mut bash = std::process::Command::new("bash");
    bash.arg("-c").arg(driver);
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => bash.env(k, v),
            None => bash.env_remove(k),
        };
    }
    let out = bash.stdin(Stdio::null()).output().expect("bash");
    let out = Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let candidates = out
        .stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    (candidates, out)
}

/// What zsh's script asks: `COMPLETE=zsh tokctl -- WORDS…` with the index of the current
/// word; each candidate is `value:help`.
fn zsh_complete(user: &User, words: &[&str]) -> (Vec<String>, Out) {
    let index = (words.len() - 1).to_string();
    let mut args = vec!["--"];
    args.extend_from_slice(words);
    let out = user.run_env(
        &args,
        &[
            ("COMPLETE", "zsh"),
            ("_CLAP_COMPLETE_INDEX", &index),
            ("_CLAP_IFS", "\n"),
        ],
    );
    let values = out
        .stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(zsh_value)
        .collect();
    (values, out)
}

/// The value of one zsh candidate line `value:help`, `\:` and `\\` unescaped.
fn zsh_value(line: &str) -> String {
    let mut value = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.extend(chars.next()),
            ':' => break,
            c => value.push(c),
        }
    }
    value
}

#[tokio::test]
async fn token_and_member_names_come_from_the_server() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    s.mint(&owner, serde_json::json!({"name": "ci-deploy"}))
        .await;
    s.mint(
        &owner,
        serde_json::json!({"name": "agent-notes", "type": "mcp"}),
    )
    .await;
    let bob = s.add_person(&owner, "bob@example.com", "member").await;
    s.mint(&bob, serde_json::json!({"name": "bobs-own"})).await;
    let user = User::with_token(&s.url, &owner);

    for cmd in ["show", "rotate", "usage", "revoke"] {
        let (got, out) = bash_complete(&user, &["tokctl", cmd, ""]);
        assert!(got.contains(&"ci-deploy".to_string()), "{cmd}: {out:?}");
        assert!(got.contains(&"agent-notes".to_string()), "{cmd}: {out:?}");
        // The caller's tokens only.
        assert!(!got.contains(&"bobs-own".to_string()), "{cmd}: {out:?}");
    }
    // Filtered by what was typed.
    let (got, out) = bash_complete(&user, &["tokctl", "show", "ci"]);
    assert_eq!(got, vec!["ci-deploy".to_string()], "{out:?}");
    let (got, out) = zsh_complete(&user, &["tokctl", "revoke", "agent-notes", "c"]);
    assert_eq!(got, vec!["ci-deploy".to_string()], "{out:?}");
    assert_eq!(out.code, 0);

    // Members for users set-role / remove; roles in the role position.
    for cmd in ["set-role", "remove"] {
        let (got, out) = bash_complete(&user, &["tokctl", "users", cmd, "b"]);
        assert_eq!(got, vec!["bob@example.com".to_string()], "{cmd}: {out:?}");
    }
    let (got, out) = zsh_complete(
        &user,
        &["tokctl", "users", "set-role", "bob@example.com", ""],
    );
    for role in ["viewer", "member", "admin", "owner"] {
        assert!(got.contains(&role.to_string()), "{out:?}");
    }
    assert!(!got.contains(&"bob@example.com".to_string()), "{out:?}");
}

#[test]
fn scopes_types_statuses_and_profiles_complete_offline() {
    // No server at all: everything here is known without one.
    let user = User::new("http://127.0.0.1:9");
    let (got, out) = bash_complete(&user, &["tokctl", "mint", "x", "--scope", "work:"]);
    for s in ["work:read", "work:write", "work:*"] {
        assert!(got.contains(&s.to_string()), "{out:?}");
    }
    assert!(!got.contains(&"workspace:read".to_string()), "{out:?}");
    let (got, out) = zsh_complete(
        &user,
        &["tokctl", "mint", "x", "--scope", "work:read,audit"],
    );
    assert_eq!(
        got,
        ["work:read,audit:read", "work:read,audit:*"],
        "{out:?}"
    );
    let (got, out) = bash_complete(&user, &["tokctl", "list", "--type", ""]);
    assert_eq!(got, ["pat", "mcp", "ses"], "{out:?}");
    let (got, out) = bash_complete(&user, &["tokctl", "list", "--status", ""]);
    assert_eq!(got, ["active", "expired", "revoked", "all"], "{out:?}");
    let (got, out) = bash_complete(&user, &["tokctl", "users", "add", "x", "--role", "ad"]);
    assert_eq!(got, ["admin"], "{out:?}");

    let config = user.dir("config").join("tokctl");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.json"),
        r#"{"profiles": {"default": {"server": "http://a"}, "work": {"server": "http://b"}, "staging": {"server": "http://c"}}}"#,
    )
    .unwrap();
    let (got, out) = bash_complete(&user, &["tokctl", "--profile", ""]);
    assert_eq!(got, ["default", "staging", "work"], "{out:?}");
    let (got, out) = zsh_complete(&user, &["tokctl", "list", "--profile", "w"]);
    assert_eq!(got, ["work"], "{out:?}");
}

/// Only flags (which clap offers next to an empty positional): no token or member name.
fn no_values(candidates: &[String]) -> bool {
    candidates.iter().all(|c| c.starts_with('-'))
}

#[test]
fn a_dead_or_silent_server_yields_nothing_quietly() {
    let secret = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat);
    let secret = secret.expose();
    // Nothing listening.
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        format!("http://127.0.0.1:{port}")
    };
    // Accepts connections and never answers: only the 1 s budget ends the wait.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    for url in [dead.as_str(), silent_url.as_str()] {
        let user = User::with_token(url, secret);
        for words in [
            &["tokctl", "show", ""][..],
            &["tokctl", "users", "remove", ""][..],
        ] {
            let (got, out) = zsh_complete(&user, words);
            assert_eq!(out.code, 0, "{url} {words:?}: {out:?}");
            assert!(no_values(&got), "{url} {words:?}: {out:?}");
            assert!(out.stderr.is_empty(), "{url} {words:?}: {out:?}");
            let (got, out) = bash_complete(&user, words);
            assert!(no_values(&got), "{url} {words:?}: {out:?}");
            assert!(out.stderr.is_empty(), "{url} {words:?}: {out:?}");
        }
    }
    // Not logged in at all: no prompt (stdin is closed anyway), nothing printed.
    let user = User::new(&dead);
    let (got, out) = zsh_complete(&user, &["tokctl", "show", ""]);
    assert!(
        no_values(&got) && out.code == 0 && out.stderr.is_empty(),
        "{out:?}"
    );
}

#[test]
fn completion_runs_before_the_secret_argument_check_and_sends_nothing() {
    // A secret typed on the line being completed: completion answers (exit 0, nothing on
    // stderr) but never contacts the server with it; an ordinary run refuses it (exit 2).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let user = User::new(&url);
    let secret = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat);
    let secret = secret.expose();
    let (_, out) = zsh_complete(&user, &["tokctl", "--server", secret, "show", ""]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    assert!(!out.stdout.contains(secret), "{out:?}");
    assert!(
        listener.accept().is_err(),
        "completion connected to the server"
    );
    let run = user.run(&["--server", secret, "show", "x"]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn the_static_scripts_are_still_printed() {
    let user = User::new("http://127.0.0.1:9");
    let out = user.run(&["completions", "bash", "--static"]);
    assert_eq!(out.code, 0);
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/tokctl.bash"),
    )
    .unwrap();
    assert!(
        out.stdout == committed,
        "completions/ is stale: TOKCTL_REGENERATE=1 cargo test --test it cli_docs::"
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = user.run(&["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {out:?}");
        assert!(out.stdout.contains("COMPLETE"), "{shell}: {out:?}");
    }
}
