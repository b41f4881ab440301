//! The OpenAPI document matches what the server really answers (regressions of what
//! `.ci/schemathesis.sh` found): every error a request below provokes has its status documented
//! for that operation, and every authenticated `/v1` operation documents the answers any request
//! can get (400, 401, 403, 413, 429, 503).

use crate::common;

use common::TestServer;
use serde_json::{Value, json};

fn documented(doc: &Value, method: &str, path: &str) -> Vec<String> {
    doc["paths"][path][method]["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} is not in the OpenAPI document"))
        .keys()
        .cloned()
        .collect()
}

#[tokio::test]
async fn every_status_the_server_gives_is_documented() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let doc = s.call("GET", "/openapi.json", None, None).await.body;

    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !path.starts_with("/v1/") {
                continue;
            }
            let codes = documented(&doc, method, path);
            let mut want = vec!["400", "413", "429", "503"];
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                want.extend(["401", "403"]);
            }
            for code in want {
                assert!(
                    codes.iter().any(|c| c == code),
                    "{method} {path} does not document {code}: {codes:?}"
                );
            }
            checked += 1;
        }
    }

    // Requests that provoke the errors schemathesis met, and their documented statuses.
    let cases: Vec<(&str, &str, &str, Option<Value>)> = vec![
        // An unknown `owner` is a 404 on mint and on list (was undocumented).
        (
            "post",
            "/v1/tokens",
            "/v1/tokens",
            Some(json!({"name": "x", "owner": "nobody"})),
        ),
        ("get", "/v1/tokens", "/v1/tokens?owner=nobody", None),
        ("get", "/v1/tokens", "/v1/tokens?owner=", None),
        // No credential, a bad body, a secret in the URL.
        ("get", "/v1/me", "/v1/me", None),
        ("post", "/v1/users", "/v1/users", Some(json!({"role": 7}))),
        ("get", "/v1/tokens", "/v1/tokens?access_token=x", None),
    ];
    for (method, path, url, body) in cases {
        let token = if path == "/v1/me" {
            None
        } else {
            Some(owner.as_str())
        };
        let r = s.call(&method.to_uppercase(), url, token, body).await;
        assert!(r.status >= 400, "{method} {url}: {}", r.text);
        let code = r.status.to_string();
        assert!(
            documented(&doc, method, path).contains(&code),
            "{method} {url} answered {code}, which {path} does not document"
        );
        checked += 1;
    }
    println!("openapi contract: {checked} operations and provoked answers match the document");
}

/// Found by schemathesis: rmcp's transport refusals carried no Content-Type and 406 was not
/// in the document.
#[tokio::test]
async fn mcp_without_the_streamable_accept_header_is_a_documented_406() {
    let s = common::TestServer::start();
    let owner = s.owner_session().await;
    let r = reqwest::Client::new()
        .post(format!("{}/mcp", s.url))
        .bearer_auth(&owner)
        .header("content-type", "application/json")
        .body("null")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 406);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"),
        "{:?}",
        r.headers()
    );
    let doc = s.call("GET", "/openapi.json", None, None).await;
    assert!(doc.body["paths"]["/mcp"]["post"]["responses"]["406"].is_object());
}

/// The document carries the constraints the server enforces, and the server enforces exactly
/// them: every enum value the document lists is accepted, and a value one step past each bound
/// it states is refused (422) — at the bound, accepted. `.ci/schemathesis.sh` explores the rest.
#[tokio::test]
async fn the_document_states_the_bounds_the_server_enforces() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let doc = s.call("GET", "/openapi.json", None, None).await.body;
    let schemas = &doc["components"]["schemas"];
    let mint = &schemas["MintRequest"]["properties"];
    let param = |path: &str, name: &str| -> Value {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} has no parameter {name}"))["schema"]
            .clone()
    };

    // Names: 1–64, the pattern, never `tk_…`.
    assert_eq!(mint["name"]["maxLength"], 64);
    assert_eq!(
        mint["name"]["pattern"],
        "^(?!tk_)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
    );
    let long = "n".repeat(64);
    assert_eq!(
        s.post("/v1/tokens", &owner, json!({"name": long}))
            .await
            .status,
        201
    );
    for bad in ["n".repeat(65), "tk_x".into(), ".x".into(), "a b".into()] {
        let r = s.post("/v1/tokens", &owner, json!({"name": bad})).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
    }
    // Description: at most 1024 characters.
    assert_eq!(mint["description"]["maxLength"], 1024);
    let d = "é".repeat(1024);
    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "d1", "description": d}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let d = "é".repeat(1025);
    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "d2", "description": d}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    // allowed_cidrs: at most 64 networks.
    assert_eq!(mint["allowed_cidrs"]["maxItems"], 64);
    // Every scope the document lists is one the server takes.
    for scope in mint["scopes"]["items"]["enum"].as_array().unwrap() {
        let name = format!("s-{}", scope.as_str().unwrap().replace([':', '*'], "-"));
        let r = s
            .post(
                "/v1/tokens",
                &owner,
                json!({"name": name, "scopes": [scope]}),
            )
            .await;
        assert_eq!(r.status, 201, "{scope}: {}", r.text);
    }
    // Rate limits: at least 1; the type is the only one a mint takes.
    let limit = &schemas["RateLimitRequest"]["properties"]["per_minute"];
    assert_eq!(limit["minimum"], 1);
    assert_eq!(limit["maximum"], u32::MAX);
    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "r", "rate_limit": {"per_minute": 0}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(mint["type"]["enum"], json!(["pat", "mcp", null]));

    // Pages: 1–500, on both listings.
    for path in ["/v1/tokens", "/v1/audit"] {
        let limit = param(path, "limit");
        assert_eq!(
            (&limit["minimum"], &limit["maximum"]),
            (&json!(1), &json!(500))
        );
        for (q, want) in [
            ("limit=1", 200),
            ("limit=500", 200),
            ("limit=0", 422),
            ("limit=501", 422),
        ] {
            let r = s.get(&format!("{path}?{q}"), &owner).await;
            assert_eq!(r.status, want, "{path}?{q}: {}", r.text);
        }
    }
    // Every value of every enum parameter is accepted, and nothing else.
    for (path, name) in [
        ("/v1/tokens", "status"),
        ("/v1/tokens", "type"),
        ("/v1/audit", "kind"),
        ("/v1/audit", "action"),
        ("/v1/forward-auth", "permission"),
    ] {
        let values = param(path, name)["enum"].as_array().unwrap().clone();
        assert!(values.len() >= 2, "{path} {name}");
        for v in values.iter().map(|v| v.as_str().unwrap()).chain(["nope"]) {
            let r = s.get(&format!("{path}?{name}={v}"), &owner).await;
            let refused = r.status == 422;
            assert_eq!(
                refused,
                v == "nope",
                "{path}?{name}={v}: {} {}",
                r.status,
                r.text
            );
        }
    }
    // Durations: the largest of each unit the pattern allows is accepted, one more is refused.
    let pattern = param("/v1/tokens", "expiring_within")["pattern"]
        .as_str()
        .unwrap()
        .to_string();
    for (max, over) in [
        ("527040000m", "527040001m"),
        ("8784000h", "8784001h"),
        ("366000d", "366001d"),
        ("52285w", "52286w"),
    ] {
        assert!(
            pattern.contains(&max[..max.len() - 1]),
            "{max} not in {pattern}"
        );
        let r = s
            .get(&format!("/v1/tokens?expiring_within={max}"), &owner)
            .await;
        assert_eq!(r.status, 200, "{max}: {}", r.text);
        let r = s
            .get(&format!("/v1/tokens?expiring_within={over}"), &owner)
            .await;
        assert_eq!(r.status, 422, "{over}: {}", r.text);
    }
    // Grace: 0 up to 1h.
    let grace = &schemas["RotateRequest"]["properties"]["grace"]["pattern"];
    assert!(grace.as_str().unwrap().contains("|60)m"), "{grace}");
    let (id, _) = s.mint(&owner, json!({"name": "g"})).await;
    for (g, want) in [("60m", 200), ("1h", 200), ("61m", 422), ("2h", 422)] {
        let r = s
            .post(
                &format!("/v1/tokens/{id}/rotate"),
                &owner,
                json!({"grace": g}),
            )
            .await;
        assert_eq!(r.status, want, "grace {g}: {}", r.text);
    }
    // A policy change takes the policy's keys only.
    assert_eq!(schemas["PolicyPatch"]["additionalProperties"], false);
    let r = s
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&owner),
            Some(json!({"nope": 1})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    // A member is a person or a service account, never both.
    assert_eq!(
        schemas["AddUserRequest"]["oneOf"].as_array().unwrap().len(),
        2
    );
    let r = s
        .post(
            "/v1/users",
            &owner,
            json!({"name": "svc", "role": "viewer", "service": true, "email": "a@example.com"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = s
        .post(
            "/v1/users",
            &owner,
            json!({"email": "p@example.com", "role": "viewer", "password": "aaaaaaaaaaaaaaaabbbb"}),
        )
        .await;
    assert_eq!(r.status, 422, "too uniform a password: {}", r.text);
}
