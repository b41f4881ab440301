//! Every way an ID token exchange must fail (issue 27), each against a real local issuer and
//! real signed JWTs: the caller hears a generic `invalid_grant`, the audit names the precise
//! reason, and nothing is minted.

use crate::common;

use common::oidc::{self, AUDIENCE, Ci};
use common::oidc_issuer::{SigningKey, github_claims, hs256_jwt, now, tampered, unsigned_jwt};
use common::{PgDb, ServerOptions, TestServer};
use serde_json::{Value, json};

const SUBJECT: &str = "repo:acme/api:ref:refs/heads/main";

async fn with_policy() -> (Ci, SigningKey) {
    let ci = oidc::start().await;
    let key = SigningKey::rs256();
    ci.issuer.publish(&[&key]);
    let r = ci
        .trust("deploy", SUBJECT, json!({"claims": {"workflow": "deploy"}}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    (ci, key)
}

fn claims(ci: &Ci) -> Value {
    github_claims(&ci.issuer.url, AUDIENCE, "acme/api", "refs/heads/main")
}

/// The exchange is refused with a generic `invalid_grant`, for `reason`, and mints nothing.
async fn refused(ci: &Ci, jwt: &str, reason: &str) {
    let before = ci.minted().await.len();
    let r = ci.exchange(jwt).await;
    assert_eq!(r.status, 400, "{reason}: {}", r.text);
    assert_eq!(r.body["error"], "invalid_grant", "{reason}: {}", r.text);
    // The caller learns nothing about which check failed.
    assert!(!r.text.contains(reason), "{reason}: {}", r.text);
    assert_eq!(ci.last_refusal().await["reason"], reason, "{jwt}");
    assert_eq!(
        ci.minted().await.len(),
        before,
        "{reason}: something was minted"
    );
}

#[tokio::test]
async fn wrong_audience_issuer_times_subject_and_claims_are_refused() {
    let (ci, key) = with_policy().await;
    let mut c = claims(&ci);
    c["aud"] = "https://other.example".into();
    refused(&ci, &key.jwt(&c), "wrong_audience").await;
    // An audience list that contains the policy's is fine (checked below by the happy case).
    let mut c = claims(&ci);
    c["iss"] = "https://token.actions.githubusercontent.com".into();
    refused(&ci, &key.jwt(&c), "unknown_issuer").await;
    // The issuer with a trailing slash is another issuer: `iss` is compared exactly.
    let mut c = claims(&ci);
    c["iss"] = format!("{}/", ci.issuer.url).into();
    refused(&ci, &key.jwt(&c), "unknown_issuer").await;
    let mut c = claims(&ci);
    c["exp"] = (now() - 120).into();
    c["iat"] = (now() - 400).into();
    c["nbf"] = (now() - 400).into();
    refused(&ci, &key.jwt(&c), "expired").await;
    let mut c = claims(&ci);
    c["nbf"] = (now() + 600).into();
    refused(&ci, &key.jwt(&c), "not_yet_valid").await;
    let mut c = claims(&ci);
    c["iat"] = (now() + 600).into();
    refused(&ci, &key.jwt(&c), "not_yet_valid").await;
    let mut c = claims(&ci);
    c["sub"] = "repo:acme/api:ref:refs/heads/feature".into();
    refused(&ci, &key.jwt(&c), "no_matching_trust").await;
    // The subject pattern is matched over the whole value: a suffix is no match.
    let mut c = claims(&ci);
    c["sub"] = format!("{SUBJECT}-evil").into();
    refused(&ci, &key.jwt(&c), "no_matching_trust").await;
    let mut c = claims(&ci);
    c["workflow"] = "exfiltrate".into();
    refused(&ci, &key.jwt(&c), "no_matching_trust").await;
    let mut c = claims(&ci);
    c.as_object_mut().unwrap().remove("workflow");
    refused(&ci, &key.jwt(&c), "no_matching_trust").await;
    let mut c = claims(&ci);
    c.as_object_mut().unwrap().remove("jti");
    refused(&ci, &key.jwt(&c), "malformed").await;

    // Within the 60 s leeway, the same token shapes pass.
    let mut c = claims(&ci);
    c["exp"] = (now() - 20).into();
    c["aud"] = json!(["https://other.example", AUDIENCE]);
    let r = ci.exchange(&key.jwt(&c)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ci.minted().await.len(), 1);
}

#[tokio::test]
async fn alg_none_hmac_with_the_public_key_and_tampering_are_refused() {
    let (ci, key) = with_policy().await;
    refused(&ci, &unsigned_jwt(&key.kid, &claims(&ci)), "bad_algorithm").await;
    // Algorithm confusion: an HS256 "signature" made with the issuer's public key.
    refused(
        &ci,
        &hs256_jwt(&key.kid, &key.public_bytes(), &claims(&ci)),
        "bad_algorithm",
    )
    .await;
    let n = key.jwk()["n"].as_str().unwrap().to_string();
    refused(
        &ci,
        &hs256_jwt(&key.kid, n.as_bytes(), &claims(&ci)),
        "bad_algorithm",
    )
    .await;
    // A header naming RS256 but carrying an ES256 key's signature, and a payload swapped
    // after signing.
    let signed = key.jwt(&claims(&ci));
    let mut c = claims(&ci);
    c["sub"] = SUBJECT.into();
    c["repository"] = "acme/api".into();
    c["workflow"] = "deploy".into();
    c["jti"] = "tampered-jti".into();
    refused(&ci, &tampered(&signed, &c), "bad_signature").await;
    let other = SigningKey::es256();
    let forged = other.jwt_with_header(&json!({"alg": "RS256", "kid": key.kid}), &claims(&ci));
    refused(&ci, &forged, "bad_signature").await;
    // A key of the right kind the issuer never published, under the published kid.
    let impostor = SigningKey::rs256();
    let forged = impostor.jwt_with_header(&json!({"alg": "RS256", "kid": key.kid}), &claims(&ci));
    refused(&ci, &forged, "bad_signature").await;
    // The untouched token still works.
    assert_eq!(ci.exchange(&signed).await.status, 200);
}

#[tokio::test]
async fn unknown_kid_is_refused_after_one_refetch_and_rotation_takes_effect() {
    let (ci, old) = with_policy().await;
    assert_eq!(ci.exchange(&old.jwt(&claims(&ci))).await.status, 200);
    let fetched = ci.issuer.jwks_fetches();
    // A kid the issuer does not publish: one refetch, then refused.
    let stranger = SigningKey::rs256();
    refused(&ci, &stranger.jwt(&claims(&ci)), "unknown_key").await;
    assert_eq!(ci.issuer.jwks_fetches(), fetched + 1);

    // The issuer rotates: the new kid is fetched and accepted, the old one still works while
    // published...
    let new = SigningKey::es256();
    ci.issuer.publish(&[&old, &new]);
    assert_eq!(ci.exchange(&new.jwt(&claims(&ci))).await.status, 200);
    assert_eq!(ci.exchange(&old.jwt(&claims(&ci))).await.status, 200);
    // ...and once removed, a token signed with it is refused after the refetch.
    ci.issuer.publish(&[&new]);
    let new2 = SigningKey::rs256();
    ci.issuer.publish(&[&new, &new2]);
    assert_eq!(ci.exchange(&new2.jwt(&claims(&ci))).await.status, 200);
    ci.issuer.publish(&[&new2]);
    // The cache still holds `old`? No: the last refetch (for new2) replaced it with the issuer's
    // set of that moment, which no longer had `old`.
    refused(&ci, &old.jwt(&claims(&ci)), "unknown_key").await;
    assert_eq!(ci.minted().await.len(), 4);
}

#[tokio::test]
async fn made_up_kids_cannot_make_the_server_hammer_the_issuer() {
    // The default refetch limit: once a minute per issuer.
    let ci = oidc::start_with(ServerOptions::default()).await;
    let key = SigningKey::rs256();
    ci.issuer.publish(&[&key]);
    assert_eq!(ci.trust("deploy", SUBJECT, json!({})).await.status, 201);
    assert_eq!(ci.exchange(&key.jwt(&claims(&ci))).await.status, 200);
    assert_eq!(ci.issuer.jwks_fetches(), 1);
    for _ in 0..5 {
        refused(&ci, &SigningKey::es256().jwt(&claims(&ci)), "unknown_key").await;
    }
    assert_eq!(ci.issuer.jwks_fetches(), 1, "no refetch within the minute");
    // Known keys keep working from the cache meanwhile.
    assert_eq!(ci.exchange(&key.jwt(&claims(&ci))).await.status, 200);
}

#[tokio::test]
async fn a_replayed_jti_is_refused_even_when_presented_concurrently() {
    let (ci, key) = with_policy().await;
    let jwt = key.jwt(&claims(&ci));
    assert_eq!(ci.exchange(&jwt).await.status, 200);
    refused(&ci, &jwt, "replayed").await;
    // Eight copies of one fresh token at once: exactly one token comes out.
    let jwt = key.jwt(&claims(&ci));
    let answers = futures_all(&ci.server, &jwt, 8).await;
    assert_eq!(
        answers.iter().filter(|s| **s == 200).count(),
        1,
        "{answers:?}"
    );
    assert_eq!(ci.minted().await.len(), 2);
}

async fn futures_all(server: &TestServer, jwt: &str, n: usize) -> Vec<u16> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let url = server.url.clone();
        let jwt = jwt.to_string();
        set.spawn(async move {
            reqwest::Client::new()
                .post(format!("{url}/v1/oauth/token"))
                .form(&[
                    (
                        "grant_type",
                        "urn:ietf:params:oauth:grant-type:token-exchange",
                    ),
                    ("subject_token", jwt.as_str()),
                    ("subject_token_type", oidc::ID_TOKEN_TYPE),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        });
    }
    set.join_all().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jti_exchanged_on_one_replica_is_refused_on_the_other() {
    let Some(admin) = common::postgres_url("oidc_replay_across_replicas") else {
        return;
    };
    let db = PgDb::new(&admin);
    let on = |db: &str| ServerOptions {
        database: Some(db.to_string()),
        args: vec!["--oidc-min-refetch-secs".into(), "0".into()],
        ..Default::default()
    };
    let ci = oidc::start_with(on(&db.url)).await;
    let b = TestServer::replica_of(&ci.server, on(&db.url));
    let key = SigningKey::rs256();
    ci.issuer.publish(&[&key]);
    assert_eq!(ci.trust("deploy", SUBJECT, json!({})).await.status, 201);
    let jwt = key.jwt(&claims(&ci));
    assert_eq!(ci.exchange(&jwt).await.status, 200);
    let r = oidc::exchange_at(&b, &jwt).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{}",
        r.text
    );
    assert_eq!(ci.last_refusal().await["reason"], "replayed");
    // Raced on both replicas at once: one token.
    let jwt = key.jwt(&claims(&ci));
    let (x, y) = tokio::join!(futures_all(&ci.server, &jwt, 4), futures_all(&b, &jwt, 4));
    let ok = x.iter().chain(&y).filter(|s| **s == 200).count();
    assert_eq!(ok, 1, "{x:?} {y:?}");
    assert_eq!(ci.minted().await.len(), 2);
}

#[tokio::test]
async fn pinned_jwks_serves_an_issuer_the_server_cannot_reach() {
    let ci = oidc::start().await;
    let key = SigningKey::es256();
    // Nothing is published at the issuer: only the pinned set can verify.
    let r = ci
        .trust("airgap", SUBJECT, json!({"jwks": {"keys": [key.jwk()]}}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["jwks_pinned"], true);
    assert_eq!(ci.exchange(&key.jwt(&claims(&ci))).await.status, 200);
    assert_eq!(ci.issuer.jwks_fetches(), 0);
    refused(&ci, &SigningKey::es256().jwt(&claims(&ci)), "unknown_key").await;
}

#[tokio::test]
async fn malformed_requests_get_rfc_6749_errors() {
    let (ci, key) = with_policy().await;
    let post = |form: Vec<(&'static str, String)>| {
        let url = format!("{}/v1/oauth/token", ci.server.url);
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let jwt = key.jwt(&claims(&ci));
    let grant = (
        "grant_type",
        "urn:ietf:params:oauth:grant-type:token-exchange".to_string(),
    );
    let kind = ("subject_token_type", oidc::ID_TOKEN_TYPE.to_string());
    let (s, b) = post(vec![("grant_type", "client_credentials".into())]).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (s, b) = post(vec![grant.clone(), kind.clone()]).await;
    assert_eq!((s, b["error"].as_str()), (400, Some("invalid_request")));
    // A parameter twice (RFC 6749 §3.2): refused, not first-or-last-wins.
    let (s, b) = post(vec![
        grant.clone(),
        kind.clone(),
        ("subject_token", jwt.clone()),
        ("subject_token", "x.y.z".into()),
    ])
    .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("invalid_request")),
        "{b}"
    );
    let (s, b) = post(vec![
        grant.clone(),
        kind.clone(),
        ("subject_token", jwt.clone()),
        ("scope", "tokens:admin".into()),
    ])
    .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("invalid_request")),
        "{b}"
    );
    let (s, b) = post(vec![
        grant.clone(),
        ("subject_token_type", "urn:x".into()),
        ("subject_token", jwt.clone()),
    ])
    .await;
    assert_eq!((s, b["error"].as_str()), (400, Some("invalid_request")));
    assert!(ci.minted().await.is_empty());
    // The well-formed request still works: nothing above burnt its jti.
    let (s, b) = post(vec![grant, kind, ("subject_token", jwt)]).await;
    assert_eq!(s, 200, "{b}");
}
