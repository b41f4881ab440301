//! `tokctl scan` (issue 28 item 4): the real binary on temporary directories and throwaway git
//! repositories. Finds checksum-valid secrets only, honours .gitignore, skips binaries, reads
//! stdin when named and git history with `--git`, prints the secret masked and never whole,
//! exits 0 or 9; `--report` sends what it found to the server, which revokes it.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::TestServer;
use common::cli::{Out, User};
use serde_json::json;
use tokctl::api::secret::{self, TokenType};

/// A user with no server to talk to: scanning needs none.
fn offline() -> User {
    User::new("http://127.0.0.1:9")
}

fn fresh_secret(kind: TokenType) -> String {
    secret::generate(kind).expose().to_string()
}

fn write(dir: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// `tokctl scan ARGS` run inside `dir`, with `input` on stdin when given.
fn scan_in(u: &User, dir: &Path, args: &[&str], input: Option<&str>) -> Out {
    let mut c = u.command();
    c.current_dir(dir).arg("scan").args(args);
    c.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn tokctl");
    if let Some(input) = input {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The secret never appears whole in anything tokctl printed, nor its random part.
fn assert_never_printed(out: &Out, secret: &str) {
    for part in [secret, &secret[11..], &secret[15..]] {
        assert!(
            !out.stdout.contains(part) && !out.stderr.contains(part),
            "the secret was printed: {out:?}"
        );
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git is installed");
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn finds_a_secret_in_a_file_masked_with_its_place() {
    let u = offline();
    let dir = tempfile::tempdir().unwrap();
    let s = fresh_secret(TokenType::Pat);
    write(
        dir.path(),
        "deploy/config.env",
        format!("# ci\nTOKEN={s}\n"),
    );
    write(dir.path(), "README.md", "nothing here\n");

    let out = scan_in(&u, dir.path(), &[], None);
    assert_eq!(out.code, 9, "{out:?}");
    assert_eq!(
        out.stdout,
        format!("deploy/config.env:2:7 pat {}…\n", &s[..14]),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("found 1 tokctl secret in 2 files"),
        "{out:?}"
    );
    assert_never_printed(&out, &s);

    // Named explicitly, a file or a directory: the same finding.
    let named = scan_in(&u, dir.path(), &["deploy/config.env", "README.md"], None);
    assert_eq!(named.code, 9, "{named:?}");
    assert!(
        named
            .stdout
            .starts_with("deploy/config.env:2:7 pat tokctl_pat_")
    );
    let quiet = scan_in(&u, dir.path(), &["-q", "deploy"], None);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (9, ""), "{quiet:?}");
}

#[test]
fn look_alikes_with_a_bad_checksum_are_not_reported() {
    let u = offline();
    let dir = tempfile::tempdir().unwrap();
    let s = fresh_secret(TokenType::Mcp);
    let last = s.chars().last().unwrap();
    let changed_last = format!(
        "{}{}",
        &s[..s.len() - 1],
        if last == 'a' { 'b' } else { 'a' }
    );
    let mut changed_middle = s.clone().into_bytes();
    changed_middle[25] = if changed_middle[25] == b'Q' {
        b'R'
    } else {
        b'Q'
    };
    let look_alikes = [
        changed_last,
        String::from_utf8(changed_middle).unwrap(),
        s.to_uppercase(),
        s[..s.len() - 1].to_string(),
        s.replace("tokctl_mcp_", "tokctl_xyz_"),
        format!("tokctl_pat_{}", "A".repeat(36)),
    ];
    write(dir.path(), "notes.txt", look_alikes.join("\n"));
    let out = scan_in(&u, dir.path(), &[], None);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("no tokctl secrets in 1 file,"),
        "{out:?}"
    );
}

#[test]
fn gitignored_files_are_skipped_unless_named_or_no_ignore() {
    let u = offline();
    let dir = tempfile::tempdir().unwrap();
    let s = fresh_secret(TokenType::Pat);
    // Not a git repository: .gitignore is honoured all the same.
    write(dir.path(), ".gitignore", "secrets.txt\nbuild/\n");
    write(dir.path(), "secrets.txt", &s);
    write(dir.path(), "build/out.log", &s);
    write(dir.path(), "sub/.gitignore", "*.local\n");
    write(dir.path(), "sub/app.local", &s);
    let out = scan_in(&u, dir.path(), &[], None);
    assert_eq!(out.code, 0, "{out:?}");

    let named = scan_in(&u, dir.path(), &["secrets.txt"], None);
    assert_eq!(
        named.code, 9,
        "a named file is read, ignored or not: {named:?}"
    );

    let all = scan_in(&u, dir.path(), &["--no-ignore"], None);
    assert_eq!(all.code, 9, "{all:?}");
    let mut paths: Vec<&str> = all
        .stdout
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, ["build/out.log", "secrets.txt", "sub/app.local"]);
    assert_never_printed(&all, &s);
}

#[test]
fn hidden_files_are_read_and_the_git_directory_is_not() {
    let u = offline();
    let dir = tempfile::tempdir().unwrap();
    let s = fresh_secret(TokenType::Ses);
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), ".env", format!("TOKCTL_TOKEN={s}\n"));
    // A secret in git's own files is history's business (`--git`), not the checkout's.
    write(dir.path(), ".git/description", &s);
    let out = scan_in(&u, dir.path(), &["--json"], None);
    assert_eq!(out.code, 9, "{out:?}");
    let doc = out.json();
    assert_eq!(doc.as_array().unwrap().len(), 1, "{out:?}");
    assert_eq!(doc[0]["path"], ".env");
}

#[test]
fn a_file_name_cannot_hide_its_finding_and_links_are_not_followed() {
    let u = offline();
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let s = fresh_secret(TokenType::Pat);
    // A name that would clear the line on a terminal.
    write(dir.path(), "a\x1b[2K\rb.txt", &s);
    let out = scan_in(&u, dir.path(), &[], None);
    assert_eq!(out.code, 9, "{out:?}");
    assert!(
        !out.stdout.contains('\x1b') && !out.stdout.contains('\r'),
        "{out:?}"
    );
    assert!(
        out.stdout.starts_with("a\\u{1b}[2K\\u{d}b.txt:1:1 pat "),
        "{out:?}"
    );

    // A link out of the tree is not followed: what it points at is not this tree's content.
    let other = fresh_secret(TokenType::Mcp);
    write(outside.path(), "elsewhere.txt", &other);
    let linked = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), linked.path().join("dir-link")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("elsewhere.txt"),
        linked.path().join("file-link"),
    )
    .unwrap();
    let out = scan_in(&u, linked.path(), &[], None);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn binary_files_are_skipped() {
    let u = offline();
    let dir = tempfile::tempdir().unwrap();
    let s = fresh_secret(TokenType::Pat);
    let mut bin = b"\x7fELF\x00\x01".to_vec();
    bin.extend_from_slice(s.as_bytes());
    write(dir.path(), "tool.bin", bin);
    write(dir.path(), "ok.txt", "fine\n");
    let out = scan_in(&u, dir.path(), &[], None);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("1 binary skipped"), "{out:?}");
}

#[test]
fn json_lists_every_finding_masked() {
    let u = offline();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (fresh_secret(TokenType::Pat), fresh_secret(TokenType::Mcp));
    let id = "tk_0123456789abcdefghij";
    write(
        dir.path(),
        "mint.json",
        format!("{{\"token\":{{\"id\":\"{id}\"}},\"secret\":\"{a}\"}}\n  {b}\n"),
    );
    let out = scan_in(&u, dir.path(), &["--json"], None);
    assert_eq!(out.code, 9, "{out:?}");
    assert_eq!(
        out.json(),
        json!([
            {"path": "mint.json", "line": 1, "column": 53, "type": "pat",
             "masked": format!("{}…", &a[..14]), "id": id, "commit": null},
            {"path": "mint.json", "line": 2, "column": 3, "type": "mcp",
             "masked": format!("{}…", &b[..14]), "id": null, "commit": null},
        ])
    );
    assert_never_printed(&out, &a);
    assert_never_printed(&out, &b);
    // Nothing found: an empty array, exit 0.
    let clean = tempfile::tempdir().unwrap();
    let none = scan_in(&u, clean.path(), &["--json"], None);
    assert_eq!((none.code, none.json()), (0, json!([])), "{none:?}");
}

#[test]
fn sarif_has_the_shape_code_scanning_reads() {
    let u = offline();
    let dir = tempfile::tempdir().unwrap();
    let s = fresh_secret(TokenType::Pat);
    write(dir.path(), "src/my app.rs", format!("let t = \"{s}\";\n"));
    let out = scan_in(&u, dir.path(), &["--sarif"], None);
    assert_eq!(out.code, 9, "{out:?}");
    assert_never_printed(&out, &s);
    let doc = out.json();
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "tokctl scan");
    let rule = &run["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "tokctl/leaked-secret");
    assert!(rule["shortDescription"]["text"].is_string());
    assert!(rule["help"]["text"].is_string());
    assert_eq!(rule["properties"]["security-severity"], "9.0");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r["ruleId"], rule["id"]);
    assert_eq!(r["level"], "error");
    assert!(r["message"]["text"].as_str().unwrap().contains(&s[..14]));
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "src/my%20app.rs");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 1);
    assert_eq!(loc["region"]["startColumn"], 10);
    assert_eq!(loc["region"]["endColumn"], 10 + s.len());
    assert!(r["partialFingerprints"]["tokctlSecret/v1"].is_string());

    let clean = tempfile::tempdir().unwrap();
    let none = scan_in(&u, clean.path(), &["--sarif"], None);
    assert_eq!(none.code, 0, "{none:?}");
    assert_eq!(none.json()["runs"][0]["results"], json!([]));
}

#[test]
fn stdin_is_read_when_named_and_only_then() {
    let u = offline();
    let dir = tempfile::tempdir().unwrap();
    let s = fresh_secret(TokenType::Pat);
    let log = format!("step 1\nexport TOKCTL_TOKEN={s}\n");
    let out = scan_in(&u, dir.path(), &["-"], Some(&log));
    assert_eq!(out.code, 9, "{out:?}");
    assert!(out.stdout.starts_with("<stdin>:2:21 pat "), "{out:?}");
    assert_never_printed(&out, &s);
    // No PATH: the current directory (empty), not stdin.
    let out = scan_in(&u, dir.path(), &[], Some(&log));
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn bad_arguments_are_usage_errors() {
    let u = offline();
    let dir = tempfile::tempdir().unwrap();
    let out = scan_in(&u, dir.path(), &["no-such-dir"], None);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("no-such-dir: no such file"), "{out:?}");
    let out = scan_in(&u, dir.path(), &["--sarif", "--json"], None);
    assert_eq!(out.code, 2, "{out:?}");
    let out = scan_in(&u, dir.path(), &["--git"], None);
    assert_eq!(out.code, 2, "not a repository: {out:?}");
    assert!(out.stderr.contains("--git"), "{out:?}");
}

#[test]
fn git_history_finds_a_secret_committed_then_deleted() {
    let u = offline();
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let s = fresh_secret(TokenType::Pat);
    git(repo, &["init", "-q"]);
    write(repo, "README.md", "hello\n");
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "first"]);
    write(
        repo,
        "ci/deploy.sh",
        format!("#!/bin/sh\n\nexport TOKCTL_TOKEN={s}\n"),
    );
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "add deploy"]);
    let leaked_in = git(repo, &["rev-parse", "HEAD"]);
    // Moved to the next line, then deleted: the history still holds it, the checkout does not.
    write(
        repo,
        "ci/deploy.sh",
        format!("#!/bin/sh\n\n\nexport TOKCTL_TOKEN={s}\n"),
    );
    git(repo, &["commit", "-qam", "touch"]);
    std::fs::remove_file(repo.join("ci/deploy.sh")).unwrap();
    git(repo, &["commit", "-qam", "remove the secret"]);

    let files = scan_in(&u, repo, &[], None);
    assert_eq!(files.code, 0, "{files:?}");

    let out = scan_in(&u, repo, &["--git"], None);
    assert_eq!(out.code, 9, "{out:?}");
    assert_eq!(
        out.stdout,
        format!("{}:ci/deploy.sh:3:21 pat {}…\n", &leaked_in[..12], &s[..14]),
        "shown once, at the commit that added it: {out:?}"
    );
    assert!(out.stderr.contains("in 4 commits"), "{out:?}");
    assert_never_printed(&out, &s);

    let json = scan_in(&u, dir.path(), &["--git", "--json", "."], None).json();
    assert_eq!(json[0]["commit"], leaked_in.as_str());
    assert_eq!(json[0]["path"], "ci/deploy.sh");
    let sarif = scan_in(&u, repo, &["--git", "--sarif"], None).json();
    assert_eq!(
        sarif["runs"][0]["results"][0]["properties"]["commit"],
        leaked_in.as_str()
    );
}

#[test]
fn report_without_a_server_changes_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let s = fresh_secret(TokenType::Pat);
    write(dir.path(), "a.txt", &s);
    // No server configured anywhere: refused before reading a file.
    let mut u = offline();
    u.server = String::new();
    let mut c = u.command();
    c.env_remove("TOKCTL_SERVER")
        .current_dir(dir.path())
        .args(["scan", "--report"])
        .stdin(Stdio::null());
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--report"));
    // A server that does not answer: the findings are printed, then exit 8.
    let out = scan_in(&offline(), dir.path(), &["--report"], None);
    assert_eq!(out.code, 8, "{out:?}");
    assert!(out.stdout.starts_with("a.txt:1:1 pat "), "{out:?}");
    assert_never_printed(&out, &s);
}

#[test]
fn the_pre_commit_hooks_run_scan_on_the_files_they_are_given() {
    let hooks = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let entries: Vec<&str> = hooks
        .lines()
        .filter_map(|l| l.trim().strip_prefix("entry: "))
        .collect();
    assert_eq!(entries.len(), 2, "{hooks}");
    let dir = tempfile::tempdir().unwrap();
    let s = fresh_secret(TokenType::Pat);
    write(dir.path(), "staged.py", format!("TOKEN = '{s}'\n"));
    write(dir.path(), "clean.py", "x = 1\n");
    let u = offline();
    for entry in entries {
        // pre-commit runs the entry with the staged files appended.
        let mut words = entry.split_whitespace();
        assert_eq!(words.next(), Some("tokctl"), "{entry}");
        let args: Vec<&str> = words.skip(1).collect();
        let run = |files: &[&str]| {
            let all: Vec<&str> = args.iter().copied().chain(files.iter().copied()).collect();
            scan_in(&u, dir.path(), &all, None)
        };
        let found = run(&["clean.py", "staged.py"]);
        assert_eq!(found.code, 9, "{entry}: {found:?}");
        assert_never_printed(&found, &s);
        assert_eq!(run(&["clean.py"]).code, 0, "{entry}");
    }
}

/// The end-to-end test: a minted secret committed into a throwaway repository is found
/// by `tokctl scan --git --report`, revoked by the server, `verify` says `revoked`, the owner's
/// `whoami` warns, and the audit names where it was found.
#[tokio::test]
async fn a_committed_secret_is_found_reported_and_revoked() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, leaked) = s
        .mint(&owner, json!({"name": "leaky", "scopes": ["work:read"]}))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    write(repo, "deploy.env", format!("TOKCTL_TOKEN={leaked}\n"));
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "oops"]);
    let commit = git(repo, &["rev-parse", "HEAD"]);

    // No login: the scanner reports with no credential at all.
    let u = User::new(&s.url);
    let out = scan_in(&u, repo, &["--git", "--report"], None);
    assert_eq!(out.code, 9, "{out:?}");
    assert!(out.stderr.contains("reported 1 secret"), "{out:?}");
    assert_never_printed(&out, &leaked);

    let v = s.post("/v1/verify", &owner, json!({"token": leaked})).await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(v.body["allowed"], false);
    assert_eq!(v.body["reason"], "revoked");

    let whoami = User::with_token(&s.url, &owner).run(&["whoami"]);
    assert_eq!(whoami.code, 0, "{whoami:?}");
    assert!(whoami.stderr.contains("leaky"), "{whoami:?}");

    let url = format!("{commit}:deploy.env:1:14");
    let audit = s.get("/v1/audit?action=token.leaked", &owner).await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    let event = &audit.body["items"][0];
    assert_eq!(event["target"], id.as_str(), "{}", audit.text);
    assert!(event["detail"].to_string().contains(&url), "{}", audit.text);
    assert!(!audit.text.contains(&leaked));
}
