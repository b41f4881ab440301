//! The README's "For scripts and CI" examples, run as written with bash against a real server
//! (a stand-in `gh` on PATH stores what it is given).

mod common;

use std::path::Path;
use std::process::Command;

use common::TestServer;

/// The ```sh blocks of the README section "For scripts and CI", in order.
fn readme_blocks() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("## For scripts and CI")
        .expect("README section");
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
            "README block failed:\n{block}\n--- stdout\n{}--- stderr\n{}",
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
