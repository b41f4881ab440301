//! A secret in a URL, path or query, however it is encoded, is refused with 400 `token_in_url`
//! before routing and authentication, and appears nowhere afterwards: not in the server's log
//! at trace level, not in the access log, not in an audit event, not in `/metrics`, not in the
//! database. The URL a proxy forwards to forward-auth (a header, not our URL) is judged as
//! usual but stored with the secret redacted.

use crate::common;

use common::{ServerOptions, TestServer};
use serde_json::{Value, json};

/// Every byte of `s` percent-encoded (`%74%6F…`), as a client or proxy might send it.
fn encode_all(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// A request with `headers` (appended: two of a name are two header lines).
async fn send(
    s: &TestServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String) {
    let mut req =
        reqwest::Client::new().request(method.parse().unwrap(), format!("{}{path}", s.url));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}

/// What must never be found: the secret's random part and checksum, in either letter case
/// (an upper-cased copy would still give the secret away, its checksum telling which letters
/// were upper case).
fn assert_nowhere(what: &str, text: &str, body: &str) {
    let text = text.to_ascii_lowercase();
    let body = body.to_ascii_lowercase();
    assert!(
        !text.contains(&body),
        "the secret is in {what}:\n{}",
        &text[text.find(&body).unwrap().saturating_sub(300)..]
    );
    // Half of it would be half a secret given away.
    for half in [&body[..18], &body[18..]] {
        assert!(!text.contains(half), "part of the secret is in {what}");
    }
}

#[tokio::test]
async fn a_secret_anywhere_in_the_url_is_refused_and_never_logged_or_stored() {
    let s = TestServer::start_with(ServerOptions {
        env: vec![("TOKCTL_LOG".into(), "trace".into())],
        ..Default::default()
    });
    let owner = s.owner_session().await;
    let bearer = format!("Bearer {owner}");
    let auth = [("authorization", bearer.as_str())];
    // The secret someone pastes where a token id belongs.
    let (leaked_id, leaked) = s.mint(&owner, json!({"name": "leaked"})).await;
    let body = &leaked["tokctl_pat_".len()..];
    // A secret-shaped string with a wrong checksum is just as refused.
    let wrong_checksum = format!("tokctl_pat_{}{}", &body[..30], "000000");
    let split = format!("tokctl_pat_{}%2F{}", &body[..15], &body[15..]);

    let refused: Vec<(&str, String)> = vec![
        ("GET", format!("/v1/tokens/{leaked}")),
        ("POST", format!("/v1/tokens/{}/revoke", encode_all(&leaked))),
        ("POST", format!("/v1/tokens/%74okctl_pat_{body}/rotate")),
        ("GET", format!("/v1/tokens/%2574okctl_pat_{body}/usage")),
        ("GET", format!("/v1/tokens/%252574okctl%25255fpat_{body}")),
        ("GET", format!("/v1/tokens/%74OKCTL_PAT_{body}")),
        ("GET", format!("/v1/tokens/{}", leaked.to_uppercase())),
        ("GET", format!("/v1/tokens/tok%E2%80%8Bctl_pat_{body}")),
        ("GET", format!("/v1/tokens/{wrong_checksum}")),
        ("GET", format!("/v1/tokens/{split}")),
        ("GET", format!("/v1/audit?token={leaked}")),
        ("GET", format!("/v1/me?access_token={leaked}")),
        ("GET", format!("/v1/me?x=%2574okctl_pat_{body}")),
        ("GET", format!("/v1/me?x=tokctl+_pat_{body}")),
        ("DELETE", format!("/v1/users/{leaked}")),
        ("GET", format!("/no/such/route/{leaked}")),
        ("GET", format!("/v1/forward-auth/{leaked}")),
    ];
    for (method, path) in &refused {
        for headers in [&auth[..], &[]] {
            let (status, text) = send(&s, method, path, headers, None).await;
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            assert_eq!(
                (status, v["error"]["code"].as_str()),
                (400, Some("token_in_url")),
                "{method} {path}: {text}"
            );
            assert!(
                v["error"]["message"].as_str().unwrap().contains("rotate"),
                "{text}"
            );
        }
    }
    // On /mcp, the refusal is a JSON-RPC error.
    let list = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    let mcp_headers = [
        ("authorization", bearer.as_str()),
        ("accept", "application/json, text/event-stream"),
    ];
    for path in [
        format!("/mcp/{leaked}"),
        format!("/mcp?x={}", encode_all(&leaked)),
    ] {
        let (status, text) = send(&s, "POST", &path, &mcp_headers, Some(list)).await;
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(status, 400, "{path}: {text}");
        assert_eq!(v["jsonrpc"], "2.0");
        assert_eq!(v["error"]["code"], -32001);
        assert_eq!(v["error"]["data"]["code"], "token_in_url");
    }
    // A served MCP call, so rmcp's own trace lines are in the log checked below.
    let whoami = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}"#;
    let (status, text) = send(&s, "POST", "/mcp", &mcp_headers, Some(whoami)).await;
    assert_eq!(status, 200, "{text}");
    // Nothing was done with it: the token is still active.
    let r = s.get(&format!("/v1/tokens/{leaked_id}"), &owner).await;
    assert_eq!(r.body["status"], "active", "{}", r.text);

    // A proxy forwards the client's own URL to forward-auth: not ours to refuse (the token in
    // the client's Authorization header is judged as usual), but stored redacted.
    let (_, gateway_token) = s.mint(&owner, json!({"name": "app-client"})).await;
    let client_bearer = format!("Bearer {gateway_token}");
    for uri_header in ["x-original-uri", "x-forwarded-uri"] {
        for uri in [
            format!("/app/{leaked}/items"),
            format!("/app/{}?access_token={leaked}", encode_all(&leaked)),
            format!("/app/%2574okctl_pat_{body}"),
        ] {
            let (status, text) = send(
                &s,
                "GET",
                "/v1/forward-auth",
                &[("authorization", &client_bearer), (uri_header, &uri)],
                None,
            )
            .await;
            assert_eq!(status, 204, "{uri_header}: {uri}: {text}");
        }
    }
    // A refused forwarded credential with a secret in the forwarded URL: no trace either.
    let (status, _) = send(
        &s,
        "GET",
        "/v1/forward-auth",
        &[
            ("authorization", "Bearer tokctl_pat_nonsense"),
            ("x-original-uri", &format!("/app/{leaked}")),
        ],
        None,
    )
    .await;
    assert_eq!(status, 401);

    s.settle().await;
    let access = s.get("/v1/audit?kind=access&limit=500", &owner).await;
    assert_eq!(access.status, 200, "{}", access.text);
    let paths: Vec<&str> = access.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|row| row["path"].as_str())
        .collect();
    assert!(
        paths.contains(&"/app/[redacted]/items") && paths.contains(&"/app/[redacted]"),
        "forward-auth's rows keep the rest of the path: {paths:?}"
    );
    assert_nowhere("the access log", &access.text, body);
    let events = s.get("/v1/audit?limit=500", &owner).await;
    assert_eq!(events.status, 200, "{}", events.text);
    assert_nowhere("the audit events", &events.text, body);
    let metrics = s.get("/metrics", &owner).await;
    assert_eq!(metrics.status, 200, "{}", metrics.text);
    assert_nowhere("/metrics", &metrics.text, body);
    let log = s.log_text();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "the server did not log at trace level"
    );
    assert_nowhere("the server log (trace level)", &log, body);
    assert!(
        log.contains("[redacted]"),
        "the request log names refused requests with the path redacted"
    );
    // Credentials sent in the Authorization header are never logged either.
    for credential in [&owner, &gateway_token] {
        assert_nowhere("the server log", &log, &credential[credential.len() - 36..]);
    }
    assert_nowhere("the database", &s.dump_db(), body);
}

#[tokio::test]
async fn ids_names_and_ordinary_paths_still_work() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, _) = s.mint(&owner, json!({"name": "tokctl-pat-rotation"})).await;
    for path in [
        format!("/v1/tokens/{id}"),
        "/v1/tokens/tokctl-pat-rotation".to_string(),
        "/v1/tokens/tokctl%2Dpat%2Drotation".to_string(),
    ] {
        let r = s.get(&path, &owner).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
    let r = s.get("/v1/audit?action=token.mint&limit=5", &owner).await;
    assert_eq!(r.status, 200, "{}", r.text);
}
