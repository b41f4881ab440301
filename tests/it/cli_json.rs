//! Machine output of the real `tokctl` binary against the real server: one shape per field
//! (the OpenAPI is the reference), errors as JSON under `--json`, a reader closing the pipe
//! early, conflicting output flags, and `--jq`.

use crate::common;

use std::process::Stdio;

use common::TestServer;
use common::cli::{Out, User};

async fn setup() -> (TestServer, User) {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);
    (s, u)
}

/// The one JSON error document on stderr, stdout empty.
fn json_error(out: &Out) -> serde_json::Value {
    assert!(out.stdout.is_empty(), "{out:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON document on stderr: {out:?}");
    let doc: serde_json::Value = serde_json::from_str(lines[0])
        .unwrap_or_else(|e| panic!("stderr is not JSON ({e}): {out:?}"));
    // DESIGN.md: {"error": {"code", "message", "exit_code"}} (and `help`, null or a string).
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["error"], "{doc}");
    assert!(doc["error"]["code"].is_string(), "{doc}");
    assert!(doc["error"]["message"].is_string(), "{doc}");
    assert_eq!(doc["error"]["exit_code"], out.code, "{doc}");
    doc
}

/// `tokctl ARGS` writing into a pipe whose reader has already gone, as `| head -1` leaves it
/// once head has its line: deterministic, every write fails with EPIPE.
fn run_into_closed_pipe(u: &User, args: &[&str]) -> Out {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = u
        .command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run tokctl");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `bash -c SCRIPT` with the user's environment.
fn shell(u: &User, script: &str) -> Out {
    let tokctl = u.command();
    let mut c = std::process::Command::new("bash");
    c.args(["-c", script]).env_clear();
    for (k, v) in tokctl.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    c.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    let out = c.stdin(Stdio::null()).output().expect("run bash");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test]
async fn a_reader_closing_the_pipe_early_ends_tokctl_quietly_with_exit_0() {
    let (_s, u) = setup().await;
    for i in 0..5 {
        assert_eq!(u.run(&["mint", &format!("piped-{i}")]).code, 0);
    }
    for args in [
        &["list", "--json"][..],
        &["list", "--jq", ".[].id"],
        &["list"],
        &["list", "--output", "tsv"],
        &["show", "piped-1", "--json"],
        &["whoami", "--json"],
    ] {
        let out = run_into_closed_pipe(&u, args);
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
        assert!(out.stderr.is_empty(), "{args:?}: {out:?}");
    }

    // The same through a real shell pipeline: tokctl's status, as `set -o pipefail` sees it.
    let bin = common::tokctl_bin();
    let script = format!("'{bin}' list --json | head -1; echo \"status=${{PIPESTATUS[0]}}\"");
    let out = shell(&u, &script);
    assert!(out.stdout.starts_with("[\n"), "{out:?}");
    assert!(out.stdout.contains("status=0"), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
}

#[tokio::test]
async fn usage_errors_under_json_are_json_on_stderr() {
    let (_s, u) = setup().await;
    let cases: [&[&str]; 5] = [
        &["list", "--bogus", "--json"],
        &["--json", "list", "--status", "sleeping"],
        &["--jq", ".", "revoke"],
        &["--json"],
        &["--json", "mint", "x", "--expires", "soon"],
    ];
    for args in cases {
        let out = u.run(args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        let doc = json_error(&out);
        assert_eq!(doc["error"]["code"], "usage", "{args:?}: {doc}");
        let message = doc["error"]["message"].as_str().unwrap();
        assert!(!message.starts_with("error:"), "{message}");
    }
    let out = u.run(&["list", "--bogus", "--json"]);
    let doc = json_error(&out);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--bogus"),
        "{doc}"
    );
    assert!(
        doc["error"]["help"]
            .as_str()
            .unwrap()
            .contains("tokctl list"),
        "{doc}"
    );

    // Without --json: clap's own text, as before.
    let out = u.run(&["list", "--bogus"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.starts_with("error:"), "{out:?}");
    // `--json --help` is still help, exit 0.
    let out = u.run(&["--json", "list", "--help"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Usage"), "{out:?}");

    // An error found after parsing has the same shape, without a second exit_code at the top.
    let out = u.run(&["show", "no-such-token", "--json"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert_eq!(json_error(&out)["error"]["code"], "not_found");
}

#[tokio::test]
async fn conflicting_output_flags_are_a_usage_error() {
    let (_s, u) = setup().await;
    assert_eq!(u.run(&["mint", "one"]).code, 0);
    for args in [
        &["list", "--json", "--output", "tsv"][..],
        &["list", "--output", "table", "--json"],
        &["list", "--jq", ".[].id", "--output", "tsv"],
    ] {
        let out = u.run(args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        let doc = json_error(&out);
        let message = doc["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("--output") && message.contains("--json"),
            "{message}"
        );
    }
    // Flags that agree are fine, and each alone still works.
    let out = u.run(&["list", "--json", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()[0]["name"], "one");
    let out = u.run(&["list", "--output", "tsv"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("\tone\t"), "{out:?}");
}

#[tokio::test]
async fn jq_filters_the_json_of_every_command() {
    let (s, u) = setup().await;
    assert_eq!(u.run(&["mint", "first"]).code, 0);
    let listed = u.run(&["list", "--json"]).json();
    let first_id = listed[0]["id"].as_str().unwrap().to_string();

    // A string prints raw, one line: usable in $(…).
    let out = u.run(&["list", "--jq", ".[0].id"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("{first_id}\n"));
    // Several results, one a line; non-strings as compact JSON in a pipe.
    let out = u.run(&["list", "--jq", ".[] | {name, type}"]);
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), listed.as_array().unwrap().len(), "{out:?}");
    assert!(
        lines
            .iter()
            .any(|l| l["name"] == "first" && l["type"] == "pat")
    );
    // --jq=EXPR, on show, whoami and mint (whose secret it can pick out alone).
    let out = u.run(&["show", "first", "--jq=.status"]);
    assert_eq!(out.stdout, "active\n", "{out:?}");
    let out = u.run(&["whoami", "--jq", ".server"]);
    assert_eq!(
        out.stdout.trim_end(),
        s.url.trim_end_matches('/'),
        "{out:?}"
    );
    let out = u.run(&["mint", "picked", "--jq", ".secret"]);
    assert_eq!(out.code, 0, "{out:?}");
    let secret = out.stdout.trim_end();
    assert!(tokctl::api::secret::parse(secret).is_ok(), "{out:?}");
    let bot = User::with_token(&s.url, secret).run(&["whoami", "--jq", ".credential.name"]);
    assert_eq!(bot.stdout, "picked\n", "{bot:?}");

    // A bad expression: exit 2 naming --jq, before any request (nothing minted).
    let out = u.run(&["mint", "never-made", "--jq", ".token | .["]);
    assert_eq!(out.code, 2, "{out:?}");
    let doc = json_error(&out);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("--jq"),
        "{doc}"
    );
    assert_eq!(u.run(&["show", "never-made"]).code, 5);
    let out = u.run(&["list", "--jq", "no_such_function"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("no_such_function"), "{out:?}");

    // An expression that fails on the answer: exit 1, and never the document (a secret) in
    // the message. (`--scope`, so that no full-role note shares stderr with the error.)
    let out = u.run(&["mint", "lost", "--scope", "work:read", "--jq", ".secret.x"]);
    assert_eq!(out.code, 1, "{out:?}");
    let doc = json_error(&out);
    assert_eq!(doc["error"]["code"], "jq_failed", "{doc}");
    assert!(!out.stderr.contains("tokctl_pat_"), "{out:?}");
}

#[tokio::test]
async fn already_revoked_is_a_boolean_in_the_cli_the_api_and_the_openapi() {
    let (s, u) = setup().await;
    let owner = s.owner_session().await;
    for name in ["r1", "r2"] {
        assert_eq!(u.run(&["mint", name]).code, 0);
    }

    // The reference.
    let spec = s.get("/openapi.json", &owner).await;
    let schema = &spec.body["components"]["schemas"]["RevokeResult"];
    assert_eq!(
        schema["properties"]["already_revoked"]["type"], "boolean",
        "{schema}"
    );
    let check = |doc: &serde_json::Value| {
        for (field, spec) in schema["properties"].as_object().unwrap() {
            let kind = spec["type"].as_str().unwrap_or("array");
            let ok = match kind {
                "boolean" => doc[field].is_boolean(),
                "integer" => doc[field].is_u64(),
                "array" => doc[field].is_array(),
                other => panic!("unexpected type {other}"),
            };
            assert!(ok, "{field} is not {kind}: {doc}");
        }
    };

    // Several tokens, newly revoked.
    let out = u.run(&["revoke", "r1", "r2", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    check(&doc);
    assert_eq!(doc["count"], 2, "{doc}");
    assert_eq!(doc["already_revoked"], false, "{doc}");
    assert_eq!(doc["failed"], serde_json::json!([]), "{doc}");

    // Again: nothing changed because they were revoked already.
    let out = u.run(&["revoke", "r1", "r2", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    check(&doc);
    assert_eq!(doc["count"], 0, "{doc}");
    assert_eq!(doc["already_revoked"], true, "{doc}");

    // One token, the same shape as the API's own answer.
    let out = u.run(&["revoke", "r1", "--json"]);
    let doc = out.json();
    check(&doc);
    assert_eq!(doc["already_revoked"], true, "{doc}");
    let id = doc["revoked"][0]["id"].as_str().unwrap();
    let api = s
        .post(
            &format!("/v1/tokens/{id}/revoke"),
            &owner,
            serde_json::json!({}),
        )
        .await;
    check(&api.body);
    assert_eq!(api.body["already_revoked"], true);

    // Offboarding answers with the same document.
    s.add_person(&owner, "leaver@example.com", "member").await;
    let out = u.run(&["revoke", "--user", "leaver@example.com", "--all", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    check(&out.json());
}
