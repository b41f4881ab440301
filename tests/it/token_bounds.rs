//! A token made with a token never outgrows it: expiry, rate limits and networks (DESIGN.md
//! "Permission catalog", the `exceeds_credential` bullet), and the hard bounds every token
//! has (at most 64 networks, expiry exactly within the policy's max).
//!
//! Each test attacks one way a derived token used to outgrow its parent: a 7-day PAT minting a
//! 365-day child, a 1-hour token rotating itself to a year, a child raising its limits or
//! dropping its parent's network pin, a rotation to `never`, a token rotating another token.
//! Defaults never cause a refusal: they are cut down to the credential's.

use crate::common;

use chrono::{DateTime, Duration, Utc};
use common::TestServer;
use common::cli::User;
use serde_json::{Value, json};

fn message(r: &common::Resp) -> &str {
    r.body["error"]["message"].as_str().unwrap_or("")
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

/// Asserts a 403 `exceeds_credential` whose message names `field`.
fn assert_exceeds(r: &common::Resp, field: &str) {
    assert_eq!(
        (r.status, r.code()),
        (403, "exceeds_credential"),
        "{}",
        r.text
    );
    assert!(
        message(r).contains(&format!("`{field}")),
        "the message must name {field}: {}",
        r.text
    );
    assert!(r.body.get("secret").is_none());
}

/// Mints with `by` and returns the whole answer (token info and secret).
async fn mint_json(s: &TestServer, by: &str, body: Value) -> Value {
    let r = s.post("/v1/tokens", by, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

#[tokio::test]
async fn a_seven_day_pat_cannot_mint_a_longer_lived_child() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    s.call(
        "PATCH",
        "/v1/org/policy",
        Some(&owner),
        Some(json!({"allow_never": true})),
    )
    .await;
    let parent = mint_json(&s, &owner, json!({"name": "week", "expires": "7d"})).await;
    let pat = parent["secret"].as_str().unwrap();
    let parent_expires = time(&parent["token"]["expires_at"]);

    for expires in ["365d", "8d", "never"] {
        let r = s
            .post(
                "/v1/tokens",
                pat,
                json!({"name": "long", "expires": expires}),
            )
            .await;
        assert_exceeds(&r, "expires");
    }
    // A date one second after the parent's expiry is refused; the parent's expiry itself is not.
    let after = (parent_expires + Duration::seconds(1)).to_rfc3339();
    let r = s
        .post("/v1/tokens", pat, json!({"name": "long", "expires": after}))
        .await;
    assert_exceeds(&r, "expires");
    let same = parent["token"]["expires_at"].as_str().unwrap();
    let child = mint_json(&s, pat, json!({"name": "same", "expires": same})).await;
    assert!(time(&child["token"]["expires_at"]) <= parent_expires);

    // No `expires`: the default (30 days) cut to the parent's, not refused.
    let child = mint_json(&s, pat, json!({"name": "default"})).await;
    assert!(
        time(&child["token"]["expires_at"]) <= parent_expires,
        "{child}"
    );
    // Shorter is fine.
    mint_json(&s, pat, json!({"name": "day", "expires": "1d"})).await;
    // A session keeps today's freedom within policy.
    let child = mint_json(&s, &owner, json!({"name": "year", "expires": "365d"})).await;
    assert!(time(&child["token"]["expires_at"]) > parent_expires);
}

#[tokio::test]
async fn a_one_hour_token_rotating_itself_stays_an_hour() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let hour = mint_json(
        &s,
        &owner,
        json!({"name": "hour", "expires": "1h", "scopes": ["tokens:write"]}),
    )
    .await;
    let id = hour["token"]["id"].as_str().unwrap().to_string();
    let secret = hour["secret"].as_str().unwrap().to_string();
    let path = format!("/v1/tokens/{id}/rotate");

    for expires in ["365d", "2h", "61m"] {
        let r = s.post(&path, &secret, json!({"expires": expires})).await;
        assert_exceeds(&r, "expires");
    }
    // Nothing rotated: the secret still works.
    assert_eq!(s.get("/v1/me", &secret).await.status, 200);

    // No `expires`: the same lifetime, an hour from the rotation.
    let before = Utc::now();
    let r = s.post(&path, &secret, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = Utc::now();
    let at = time(&r.body["token"]["expires_at"]);
    assert!(
        at >= before + Duration::hours(1) - Duration::seconds(1)
            && at <= after + Duration::hours(1)
    );
    let secret = r.body["secret"].as_str().unwrap().to_string();
    // Shorter is fine; then it is a 30-minute token, and 1h is beyond it.
    let r = s.post(&path, &secret, json!({"expires": "30m"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let secret = r.body["secret"].as_str().unwrap().to_string();
    let r = s.post(&path, &secret, json!({"expires": "1h"})).await;
    assert_exceeds(&r, "expires");
    // A session may lengthen it (within policy).
    let r = s.post(&path, &owner, json!({"expires": "365d"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn rotation_by_a_token_never_makes_never_unless_it_was() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let r = s
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&owner),
            Some(json!({"allow_never": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A 30-day token cannot rotate itself to `never`.
    let month = mint_json(
        &s,
        &owner,
        json!({"name": "month", "scopes": ["tokens:write"]}),
    )
    .await;
    let r = s
        .post(
            "/v1/tokens/month/rotate",
            month["secret"].as_str().unwrap(),
            json!({"expires": "never"}),
        )
        .await;
    assert_exceeds(&r, "expires");
    // A `never` token rotating itself stays `never`, or may shorten.
    let forever = mint_json(
        &s,
        &owner,
        json!({"name": "forever", "expires": "never", "scopes": ["tokens:write"]}),
    )
    .await;
    let r = s
        .post(
            "/v1/tokens/forever/rotate",
            forever["secret"].as_str().unwrap(),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["token"]["expires_at"], Value::Null);
    let r = s
        .post(
            "/v1/tokens/forever/rotate",
            r.body["secret"].as_str().unwrap(),
            json!({"expires": "never"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Rotated by another token that expires, a `never` token's new secret expires with it.
    let other_forever = mint_json(&s, &owner, json!({"name": "other", "expires": "never"})).await;
    let week = mint_json(&s, &owner, json!({"name": "week", "expires": "7d"})).await;
    let week_secret = week["secret"].as_str().unwrap();
    let path = format!(
        "/v1/tokens/{}/rotate",
        other_forever["token"]["id"].as_str().unwrap()
    );
    let r = s
        .post(&path, week_secret, json!({"expires": "never"}))
        .await;
    assert_exceeds(&r, "expires");
    let r = s.post(&path, week_secret, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        time(&r.body["token"]["expires_at"]) <= time(&week["token"]["expires_at"]),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn a_token_rotating_another_token_is_bounded_like_a_mint() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let rotator = mint_json(
        &s,
        &owner,
        json!({"name": "rotator", "expires": "7d",
               "rate_limit": {"per_minute": 10, "per_hour": 100}}),
    )
    .await;
    let rotator_secret = rotator["secret"].as_str().unwrap();
    let rotator_expires = time(&rotator["token"]["expires_at"]);

    // A sibling allowed more requests: its secret would outpace the rotator.
    mint_json(
        &s,
        &owner,
        json!({"name": "fast", "rate_limit": {"per_minute": 11, "per_hour": 100}}),
    )
    .await;
    let r = s
        .post("/v1/tokens/fast/rotate", rotator_secret, json!({}))
        .await;
    assert_exceeds(&r, "rate_limit.per_minute");
    mint_json(
        &s,
        &owner,
        json!({"name": "hourly", "rate_limit": {"per_minute": 10, "per_hour": 101}}),
    )
    .await;
    let r = s
        .post("/v1/tokens/hourly/rotate", rotator_secret, json!({}))
        .await;
    assert_exceeds(&r, "rate_limit.per_hour");

    // A slower 30-day sibling: rotated without `expires` it gets no more than the rotator's
    // expiry; asked for its own 30 days, refused.
    mint_json(
        &s,
        &owner,
        json!({"name": "slow", "expires": "30d", "rate_limit": {"per_minute": 5, "per_hour": 50}}),
    )
    .await;
    let r = s
        .post(
            "/v1/tokens/slow/rotate",
            rotator_secret,
            json!({"expires": "30d"}),
        )
        .await;
    assert_exceeds(&r, "expires");
    let r = s
        .post("/v1/tokens/slow/rotate", rotator_secret, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(time(&r.body["token"]["expires_at"]) <= rotator_expires);

    // A pinned token cannot rotate an unpinned (or wider-pinned) sibling to get its secret.
    let pinned = mint_json(
        &s,
        &owner,
        json!({"name": "pinned", "allowed_cidrs": ["127.0.0.0/8"]}),
    )
    .await;
    let pinned_secret = pinned["secret"].as_str().unwrap();
    mint_json(&s, &owner, json!({"name": "anywhere"})).await;
    let r = s
        .post("/v1/tokens/anywhere/rotate", pinned_secret, json!({}))
        .await;
    assert_exceeds(&r, "allowed_cidrs");
    mint_json(
        &s,
        &owner,
        json!({"name": "inside", "allowed_cidrs": ["127.0.0.1/32"]}),
    )
    .await;
    let r = s
        .post("/v1/tokens/inside/rotate", pinned_secret, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn a_child_cannot_raise_its_rate_limits() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let parent = mint_json(
        &s,
        &owner,
        json!({"name": "slow", "rate_limit": {"per_minute": 10, "per_hour": 100}}),
    )
    .await;
    let pat = parent["secret"].as_str().unwrap();
    let r = s
        .post(
            "/v1/tokens",
            pat,
            json!({"name": "c", "rate_limit": {"per_minute": 11}}),
        )
        .await;
    assert_exceeds(&r, "rate_limit.per_minute");
    let r = s
        .post(
            "/v1/tokens",
            pat,
            json!({"name": "c", "rate_limit": {"per_minute": 5, "per_hour": 1000}}),
        )
        .await;
    assert_exceeds(&r, "rate_limit.per_hour");
    // Defaults (60/min, 1000/hour) are cut to the parent's; an explicit lower one is kept.
    let child = mint_json(&s, pat, json!({"name": "d"})).await;
    assert_eq!(
        child["token"]["rate_limit"],
        json!({"per_minute": 10, "per_hour": 100})
    );
    let child = mint_json(
        &s,
        pat,
        json!({"name": "e", "rate_limit": {"per_minute": 3}}),
    )
    .await;
    assert_eq!(
        child["token"]["rate_limit"],
        json!({"per_minute": 3, "per_hour": 100})
    );
    // A session may give any limit within policy (no cap by default).
    let child = mint_json(
        &s,
        &owner,
        json!({"name": "fast", "rate_limit": {"per_minute": 100000}}),
    )
    .await;
    assert_eq!(child["token"]["rate_limit"]["per_minute"], 100000);
}

#[tokio::test]
async fn a_pinned_credential_passes_its_pin_on() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    // Pinned to loopback, where the tests call from.
    let parent = mint_json(
        &s,
        &owner,
        json!({"name": "pinned", "allowed_cidrs": ["127.0.0.0/8"]}),
    )
    .await;
    let pat = parent["secret"].as_str().unwrap();

    // No networks asked: the child gets the parent's (never unpinned).
    let child = mint_json(&s, pat, json!({"name": "inherits"})).await;
    assert_eq!(child["token"]["allowed_cidrs"], json!(["127.0.0.0/8"]));
    // Wider, elsewhere, or partly outside: refused, naming the field.
    for cidrs in [
        json!(["0.0.0.0/0"]),
        json!(["127.0.0.0/7"]),
        json!(["10.0.0.0/8"]),
        json!(["127.0.0.1/32", "10.0.0.0/8"]),
        json!(["::1/128"]),
    ] {
        let r = s
            .post(
                "/v1/tokens",
                pat,
                json!({"name": "wide", "allowed_cidrs": cidrs}),
            )
            .await;
        assert_exceeds(&r, "allowed_cidrs");
    }
    // Narrower: contained, though the strings differ.
    let child = mint_json(
        &s,
        pat,
        json!({"name": "narrow", "allowed_cidrs": ["127.0.0.1", "127.1.0.0/16"]}),
    )
    .await;
    assert_eq!(
        child["token"]["allowed_cidrs"],
        json!(["127.0.0.1/32", "127.1.0.0/16"])
    );
    let grandchild = mint_json(
        &s,
        child["secret"].as_str().unwrap(),
        json!({"name": "grandchild"}),
    )
    .await;
    assert_eq!(
        grandchild["token"]["allowed_cidrs"],
        json!(["127.0.0.1/32", "127.1.0.0/16"])
    );
    // A session pins freely.
    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "free", "allowed_cidrs": ["10.0.0.0/8"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn cli_refuses_a_longer_lived_child_with_exit_4_naming_the_field() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let parent = mint_json(
        &s,
        &owner,
        json!({"name": "week", "expires": "7d", "rate_limit": {"per_minute": 10}}),
    )
    .await;
    let u = User::with_token(&s.url, parent["secret"].as_str().unwrap());
    let out = u.run(&["mint", "long", "--expires", "365d"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("`expires`"), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let out = u.run(&["mint", "fast", "--rate-limit", "100/min", "--json"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("exceeds_credential"), "{out:?}");
    assert!(out.stderr.contains("rate_limit.per_minute"), "{out:?}");
    // Without flags it works, cut to the parent.
    let out = u.run(&["mint", "fits", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["token"]["rate_limit"]["per_minute"], 10);
}

#[tokio::test]
async fn a_token_is_pinned_to_at_most_64_networks() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let cidrs = |n: usize| -> Vec<String> { (0..n).map(|i| format!("10.0.{i}.0/24")).collect() };
    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "many", "allowed_cidrs": cidrs(65)}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "invalid"), "{}", r.text);
    assert!(message(&r).contains("`allowed_cidrs`"), "{}", r.text);
    assert!(message(&r).contains("64"), "{}", r.text);
    let r = s
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "many", "allowed_cidrs": cidrs(64)}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn expiry_is_exactly_within_the_policy_max() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    // The max as a duration and as a date (computed before the request, so the server sees it
    // at most the max away).
    mint_json(&s, &owner, json!({"name": "year", "expires": "365d"})).await;
    let max = Utc::now() + Duration::days(365);
    let at = max.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    mint_json(&s, &owner, json!({"name": "date", "expires": at})).await;
    // One minute past it was accepted before (a minute of slack): now refused, as a date and
    // as a duration.
    let over = (max + Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for expires in [over.as_str(), "525601m"] {
        let r = s
            .post(
                "/v1/tokens",
                &owner,
                json!({"name": "over", "expires": expires}),
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (422, "invalid"),
            "{expires}: {}",
            r.text
        );
        assert!(message(&r).contains("max_expiry"), "{}", r.text);
    }
}
