//! RFC 8693 token exchange at `POST /v1/oauth/token` and `tokctl delegate`, over real HTTP and
//! the real CLI: what a child gets, and every way an attacker might try to get more.

use crate::common;

use common::cli::User;
use common::{Resp, TestServer};
use serde_json::{Value, json};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";

/// Posts a form to the token endpoint; `pairs` go in order, repeats included.
pub async fn post_form(
    s: &TestServer,
    path: &str,
    bearer: Option<&str>,
    pairs: &[(&str, &str)],
) -> Resp {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        form.append_pair(k, v);
    }
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", s.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.finish());
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    Resp::read(req.send().await.expect("request")).await
}

/// A token exchange of `subject` with the extra parameters `more`.
pub async fn exchange(s: &TestServer, subject: &str, more: &[(&str, &str)]) -> Resp {
    let mut pairs = vec![
        ("grant_type", GRANT),
        ("subject_token", subject),
        ("subject_token_type", ACCESS_TOKEN),
    ];
    pairs.extend_from_slice(more);
    post_form(s, "/v1/oauth/token", None, &pairs).await
}

fn oauth_error(r: &Resp) -> &str {
    r.body["error"].as_str().unwrap_or("")
}

/// How many tokens the owner can see, every status.
async fn token_count(s: &TestServer, owner: &str) -> usize {
    let r = s
        .get("/v1/tokens?status=all&owner=*&limit=500", owner)
        .await;
    r.body["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn an_exchange_makes_a_narrower_short_lived_child() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (parent_id, parent) = s
        .mint(
            &owner,
            json!({"name": "agent", "type": "mcp", "scopes": ["work:read", "work:write", "tokens:read"]}),
        )
        .await;
    let r = exchange(&s, &parent, &[("scope", "work:read")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["issued_token_type"], ACCESS_TOKEN);
    assert_eq!(r.body["scope"], "work:read");
    let expires_in = r.body["expires_in"].as_i64().unwrap();
    assert!((800..=900).contains(&expires_in), "{expires_in}");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.body["token"]["type"], "mcp");
    let child = r.body["access_token"].as_str().unwrap().to_string();
    let child_id = r.body["token"]["id"].as_str().unwrap().to_string();

    // The child works, and holds what it was given and nothing more.
    let me = s.get("/v1/me", &child).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["permissions"], json!(["work:read"]));

    // Without `scope`: the subject's effective permissions, spelled out.
    let r = exchange(&s, &parent, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["scope"], "work:read work:write tokens:read");

    // The mint is an audit event made by the parent, marked as a delegation.
    let audit = s
        .get(
            &format!("/v1/audit?action=token.mint&token={child_id}"),
            &owner,
        )
        .await;
    let events = audit.body["items"].as_array().unwrap();
    let event = events
        .iter()
        .find(|e| e["target"] == child_id.as_str())
        .unwrap_or_else(|| panic!("no mint event for the child: {}", audit.text));
    assert_eq!(event["credential_id"], parent_id.as_str());
    assert_eq!(event["detail"]["via"], "delegation");
    // The secrets appear nowhere but in the one answer: not in the audit, not in the log.
    assert!(!audit.text.contains(&child));
    s.settle().await;
    let log = s.log_text();
    assert!(
        !log.contains(&child) && !log.contains(&parent),
        "a secret in the log"
    );
    let big = "x".repeat(70 * 1024);
    let r = exchange(&s, &parent, &[("scope", &big)]).await;
    assert_eq!(r.status, 413, "{}", r.text);
}

#[tokio::test]
async fn widening_scope_through_an_exchange_is_invalid_scope() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, reader) = s
        .mint(&owner, json!({"name": "reader", "scopes": ["work:read"]}))
        .await;
    let before = token_count(&s, &owner).await;
    for scope in [
        "work:write",
        "work:read work:write",
        "*",
        "work:*",
        "tokens:admin",
    ] {
        let r = exchange(&s, &reader, &[("scope", scope)]).await;
        assert_eq!(r.status, 400, "{scope}: {}", r.text);
        assert_eq!(oauth_error(&r), "invalid_scope", "{scope}: {}", r.text);
    }
    // An unknown scope, a blank one, one given twice.
    let r = exchange(&s, &reader, &[("scope", "work:fly")]).await;
    assert_eq!(oauth_error(&r), "invalid_scope", "{}", r.text);
    let r = exchange(&s, &reader, &[("scope", "   ")]).await;
    assert_eq!(oauth_error(&r), "invalid_scope", "{}", r.text);
    let r = exchange(
        &s,
        &reader,
        &[("scope", "work:read"), ("scope", "work:write")],
    )
    .await;
    assert_eq!(oauth_error(&r), "invalid_request", "{}", r.text);
    assert_eq!(token_count(&s, &owner).await, before, "nothing was minted");

    // A token whose scopes reach beyond its owner's role delegates only what it holds: a
    // viewer's `work:write` token holds nothing, so it has nothing to hand out.
    let viewer = s.add_person(&owner, "viewer@example.com", "viewer").await;
    let (_, wishful) = s
        .mint(
            &viewer,
            json!({"name": "wishful", "scopes": ["work:write"]}),
        )
        .await;
    let r = exchange(&s, &wishful, &[]).await;
    assert_eq!(oauth_error(&r), "invalid_scope", "{}", r.text);
    let r = exchange(&s, &wishful, &[("scope", "work:write")]).await;
    assert_eq!(oauth_error(&r), "invalid_scope", "{}", r.text);
}

#[tokio::test]
async fn revoked_expired_rotated_out_and_unknown_subjects_are_invalid_grant() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let mint = |name: &str| json!({"name": name, "scopes": ["work:read"]});
    let (revoked_id, revoked) = s.mint(&owner, mint("revoked")).await;
    let (expired_id, expired) = s.mint(&owner, mint("expired")).await;
    let (rotated_id, rotated_old) = s.mint(&owner, mint("rotated")).await;
    let (pinned_id, pinned) = s
        .mint(
            &owner,
            json!({"name": "pinned", "scopes": ["work:read"], "allowed_cidrs": ["203.0.113.0/24"]}),
        )
        .await;
    let _ = pinned_id;
    let r = s
        .post(
            &format!("/v1/tokens/{revoked_id}/revoke"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.exec_sql(&format!(
        "UPDATE tokens SET expires_at = 1000000 WHERE id = '{expired_id}'"
    ));
    let r = s
        .post(
            &format!("/v1/tokens/{rotated_id}/rotate"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rotated_new = r.body["secret"].as_str().unwrap().to_string();

    let before = token_count(&s, &owner).await;
    let unknown = {
        // Well-formed (checksum and all) but never issued: mint one on a throwaway server.
        let other = TestServer::start();
        let o = other.owner_session().await;
        other.mint(&o, mint("elsewhere")).await.1
    };
    for (what, subject) in [
        ("revoked", revoked.as_str()),
        ("expired", expired.as_str()),
        ("rotated out", rotated_old.as_str()),
        ("unknown", unknown.as_str()),
        ("malformed", "tokctl_pat_notachecksummedsecret000000000000"),
        ("outside its networks", pinned.as_str()),
    ] {
        let r = exchange(&s, subject, &[]).await;
        assert_eq!(r.status, 400, "{what}: {}", r.text);
        assert_eq!(oauth_error(&r), "invalid_grant", "{what}: {}", r.text);
        assert!(
            !r.text.contains(subject),
            "{what}: the answer echoes the secret"
        );
    }
    assert_eq!(token_count(&s, &owner).await, before, "nothing was minted");
    // The rotated token's new secret still delegates.
    let r = exchange(&s, &rotated_new, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn a_child_never_outlives_its_subject() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, short) = s
        .mint(
            &owner,
            json!({"name": "short", "scopes": ["work:read"], "expires": "5m"}),
        )
        .await;
    // Default lifetime: the subject's remaining 5 minutes, not 15.
    let r = exchange(&s, &short, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["expires_in"].as_i64().unwrap() <= 300, "{}", r.text);
    // Asking for longer, or `never`, is refused and mints nothing.
    for e in ["10m", "1h", "never", "2099-01-01"] {
        let r = exchange(&s, &short, &[("expires", e)]).await;
        assert_eq!(r.status, 400, "{e}: {}", r.text);
        assert_eq!(oauth_error(&r), "invalid_request", "{e}: {}", r.text);
    }
    let r = exchange(&s, &short, &[("expires", "2m")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["expires_in"].as_i64().unwrap() <= 120, "{}", r.text);
}

#[tokio::test]
async fn the_token_endpoint_refuses_malformed_requests_in_oauth_terms() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, pat) = s
        .mint(&owner, json!({"name": "pat", "scopes": ["work:read"]}))
        .await;
    type Form<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(&str, Form, &str)> = vec![
        (
            "no grant_type",
            vec![("subject_token", &pat)],
            "invalid_request",
        ),
        (
            "another grant",
            vec![("grant_type", "client_credentials")],
            "unsupported_grant_type",
        ),
        (
            "no subject_token_type",
            vec![("grant_type", GRANT), ("subject_token", &pat)],
            "invalid_request",
        ),
        (
            "an unknown subject_token_type",
            vec![
                ("grant_type", GRANT),
                ("subject_token", &pat),
                ("subject_token_type", "urn:example:saml"),
            ],
            "invalid_request",
        ),
        (
            "subject_token twice",
            vec![
                ("grant_type", GRANT),
                ("subject_token", &pat),
                ("subject_token", &pat),
                ("subject_token_type", ACCESS_TOKEN),
            ],
            "invalid_request",
        ),
        (
            "a refresh token asked for",
            vec![
                ("grant_type", GRANT),
                ("subject_token", &pat),
                ("subject_token_type", ACCESS_TOKEN),
                (
                    "requested_token_type",
                    "urn:ietf:params:oauth:token-type:refresh_token",
                ),
            ],
            "invalid_request",
        ),
        (
            "an actor token",
            vec![
                ("grant_type", GRANT),
                ("subject_token", &pat),
                ("subject_token_type", ACCESS_TOKEN),
                ("actor_token", &pat),
                ("actor_token_type", ACCESS_TOKEN),
            ],
            "invalid_request",
        ),
        (
            "a relative resource",
            vec![
                ("grant_type", GRANT),
                ("subject_token", &pat),
                ("subject_token_type", ACCESS_TOKEN),
                ("resource", "/mcp"),
            ],
            "invalid_target",
        ),
    ];
    for (what, pairs, error) in cases {
        let r = post_form(&s, "/v1/oauth/token", None, &pairs).await;
        assert_eq!(r.status, 400, "{what}: {}", r.text);
        assert_eq!(oauth_error(&r), error, "{what}: {}", r.text);
        assert_eq!(r.header("cache-control"), Some("no-store"), "{what}");
    }
    // JSON is not a form.
    let r = s
        .call(
            "POST",
            "/v1/oauth/token",
            None,
            Some(json!({"grant_type": GRANT, "subject_token": pat, "subject_token_type": ACCESS_TOKEN})),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(oauth_error(&r), "invalid_request");
    // The subject token in the URL is refused before anything reads it.
    let r = s
        .call(
            "POST",
            &format!("/v1/oauth/token?subject_token={pat}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.code(), "token_in_url");
}

#[tokio::test]
async fn tokctl_delegate_prints_a_child_and_exec_hands_it_to_a_sub_agent() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (parent_id, parent) = s
        .mint(
            &owner,
            json!({"name": "orchestrator", "scopes": ["work:read", "work:write"]}),
        )
        .await;
    let user = User::with_token(&s.url, &parent);

    // Piped: the secret alone on stdout, like mint.
    let out = user.run(&["delegate", "--scope", "work:read", "--expires", "10m"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let child = out.stdout.trim().to_string();
    assert!(child.starts_with("tokctl_pat_"), "{}", out.stdout);
    let me = s.get("/v1/me", &child).await;
    assert_eq!(me.body["permissions"], json!(["work:read"]));
    assert!(out.stderr.contains("Delegated"), "{}", out.stderr);

    // Widening is refused with the mint's exit code for it (4), nothing on stdout.
    let out = user.run(&["delegate", "--scope", "tokens:admin"]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(out.stdout.trim().is_empty());
    assert!(out.stderr.contains("invalid_scope"), "{}", out.stderr);

    // --exec: the sub-agent sees its own token in TOKCTL_TOKEN (never the parent's), can use
    // it, and the token is revoked when it exits.
    let script = "test \"$TOKCTL_TOKEN\" != \"$PARENT_SECRET\" && printf '%s' \"$TOKCTL_TOKEN_ID\" > \"$OUT\" && \"$BIN\" whoami --json > \"$OUT.me\"";
    let out_file = user.dir("tmp").join("child-id");
    let out = user.run_env(
        &["delegate", "--scope", "work:read", "--exec", script],
        &[
            ("PARENT_SECRET", parent.as_str()),
            ("OUT", out_file.to_str().unwrap()),
            ("BIN", common::tokctl_bin()),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("tokctl_"), "{}", out.stdout);
    let child_id = std::fs::read_to_string(&out_file).unwrap();
    assert!(child_id.starts_with("tk_"), "{child_id}");
    assert_ne!(child_id, parent_id);
    let me: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}.me", out_file.display())).unwrap(),
    )
    .unwrap();
    assert_eq!(me["credential"]["id"], child_id.as_str());
    let shown = s.get(&format!("/v1/tokens/{child_id}"), &owner).await;
    assert_eq!(shown.body["status"], "revoked", "{}", shown.text);
    // A failing sub-agent's status is tokctl's.
    let out = user.run(&["delegate", "--exec", "exit 3"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
}

#[tokio::test]
async fn guessing_subject_tokens_is_throttled_per_address() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, pat) = s
        .mint(&owner, json!({"name": "pat", "scopes": ["work:read"]}))
        .await;
    let mut throttled = None;
    for i in 0..1000 {
        let r = exchange(&s, &format!("tokctl_pat_{i:0>36}"), &[]).await;
        if r.status == 429 {
            throttled = Some(r);
            break;
        }
        assert_eq!(oauth_error(&r), "invalid_grant", "{}", r.text);
    }
    let r = throttled.expect("1000 guessed subject tokens from one address were all answered");
    assert!(r.header("retry-after").is_some());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    // A valid subject is never refused for the guesses around it.
    let r = exchange(&s, &pat, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// Exchanged tokens are children like minted ones: they join the chain, stop at the org's depth
/// limit (the CLI exits as mint does, 4, naming `delegation_too_deep`), and what introspection
/// says of them follows the chain: the root's end is the child's.
#[tokio::test]
async fn exchanged_children_join_the_chain_and_stop_at_the_depth_limit() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, gateway) = s
        .mint(
            &owner,
            json!({"name": "gateway", "scopes": ["tokens:verify"]}),
        )
        .await;
    let (root_id, root) = s
        .mint(
            &owner,
            json!({"name": "root", "scopes": ["work:read", "work:write"], "expires": "2h"}),
        )
        .await;
    let mut chain = vec![root_id.clone()];
    let mut subject = root.clone();
    for depth in 1..=3 {
        // Each hop a little shorter than the one before: a child never outlives its parent.
        let expires = format!("{}m", 60 - 10 * depth);
        let r = exchange(&s, &subject, &[("expires", &expires)]).await;
        assert_eq!(r.status, 200, "depth {depth}: {}", r.text);
        assert_eq!(r.body["token"]["depth"], depth, "{}", r.text);
        assert_eq!(r.body["token"]["parent"], chain.last().unwrap().as_str());
        chain.push(r.body["token"]["id"].as_str().unwrap().to_string());
        subject = r.body["access_token"].as_str().unwrap().to_string();
    }
    let verified = s
        .post("/v1/verify", &gateway, json!({"token": subject}))
        .await;
    assert_eq!(
        verified.body["delegation"],
        json!(chain),
        "{}",
        verified.text
    );

    // Depth 4: refused in OAuth terms, with tokctl's own code beside it, and nothing minted.
    let before = token_count(&s, &owner).await;
    let r = exchange(&s, &subject, &[]).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(oauth_error(&r), "invalid_request", "{}", r.text);
    assert_eq!(r.body["tokctl_code"], "delegation_too_deep", "{}", r.text);
    let out = User::with_token(&s.url, &subject).run(&["delegate"]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(out.stdout.trim().is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("delegation"), "{}", out.stderr);
    assert_eq!(token_count(&s, &owner).await, before);

    // Introspection of the deepest child: never after the root's end, also once a rotation
    // has moved that end closer.
    let deepest = subject;
    let root_exp = s.get(&format!("/v1/tokens/{root_id}"), &owner).await.body["expires_at"]
        .as_str()
        .map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp())
        .unwrap();
    let r = post_form(
        &s,
        "/v1/oauth/introspect",
        Some(&gateway),
        &[("token", &deepest)],
    )
    .await;
    assert_eq!(r.body["active"], true, "{}", r.text);
    assert!(r.body["exp"].as_i64().unwrap() <= root_exp, "{}", r.text);
    let r = s
        .post(
            &format!("/v1/tokens/{root_id}/rotate"),
            &owner,
            json!({"expires": "5m"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = post_form(
        &s,
        "/v1/oauth/introspect",
        Some(&gateway),
        &[("token", &deepest)],
    )
    .await;
    assert_eq!(r.body["active"], true, "{}", r.text);
    let rotated_exp = chrono::Utc::now().timestamp() + 5 * 60;
    assert!(
        r.body["exp"].as_i64().unwrap() <= rotated_exp + 5,
        "the child outlives its rotated root: {}",
        r.text
    );

    // The root revoked: the whole chain is inactive, at once.
    let r = s
        .post(&format!("/v1/tokens/{root_id}/revoke"), &owner, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = post_form(
        &s,
        "/v1/oauth/introspect",
        Some(&gateway),
        &[("token", &deepest)],
    )
    .await;
    assert_eq!(r.text, r#"{"active":false}"#);
}
