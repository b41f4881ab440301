//! CI trust end to end (issue 27): a local OpenID Connect issuer signs real ID tokens, the
//! server discovers its keys over HTTP and exchanges the tokens for short-lived tokens of a
//! service account; the real CLI adds the policy and logs in with `--oidc`.

use std::sync::Arc;

use crate::common;

use common::cli::User;
use common::oidc::{self, AUDIENCE};
use common::oidc_issuer::{SigningKey, github_claims, gitlab_claims};
use serde_json::json;

#[tokio::test]
async fn cli_login_oidc_with_an_id_token_file_then_whoami_names_the_service_account_and_the_run() {
    let ci = oidc::start().await;
    let key = SigningKey::rs256();
    ci.issuer.publish(&[&key]);
    let admin = User::with_token(&ci.server.url, &ci.admin);
    let out = admin.run(&[
        "trust",
        "add",
        "deploy",
        "--issuer",
        &ci.issuer.url,
        "--audience",
        AUDIENCE,
        "--subject",
        "repo:acme/api:ref:refs/heads/main",
        "--claim",
        "ref_protected=true",
        "--owner",
        "ci-bot",
        "--scope",
        "work:read",
        "--expires",
        "10m",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let shown = admin.run(&["trust", "show", "deploy"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    for expected in [
        "repo:acme/api:ref:refs/heads/main",
        "ref_protected = true",
        "ci-bot",
        "work:read",
        "10m",
    ] {
        assert!(
            shown.stdout.contains(expected),
            "{expected}: {}",
            shown.stdout
        );
    }

    let jwt = key.jwt(&github_claims(
        &ci.issuer.url,
        AUDIENCE,
        "acme/api",
        "refs/heads/main",
    ));
    let job = User::new(&ci.server.url);
    let file = job.dir("tmp").join("id-token");
    std::fs::write(&file, &jwt).unwrap();
    let out = job.run(&["login", "--oidc", "--id-token-file", file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let secret = out.stdout.trim().to_string();
    assert!(secret.starts_with("tokctl_pat_"), "{}", out.stdout);
    // Nothing was kept: no profile, no file with the secret anywhere under the job's HOME.
    assert!(common::files_containing(job.path(), &secret).is_empty());

    let job = User::with_token(&ci.server.url, &secret);
    let who = job.run(&["whoami"]);
    assert_eq!(who.code, 0, "{}", who.stderr);
    assert!(
        who.stdout.contains("ci-bot (service account)"),
        "{}",
        who.stdout
    );
    assert!(
        who.stdout.contains("via") && who.stdout.contains("trust `deploy`"),
        "{}",
        who.stdout
    );
    assert!(who.stdout.contains("run_id=6025312361"), "{}", who.stdout);
    let me = job.run(&["whoami", "--json"]).json();
    let via = &me["credential"]["via"];
    assert_eq!(via["trust"], "deploy");
    assert_eq!(via["issuer"], ci.issuer.url.as_str());
    assert_eq!(via["subject"], "repo:acme/api:ref:refs/heads/main");
    assert_eq!(via["claims"]["repository"], "acme/api");
    assert_eq!(via["claims"]["workflow"], "deploy");
    assert_eq!(via["claims"]["ref"], "refs/heads/main");
    assert_eq!(me["credential"]["scopes"], json!(["work:read"]));
    // The policy's lifetime, not the org's 30-day default.
    let created =
        chrono::DateTime::parse_from_rfc3339(me["credential"]["created_at"].as_str().unwrap())
            .unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(me["credential"]["expires_at"].as_str().unwrap())
            .unwrap();
    assert_eq!((expires - created).num_minutes(), 10);

    // The admin's views name the run: list, show, and the mint's audit event.
    let listed = admin.run(&["list", "--user", "ci-bot", "--json"]).json();
    assert_eq!(
        listed[0]["via"]["claims"]["run_id"], "6025312361",
        "{listed}"
    );
    let id = listed[0]["id"].as_str().unwrap();
    let show = admin.run(&["show", id]);
    assert!(
        show.stdout.contains("trust `deploy`") && show.stdout.contains("repository=acme/api"),
        "{}",
        show.stdout
    );
    let events = admin
        .run(&["audit", "--action", "token.mint", "--json"])
        .json();
    let event = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["target"] == id)
        .expect("mint event");
    assert_eq!(event["actor"], "trust:deploy");
    // The incident names where the exchange came from, as any mint's event does.
    assert_eq!(event["ip"], "127.0.0.1", "{event}");
    assert_eq!(event["detail"]["via"]["claims"]["run_id"], "6025312361");
    // The access log rows of the job's calls name the run too.
    ci.server.settle().await;
    let access = admin
        .run(&["audit", "--access", "--token", id, "--json"])
        .json();
    let rows = access.as_array().unwrap();
    assert!(!rows.is_empty(), "{access}");
    for row in rows {
        assert_eq!(row["via"]["trust"], "deploy", "{row}");
        assert_eq!(row["via"]["claims"]["run_id"], "6025312361", "{row}");
    }
}

#[tokio::test]
async fn github_actions_job_gets_its_id_token_from_the_runner_and_execs_without_printing() {
    let ci = oidc::start().await;
    let key = Arc::new(SigningKey::es256());
    ci.issuer.publish(&[&key]);
    let r = ci
        .trust(
            "gh",
            "repo:acme/*:ref:refs/heads/main",
            json!({"audience": ci.server.url}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let env = ci.issuer.serve_actions_tokens(
        key.clone(),
        github_claims(&ci.issuer.url, "", "acme/web", "refs/heads/main"),
    );
    let mut job = User::new(&ci.server.url);
    job.env.extend(env.iter().cloned());
    // The audience defaults to the server URL, which this policy expects.
    let out = job.run(&[
        "login",
        "--oidc",
        "--exec",
        "read s; test ${#s} -gt 40 && test \"$TOKCTL_TOKEN_ID\" && echo got-it >&2",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("got-it"), "{}", out.stderr);
    assert!(
        !out.stdout.contains("tokctl_") && !out.stderr.contains("tokctl_pat_"),
        "{out:?}"
    );
    // A second job run gets its own token (a fresh jti each time).
    let out = job.run(&["login", "--oidc"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(ci.minted().await.len(), 2);
    // Asking for another audience gets a token this policy does not accept.
    let out = job.run(&["login", "--oidc", "--audience", "https://elsewhere.example"]);
    assert_eq!(out.code, 6, "{}", out.stderr);
    assert!(out.stderr.contains("invalid_grant"), "{}", out.stderr);
    assert_eq!(ci.last_refusal().await["reason"], "wrong_audience");
}

#[tokio::test]
async fn gitlab_shaped_token_from_an_env_var_matches_project_path_and_protected_ref() {
    let ci = oidc::start().await;
    let key = SigningKey::rs256();
    ci.issuer.publish(&[&key]);
    let r = ci
        .trust(
            "gitlab",
            "project_path:acme/*:ref_type:branch:ref:main",
            json!({"claims": {"project_path": "acme/*", "ref_protected": "true"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let job = User::new(&ci.server.url);
    let jwt = key.jwt(&gitlab_claims(
        &ci.issuer.url,
        AUDIENCE,
        "acme/infra",
        "main",
    ));
    let out = job.run_env(
        &[
            "login",
            "--oidc",
            "--id-token-env",
            "TOKCTL_ID_TOKEN",
            "--json",
        ],
        &[("TOKCTL_ID_TOKEN", &jwt)],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out.json();
    assert!(doc["secret"].as_str().unwrap().starts_with("tokctl_pat_"));
    assert_eq!(doc["token"]["owner"], "ci-bot");
    assert_eq!(doc["token"]["via"]["claims"]["pipeline_id"], "574");
    assert_eq!(doc["token"]["via"]["claims"]["project_path"], "acme/infra");

    // An unprotected branch of the same project: the claim pattern refuses it.
    let mut claims = gitlab_claims(&ci.issuer.url, AUDIENCE, "acme/infra", "main");
    claims["ref_protected"] = "false".into();
    let r = ci.exchange(&key.jwt(&claims)).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{}",
        r.text
    );
    assert_eq!(ci.last_refusal().await["reason"], "no_matching_trust");
    assert_eq!(ci.minted().await.len(), 1);
}

#[tokio::test]
async fn eddsa_and_stdin_id_tokens_work_and_the_answer_is_rfc_8693() {
    let ci = oidc::start().await;
    let key = SigningKey::eddsa();
    ci.issuer.publish(&[&key]);
    assert_eq!(
        ci.trust("ed", "repo:acme/api:*", json!({})).await.status,
        201
    );
    let jwt = key.jwt(&github_claims(
        &ci.issuer.url,
        AUDIENCE,
        "acme/api",
        "refs/heads/dev",
    ));
    let r = ci.exchange(&jwt).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(
        r.body["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(
        r.body["expires_in"], 900,
        "the org's default cap, 15 minutes"
    );
    assert_eq!(r.body["scope"], "work:read");
    assert_eq!(r.header("cache-control"), Some("no-store"));

    let jwt = key.jwt(&github_claims(
        &ci.issuer.url,
        AUDIENCE,
        "acme/api",
        "refs/heads/dev",
    ));
    let job = User::new(&ci.server.url);
    let out = job.run_stdin(
        &["login", "--oidc", "--id-token-file", "-"],
        &format!("{jwt}\n"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.trim().starts_with("tokctl_pat_"));
}

#[tokio::test]
async fn trust_policies_keep_the_rules_of_who_may_trust_what() {
    let ci = oidc::start().await;
    // None yet: `trust list` says so on stderr, and prints nothing a script would parse.
    let none = User::with_token(&ci.server.url, &ci.admin).run(&["trust", "list"]);
    assert_eq!(none.code, 0, "{}", none.stderr);
    assert!(none.stdout.is_empty(), "{}", none.stdout);
    assert!(none.stderr.contains("No trust policies"), "{}", none.stderr);
    // A person as owner, a bare `*` subject, plain http off loopback, too long a lifetime.
    let admin = ci.admin.clone();
    let r = ci
        .trust(
            "p",
            "repo:acme/api:*",
            json!({"owner": common::OWNER_EMAIL}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("service account"), "{}", r.text);
    assert_eq!(ci.trust("p", "*", json!({})).await.status, 422);
    assert_eq!(
        ci.trust("p", "repo:x", json!({"issuer": "http://ci.example.com"}))
            .await
            .status,
        422
    );
    let r = ci.trust("p", "repo:x", json!({"expires": "2h"})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("max_trust_lifetime"), "{}", r.text);
    // Networks are checked as a mint's are: each a network, not too many, kept normalized.
    let r = ci
        .trust("p", "repo:x", json!({"allowed_cidrs": ["10.0.0.0/33"]}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("`allowed_cidrs` entry"), "{}", r.text);
    let many: Vec<String> = (0..=64).map(|i| format!("10.{i}.0.0/16")).collect();
    let r = ci
        .trust("p", "repo:x", json!({"allowed_cidrs": many}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("`allowed_cidrs` has"), "{}", r.text);
    let r = ci
        .trust("nets", "repo:x", json!({"allowed_cidrs": ["10.1.2.3/8"]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["allowed_cidrs"], json!(["10.0.0.0/8"]), "{}", r.text);
    assert_eq!(
        ci.server
            .call("DELETE", "/v1/trust/nets", Some(&ci.admin), None)
            .await
            .status,
        200
    );
    // The org may raise the cap to one hour, never beyond.
    let r = ci
        .server
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&admin),
            Some(json!({"max_trust_lifetime": "2h"})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = ci
        .server
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&admin),
            Some(json!({"max_trust_lifetime": "1h"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        ci.trust("p", "repo:x", json!({"expires": "1h"}))
            .await
            .status,
        201
    );

    // A member (no tokens:admin) may neither add nor read policies.
    let member = ci
        .server
        .add_person(&admin, "dev@example.com", "member")
        .await;
    let r = ci.server.post("/v1/trust", &member, json!({"name": "q", "issuer": ci.issuer.url, "audience": "a", "subject": "s", "owner": "ci-bot"})).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(ci.server.get("/v1/trust", &member).await.status, 403);

    // An admin's PAT holding only tokens:admin cannot make CI tokens with more than it holds.
    let (_, pat) = ci
        .server
        .mint(
            &admin,
            json!({"name": "trust-admin", "scopes": ["tokens:admin"]}),
        )
        .await;
    let r = ci.server.post("/v1/trust", &pat, json!({"name": "q", "issuer": ci.issuer.url, "audience": "a", "subject": "s", "owner": "ci-bot", "scopes": ["work:write"]})).await;
    assert_eq!(
        (r.status, r.code()),
        (403, "scope_exceeds_credential"),
        "{}",
        r.text
    );

    // Audit: trust.add, then trust.remove.
    let r = ci
        .server
        .call("DELETE", "/v1/trust/p", Some(&admin), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        ci.server
            .call("DELETE", "/v1/trust/p", Some(&admin), None)
            .await
            .status,
        404
    );
    let events = ci.server.get("/v1/audit?limit=50", &admin).await;
    let actions: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"trust.add") && actions.contains(&"trust.remove"),
        "{actions:?}"
    );
}
