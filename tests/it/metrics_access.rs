//! `/metrics` tells whoever reads it how the service is used (request and failure counts, the
//! access-log backlog): it needs a bearer credential holding `audit:read`, through the same
//! guard as every `/v1` call (counted, rate-limited, audited), unless the server runs with
//! `--metrics-unauthenticated`.

use crate::common;

use common::{ServerOptions, TestServer};
use serde_json::json;

#[tokio::test]
async fn metrics_need_audit_read() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let member = s.add_person(&owner, "m@example.com", "member").await;
    let (_, member_pat) = s.mint(&member, json!({"name": "m"})).await;
    // An owner's token scoped below audit:read does not read them either.
    let (_, narrow) = s
        .mint(&owner, json!({"name": "narrow", "scopes": ["work:read"]}))
        .await;

    let r = s.call("GET", "/metrics", None, None).await;
    assert_eq!((r.status, r.code()), (401, "unauthenticated"), "{}", r.text);
    assert!(!r.text.contains("tokctl_http_requests_total"));
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    let r = s.get("/metrics", "tokctl_pat_nonsense").await;
    assert_eq!((r.status, r.code()), (401, "token_malformed"));
    for token in [&member, &member_pat, &narrow] {
        let r = s.get("/metrics", token).await;
        assert_eq!((r.status, r.code()), (403, "forbidden"), "{}", r.text);
        assert!(r.text.contains("audit:read"), "{}", r.text);
        assert!(!r.text.contains("tokctl_http_requests_total"));
    }
    let r = s.get("/metrics", &owner).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("tokctl_http_requests_total{class=\"4xx\"}"));
    // The refusals were failed authentications like any other.
    assert!(
        r.text.contains("tokctl_auth_failures_total 2"),
        "{}",
        r.text
    );
    // And the scrape is a use of the credential, in its access log.
    s.settle().await;
    let r = s.get("/v1/audit?kind=access&limit=500", &owner).await;
    assert!(
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["path"] == "/metrics" && row["status"] == 200),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn metrics_unauthenticated_serves_anyone() {
    let s = TestServer::start_with(ServerOptions {
        args: vec!["--metrics-unauthenticated".into()],
        ..Default::default()
    });
    let r = s.call("GET", "/metrics", None, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("tokctl_http_requests_total"));
}

#[tokio::test]
async fn the_openapi_document_says_metrics_need_a_credential() {
    let s = TestServer::start();
    let doc = s.call("GET", "/openapi.json", None, None).await.body;
    let op = &doc["paths"]["/metrics"]["get"];
    assert!(
        op["security"].as_array().is_some_and(|s| !s.is_empty()),
        "{op}"
    );
    for status in ["200", "401", "403"] {
        assert!(op["responses"][status].is_object(), "{status}: {op}");
    }
}
