//! `tokctl api PATH` (issue 23, item 13): any API call with the profile's credential, like
//! `gh api` — the real binary against the real server.

use crate::common;

use std::net::TcpListener;

use common::TestServer;
use common::cli::User;
use serde_json::json;

async fn setup() -> (TestServer, String, User) {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let u = User::with_token(&s.url, &owner);
    (s, owner, u)
}

#[tokio::test]
async fn get_prints_the_answer_as_json() {
    let (s, _owner, u) = setup().await;
    for path in ["/v1/me", "v1/me"] {
        let out = u.run(&["api", path]);
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(out.json()["user"]["email"], "owner@example.com");
    }
    // An absolute URL under the server itself is the same call.
    let out = u.run(&["api", &format!("{}/v1/me", s.url)]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.json()["org"]["name"].is_string());
    // The session secret is never printed.
    assert!(!out.stdout.contains("tokctl_") && !out.stderr.contains("tokctl_"));
}

#[tokio::test]
async fn fields_make_a_json_body_and_post_by_default() {
    let (s, owner, u) = setup().await;
    let out = u.run(&[
        "api",
        "/v1/tokens",
        "-f",
        "name=via-api",
        "-f",
        "description=42",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["token"]["name"], "via-api");
    // -f is a string, whatever it looks like.
    assert_eq!(doc["token"]["description"], "42");
    let listed = s.get("/v1/tokens", &owner).await.body;
    assert!(listed.to_string().contains("via-api"));

    // -F is typed: true/false/null/numbers as JSON.
    let out = u.run(&[
        "api",
        "-X",
        "patch",
        "/v1/org/policy",
        "-f",
        "max_expiry=90d",
        "-F",
        "allow_never=true",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["allow_never"], true);
    assert_eq!(out.json()["max_expiry"], "90d");
    let policy = s.get("/v1/org/policy", &owner).await.body;
    assert_eq!(policy["allow_never"], true);

    // With -X GET the fields are the query.
    u.run(&["revoke", "via-api", "--yes"]);
    let out = u.run(&["api", "-X", "GET", "/v1/tokens", "-f", "status=revoked"]);
    assert_eq!(out.code, 0, "{out:?}");
    let items = out.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["name"], "via-api");
}

#[tokio::test]
async fn input_sends_a_file_or_stdin_as_the_body() {
    let (_s, _owner, u) = setup().await;
    let file = u.dir("tmp").join("mint.json");
    std::fs::write(
        &file,
        json!({"name": "from-file", "scopes": ["work:read"], "rate_limit": {"per_minute": 5}})
            .to_string(),
    )
    .unwrap();
    let out = u.run(&["api", "/v1/tokens", "--input", file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["token"]["name"], "from-file");
    assert_eq!(doc["token"]["scopes"], json!(["work:read"]));
    assert_eq!(doc["token"]["rate_limit"]["per_minute"], 5);

    let out = u.run_stdin(
        &["api", "/v1/tokens", "--input", "-"],
        r#"{"name": "from-stdin", "dry_run": true}"#,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["dry_run"], true);
    assert_eq!(out.json()["token"]["name"], "from-stdin");

    // Not JSON: a usage error naming the flag, nothing sent.
    std::fs::write(&file, "name=x").unwrap();
    let out = u.run(&["api", "/v1/tokens", "--input", file.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--input"), "{out:?}");
    // --input and fields together: a usage error.
    let out = u.run(&["api", "/v1/tokens", "--input", "-", "-f", "name=x"]);
    assert_eq!(out.code, 2, "{out:?}");
}

#[tokio::test]
async fn http_errors_print_the_servers_body_and_exit_with_its_code() {
    let (s, owner, u) = setup().await;
    let out = u.run(&["api", "/v1/tokens/nope"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert_eq!(out.json()["error"]["code"], "not_found");
    assert!(out.stderr.contains("404"), "{out:?}");

    let out = u.run(&["api", "/v1/tokens", "-f", "name="]);
    assert_eq!(out.code, 6, "{out:?}");
    assert_eq!(out.json()["error"]["code"], "invalid");

    let member = s.add_person(&owner, "mo@example.com", "member").await;
    let m = User::with_token(&s.url, &member);
    let out = m.run(&["api", "/v1/audit"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(out.json()["error"]["code"], "forbidden");

    let out = u.run(&["api", "-X", "BREW", "/v1/me"]);
    assert_eq!(out.code, 2, "{out:?}");
}

#[tokio::test]
async fn no_credential_exits_3() {
    let s = TestServer::start();
    let nobody = User::new(&s.url);
    let out = nobody.run(&["api", "/v1/me"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("not logged in"), "{out:?}");
}

/// The credential never goes to another host: an absolute URL elsewhere is refused before any
/// connection, and a listener standing in for the other host sees nothing.
#[tokio::test]
async fn the_credential_is_never_sent_to_another_host() {
    let (s, owner, u) = setup().await;
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    other.set_nonblocking(true).unwrap();
    let port = other.local_addr().unwrap().port();
    let server_port = s.url.rsplit(':').next().unwrap().to_string();
    for url in [
        format!("http://127.0.0.1:{port}/v1/me"),
        format!("//127.0.0.1:{port}/v1/me"),
        format!("http://127.0.0.1:{server_port}@127.0.0.1:{port}/v1/me"),
        format!("https://127.0.0.1:{server_port}/v1/me"),
    ] {
        let out = u.run(&["api", &url]);
        assert_eq!(out.code, 2, "{url}: {out:?}");
        assert!(out.stderr.contains("is sent only to"), "{url}: {out:?}");
        assert!(!out.stderr.contains(&owner) && !out.stdout.contains(&owner));
    }
    // `..` cannot climb out of the server's path either.
    assert_eq!(u.run(&["api", "/v1/../../etc"]).code, 2);
    match other.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("something connected to the other host: {other:?}"),
    }
}

#[tokio::test]
async fn a_secret_in_the_path_is_refused_and_never_echoed() {
    let (s, owner, u) = setup().await;
    let (_, secret) = s.mint(&owner, json!({"name": "leaky"})).await;
    for path in [
        format!("/v1/tokens/{secret}"),
        format!("/v1/tokens?q={secret}"),
    ] {
        let out = u.run(&["api", &path]);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(!out.stderr.contains(&secret) && !out.stdout.contains(&secret));
    }
    let out = u.run(&["api", "/v1/tokens?access_token=abc"]);
    assert_eq!(out.code, 2, "{out:?}");
}
