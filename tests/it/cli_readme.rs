//! The examples of docs/scripts-and-ci.md, run as written with bash against a real server (a
//! stand-in `gh` on PATH stores what it is given), and the README's first session.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::TestServer;

/// The ```sh blocks of docs/scripts-and-ci.md ("For scripts and CI"), in order.
fn readme_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scripts-and-ci.md"),
    )
    .unwrap();
    let start = readme
        .find("# For scripts and CI")
        .expect("docs/scripts-and-ci.md section");
    let section = &readme[start..];
    let end = section[3..]
        .find("\n## ")
        .map(|i| i + 3)
        .unwrap_or(section.len());
    let mut blocks = Vec::new();
    let mut rest = &section[..end];
    while let Some(i) = rest.find("```sh\n") {
        let body = &rest[i + 6..];
        let j = body.find("```").expect("closed block");
        blocks.push(body[..j].to_string());
        rest = &body[j + 3..];
    }
    blocks
}

#[tokio::test]
async fn readme_script_examples_work_as_written() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    // A 30-day token: the README's job rotates it with `--expires 30d`, and a token rotating
    // itself keeps at most its lifetime (DESIGN.md, no escalation).
    let (_, ci_token) = s
        .mint(
            &owner,
            serde_json::json!({"name": "ci-bot", "expires": "30d"}),
        )
        .await;
    s.mint(
        &owner,
        serde_json::json!({"name": "short-lived", "expires": "2d"}),
    )
    .await;
    let bob = s.add_person(&owner, "bob@example.com", "member").await;
    let (_, bob_token) = s.mint(&bob, serde_json::json!({"name": "bobs"})).await;

    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let gh_store = work.path().join("gh-secret");
    let gh = bin.join("gh");
    std::fs::write(&gh, "#!/bin/sh\ncat > \"$GH_STORE\"\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let tokctl_dir = Path::new(common::tokctl_bin()).parent().unwrap();
    let path = format!(
        "{}:{}:{}",
        bin.display(),
        tokctl_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let blocks = readme_blocks();
    assert!(blocks.len() >= 5, "{blocks:?}");
    let mut ci_secret = ci_token.clone();
    for block in &blocks {
        let out = Command::new("bash")
            .args(["-euo", "pipefail", "-c", block])
            .current_dir(work.path())
            .env("PATH", &path)
            .env("HOME", work.path())
            .env("XDG_CONFIG_HOME", work.path().join("config"))
            .env("TOKCTL_SERVER", &s.url)
            .env("TOKCTL_TOKEN", &owner)
            .env("CI_TOKEN", &ci_secret)
            .env("LEAVER", "bob@example.com")
            .env("GH_STORE", &gh_store)
            .env_remove("TOKCTL_PROFILE")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "docs/scripts-and-ci.md block failed:\n{block}\n--- stdout\n{}--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if let Ok(stored) = std::fs::read_to_string(&gh_store) {
            let stored = stored.trim().to_string();
            if stored != ci_secret {
                // A rotation happened: the previous secret is dead, the stored one works.
                assert_eq!(s.get("/v1/me", &ci_secret).await.status, 401);
                assert_eq!(s.get("/v1/me", &stored).await.status, 200);
                ci_secret = stored;
            }
        }
    }
    assert_ne!(
        ci_secret, ci_token,
        "the rotate examples delivered a new secret"
    );
    let expiring: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.path().join("expiring.json")).unwrap()).unwrap();
    assert!(
        expiring
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "short-lived"),
        "{expiring}"
    );
    let offboarding: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.path().join("offboarding.json")).unwrap())
            .unwrap();
    assert!(offboarding["count"].as_u64().unwrap() >= 2, "{offboarding}");
    assert_eq!(s.get("/v1/me", &bob_token).await.status, 401);
    assert_eq!(s.get("/v1/me", &ci_secret).await.status, 200);
}

/// The README's first session (section "Try it", the ```console block): each `$ tokctl …` line
/// run on a terminal against a real `tokctl server --dev`, its output compared with the lines
/// under it. Ids, secrets, digits (dates, "in 7 days") and the port may differ; the words,
/// columns and order may not.
#[test]
fn readme_first_session_is_the_real_output() {
    use std::io::BufRead;

    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("## Try it")
        .expect("README section `## Try it`");
    let section = &readme[start..];
    // The first screen says where the binary is.
    assert!(
        section.contains("target/release/tokctl"),
        "README: where the binary is"
    );
    let block_start = section.find("```console\n").expect("a ```console block") + 11;
    let block = &section[block_start..];
    let block = &block[..block.find("```").expect("closed block")];

    // A real dev server, as the README starts it (on a free port).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let work = tempfile::tempdir().unwrap();
    /// Stops the dev server however the test ends (a failed assert too).
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Command::new(common::tokctl_bin())
        .args(["server", "--dev", "--listen", &format!("127.0.0.1:{port}")])
        .env("HOME", work.path())
        .env("XDG_DATA_HOME", work.path().join("data"))
        .env("TMPDIR", work.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let _server = Stop(server);
    let mut exports = Vec::new();
    let mut lines = std::io::BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(kv) = line.strip_prefix("export ") {
            let (k, v) = kv.split_once('=').unwrap();
            exports.push((k.to_string(), v.to_string()));
            if exports.len() == 2 {
                break;
            }
        }
    }
    // Keep reading what the server prints: a closed pipe would end it.
    std::thread::spawn(move || lines.for_each(drop));
    let server_url = exports
        .iter()
        .find(|(k, _)| k == "TOKCTL_SERVER")
        .unwrap()
        .1
        .clone();

    let mut commands: Vec<(String, Vec<String>)> = Vec::new();
    for line in block.lines() {
        if let Some(cmd) = line.strip_prefix("$ ") {
            commands.push((cmd.to_string(), Vec::new()));
        } else if let Some((_, out)) = commands.last_mut() {
            out.push(line.to_string());
        }
    }
    assert!(commands.len() >= 4, "{block}");
    let mut seen = Vec::new();
    for (cmd, want) in &commands {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        assert_eq!(words[0], "tokctl", "{cmd}");
        seen.push(words[1].to_string());
        let mut c = Command::new(common::tokctl_bin());
        c.args(&words[1..])
            .env("HOME", work.path())
            .env("XDG_CONFIG_HOME", work.path().join("config"))
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .env("COLUMNS", "100")
            .env_remove("CI")
            .env_remove("TOKCTL_PROFILE");
        for (k, v) in &exports {
            c.env(k, v);
        }
        let mut p = rexpect::session::spawn_command(c, Some(30_000)).expect("spawn on a pty");
        let got = p.exp_eof().unwrap().replace("\r\n", "\n");
        let got: Vec<String> = got
            .lines()
            .map(|l| normalize(&l.replace(&server_url, "http://127.0.0.1:8700")))
            .collect();
        let want: Vec<String> = want.iter().map(|l| normalize(l)).collect();
        assert_eq!(
            got,
            want,
            "README output of `{cmd}` differs from the real one (digits, ids and secrets \
             normalized); real output:\n{}",
            got.join("\n")
        );
    }
    for needed in ["mint", "list", "revoke", "whoami"] {
        assert!(
            seen.iter().any(|s| s == needed),
            "the session runs `tokctl {needed}`"
        );
    }
}

/// What may differ between two runs: ids and secrets (their random part), digits; trailing
/// spaces are dropped.
fn normalize(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line.trim_end();
    while !rest.is_empty() {
        let prefix = ["tk_", "tokctl_pat_", "tokctl_mcp_", "tokctl_ses_"]
            .into_iter()
            .find(|p| rest.starts_with(p));
        if let Some(p) = prefix {
            out.push_str(p);
            rest = &rest[p.len()..];
            let n = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            out.push_str(&"x".repeat(n));
            rest = &rest[n..];
            continue;
        }
        let c = rest.chars().next().unwrap();
        out.push(if c.is_ascii_digit() { '0' } else { c });
        rest = &rest[c.len_utf8()..];
    }
    out
}
