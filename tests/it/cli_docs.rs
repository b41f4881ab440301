//! The committed completion scripts (`completions/`) and man pages (`man/`) must be what the
//! current clap definitions generate. Regenerate with:
//!
//!     TOKCTL_REGENERATE=1 cargo test --test it cli_docs::

use std::path::Path;

const REGENERATE: &str = "TOKCTL_REGENERATE=1 cargo test --test it cli_docs::";

fn check(dir: &str, files: Vec<(String, Vec<u8>)>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let regenerate = std::env::var_os("TOKCTL_REGENERATE").is_some();
    if regenerate {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut stale = Vec::new();
    for (name, want) in &files {
        let path = dir.join(name);
        if regenerate {
            std::fs::write(&path, want).unwrap();
        } else if std::fs::read(&path).ok().as_ref() != Some(want) {
            stale.push(name.clone());
        }
    }
    // Files left over from commands that no longer exist.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !files.iter().any(|(n, _)| n == &name) {
                stale.push(format!("{name} (no longer generated)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{} is stale: {}\nregenerate with: {REGENERATE}",
        dir.display(),
        stale.join(", ")
    );
}

#[test]
fn completions_are_fresh() {
    check("completions", tokctl::cli::docs::completion_files());
}

#[test]
fn man_pages_are_fresh() {
    check("man", tokctl::cli::docs::man_files().unwrap());
}

#[test]
fn man_page_documents_every_exit_code_and_environment_variable() {
    let files = tokctl::cli::docs::man_files().unwrap();
    let root = String::from_utf8(
        files
            .iter()
            .find(|(n, _)| n == "tokctl.1")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    assert!(root.contains(".SH ENVIRONMENT") && root.contains("EXIT STATUS"));
    for var in [
        "TOKCTL_SERVER",
        "TOKCTL_TOKEN",
        "TOKCTL_PROFILE",
        "CI",
        "NO_COLOR",
    ] {
        assert!(root.contains(var), "{var}");
    }
    for code in 0..=9 {
        assert!(
            root.contains(&format!(".TP\n\\fB{code}\\fR")),
            "exit code {code}"
        );
    }
    // A page for every subcommand.
    for page in [
        "tokctl-mint.1",
        "tokctl-rotate.1",
        "tokctl-users-add.1",
        "tokctl-org-policy.1",
    ] {
        assert!(files.iter().any(|(n, _)| n == page), "{page}");
    }
}

#[test]
fn completions_command_prints_the_committed_script() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tokctl"))
        .args(["completions", "bash", "--static"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let committed =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/tokctl.bash"))
            .unwrap();
    assert_eq!(out.stdout, committed, "regenerate with: {REGENERATE}");
}

#[test]
fn every_man_page_has_examples_exit_status_environment_and_files() {
    for (name, page) in tokctl::cli::docs::man_files().unwrap() {
        let page = String::from_utf8(page).unwrap();
        for section in [
            ".SH EXAMPLES",
            ".SH \"EXIT STATUS\"",
            ".SH ENVIRONMENT",
            ".SH FILES",
        ] {
            assert!(page.contains(section), "{name} has no {section}");
        }
        for var in [
            "TOKCTL_TIMEOUT",
            "TOKCTL_PAGER",
            "CLICOLOR_FORCE",
            "config.json",
            "keyring",
        ] {
            assert!(page.contains(var), "{name} does not mention {var}");
        }
        // No section of --help text dumped in as EXTRA.
        assert!(!page.contains(".SH EXTRA"), "{name}");
    }
}
