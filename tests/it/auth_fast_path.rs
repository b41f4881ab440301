//! The fast path of authentication (`server::auth::speculative`: a rate-limit check started on
//! a replica's cached copy of a credential while the lookup confirms it) answers exactly as the
//! plain path does.
//!
//! One scripted sequence of requests runs against a server with the fast path (PostgreSQL,
//! counters in PostgreSQL; and, with `TOKCTL_TEST_REDIS_URL`, PostgreSQL with counters in
//! Redis) and against one without it (SQLite: no unconfirmed copies; with counters in the same
//! kind of store). Every answer is reduced to what a client sees (status, error code, message,
//! verify's verdict, permissions, rate-limit fields and headers) and the two transcripts must be
//! equal, step by step. Each credential is used before it changes, so the fast path has a
//! cached copy to be wrong about. Skipped without `TOKCTL_TEST_DATABASE_URL`.

use crate::common;

use common::{PgDb, Resp, ServerOptions, TestServer};
use std::collections::BTreeMap;

use serde_json::{Value, json};

/// What one step of the script saw, as a client sees it (secrets, ids and times left out).
fn seen(r: &Resp) -> Value {
    let b = &r.body;
    let token = |t: &Value| {
        json!({
            "name": t["name"], "status": t["status"], "scopes": t["scopes"],
            "rate_limit": t["rate_limit"], "allowed_cidrs": t["allowed_cidrs"],
        })
    };
    json!({
        "status": r.status,
        "code": r.code(),
        // Numbers vary with the moment ("retry in 17 s") and with the row ids.
        "message": b["error"]["message"].as_str().map(|m| m.replace(|c: char| c.is_ascii_digit(), "#")),
        "ratelimit-limit": r.header("ratelimit-limit"),
        "ratelimit-remaining": r.header("ratelimit-remaining"),
        "retry-after": r.header("retry-after").is_some(),
        "allowed": b["allowed"],
        "reason": b["reason"],
        "permissions": b["permissions"],
        "rate_limit": b["rate_limit"],
        "token": if b["token"].is_object() { token(&b["token"]) } else { Value::Null },
        "credential": if b["credential"].is_object() { token(&b["credential"]) } else { Value::Null },
        "user": b["user"]["role"],
        "org": b["org"]["name"],
    })
}

/// The script's record: each step's name, what it saw, and how many units of each token's budget
/// the fast path has spent by then on stale guesses.
#[derive(Default)]
struct Transcript {
    steps: Vec<(String, Value, BTreeMap<String, u64>)>,
    stale: BTreeMap<String, u64>,
}

impl Transcript {
    fn note(&mut self, step: &str, r: &Resp) {
        self.steps
            .push((step.to_string(), seen(r), self.stale.clone()));
    }

    /// A step made with the owner's session: its budget (600/min) refills every 100 ms, so its
    /// headers depend on how long the script took.
    fn note_admin(&mut self, step: &str, r: &Resp) {
        let mut seen = seen(r);
        seen["ratelimit-remaining"] = Value::Null;
        self.steps
            .push((step.to_string(), seen, self.stale.clone()));
    }

    /// The step just made was a request with a stale cached copy of token `name` whose rate
    /// limit the fast path checked early: the one cost its invariant allows
    /// (`auth::speculative`), one unit of the token's budget that the plain path does not
    /// spend.
    fn stale_guess(&mut self, name: &str) {
        *self.stale.entry(name.to_string()).or_default() += 1;
    }
}

/// What the fast path may see where the plain path saw `plain`, when it guessed with stale
/// copies: the same, with the units spent on stale guesses of the token answered about gone
/// from its remaining budget.
fn expected_on_fast_path(plain: &Value, stale: &BTreeMap<String, u64>) -> Value {
    let name = [&plain["token"]["name"], &plain["credential"]["name"]]
        .into_iter()
        .find_map(Value::as_str);
    let Some(&spent) = name.and_then(|n| stale.get(n)) else {
        return plain.clone();
    };
    let less = |v: &Value| v.as_u64().map(|n| json!(n.saturating_sub(spent)));
    let mut expected = plain.clone();
    for field in ["remaining_minute", "remaining_hour"] {
        if let Some(v) = less(&plain["rate_limit"][field]) {
            expected["rate_limit"][field] = v;
        }
    }
    if let Some(n) = plain["ratelimit-remaining"]
        .as_str()
        .and_then(|n| n.parse::<u64>().ok())
    {
        expected["ratelimit-remaining"] = json!(n.saturating_sub(spent).to_string());
    }
    expected
}

async fn verify(s: &TestServer, gateway: &str, body: Value) -> Resp {
    s.post("/v1/verify", gateway, body).await
}

fn limited(name: &str, per_minute: u32) -> Value {
    json!({"name": name, "rate_limit": {"per_minute": per_minute, "per_hour": 100}})
}

/// The script: the same requests, in the same order, whatever the server.
async fn script(s: &TestServer) -> Transcript {
    let mut t = Transcript::default();
    let owner = s.owner_session().await;
    let (_, gw) = s
        .mint(
            &owner,
            json!({"name": "gateway", "scopes": ["tokens:verify"]}),
        )
        .await;

    // Valid, used again once cached.
    let (_, valid) = s.mint(&owner, limited("valid", 5)).await;
    for i in 0..2 {
        t.note(&format!("valid me {i}"), &s.get("/v1/me", &valid).await);
        let r = verify(s, &gw, json!({"token": valid, "permission": "tokens:read"})).await;
        t.note(&format!("valid verify {i}"), &r);
    }

    // Unknown (well-formed, never minted) and malformed.
    let unknown = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat);
    let unknown = unknown.expose();
    t.note("unknown me", &s.get("/v1/me", unknown).await);
    t.note(
        "unknown verify",
        &verify(s, &gw, json!({"token": unknown})).await,
    );
    t.note("malformed me", &s.get("/v1/me", "tk_nope").await);
    t.note(
        "malformed verify",
        &verify(s, &gw, json!({"token": "tk_nope"})).await,
    );

    // Revoked: the very next request after the revocation, on each surface.
    for surface in ["me", "verify"] {
        let (id, secret) = s
            .mint(&owner, limited(&format!("revoked-{surface}"), 5))
            .await;
        t.note("before revoke me", &s.get("/v1/me", &secret).await);
        t.note(
            "before revoke verify",
            &verify(s, &gw, json!({"token": secret})).await,
        );
        let r = s
            .post(&format!("/v1/tokens/{id}/revoke"), &owner, json!({}))
            .await;
        t.note_admin("revoke", &r);
        let r = match surface {
            "me" => s.get("/v1/me", &secret).await,
            _ => verify(s, &gw, json!({"token": secret})).await,
        };
        t.note(&format!("revoked {surface}"), &r);
        t.note(
            "revoked verify after",
            &verify(s, &gw, json!({"token": secret})).await,
        );
    }

    // Rotated: the old secret without grace, then with; the new secret's budget after.
    for (grace, surface) in [
        ("0", "me"),
        ("0", "verify"),
        ("10m", "me"),
        ("10m", "verify"),
    ] {
        let (id, old) = s
            .mint(&owner, limited(&format!("rotated-{grace}-{surface}"), 5))
            .await;
        t.note("before rotate me", &s.get("/v1/me", &old).await);
        t.note(
            "before rotate verify",
            &verify(s, &gw, json!({"token": old})).await,
        );
        let r = s
            .post(
                &format!("/v1/tokens/{id}/rotate"),
                &owner,
                json!({"grace": grace}),
            )
            .await;
        t.note_admin("rotate", &r);
        let new = r.body["secret"].as_str().expect("new secret").to_string();
        for _ in 0..2 {
            let r = match surface {
                "me" => s.get("/v1/me", &old).await,
                _ => verify(s, &gw, json!({"token": old})).await,
            };
            t.note(&format!("old secret {surface}, grace {grace}"), &r);
        }
        if grace == "0" {
            // Only the first presentation: its confirmation emptied the cache.
            t.stale_guess(&format!("rotated-{grace}-{surface}"));
        }
        t.note("new secret me", &s.get("/v1/me", &new).await);
        t.note(
            "new secret verify",
            &verify(s, &gw, json!({"token": new})).await,
        );
    }

    // Expired.
    let (id, expired) = s.mint(&owner, limited("expired", 5)).await;
    s.exec_sql(&format!(
        "UPDATE tokens SET expires_at = 1000000 WHERE id = '{id}'"
    ));
    t.note("expired me", &s.get("/v1/me", &expired).await);
    t.note(
        "expired verify",
        &verify(s, &gw, json!({"token": expired})).await,
    );

    // Networks: refused from here, judged for the address a gateway names (a peek when outside).
    let (_, pinned) = s
        .mint(
            &owner,
            json!({"name": "pinned", "allowed_cidrs": ["10.0.0.0/8"],
                   "rate_limit": {"per_minute": 5, "per_hour": 100}}),
        )
        .await;
    for i in 0..2 {
        t.note(&format!("pinned me {i}"), &s.get("/v1/me", &pinned).await);
        for ip in [None, Some("10.1.2.3"), Some("192.0.2.1")] {
            let r = verify(s, &gw, json!({"token": pinned, "client_ip": ip})).await;
            t.note(&format!("pinned verify {ip:?} {i}"), &r);
        }
    }

    // Rate limited, on each surface.
    let (_, busy) = s.mint(&owner, limited("busy", 3)).await;
    for i in 0..4 {
        t.note(&format!("busy me {i}"), &s.get("/v1/me", &busy).await);
    }
    t.note("busy verify", &verify(s, &gw, json!({"token": busy})).await);
    let (_, judged) = s.mint(&owner, limited("judged", 3)).await;
    for i in 0..4 {
        t.note(
            &format!("judged verify {i}"),
            &verify(s, &gw, json!({"token": judged})).await,
        );
    }
    t.note("judged me", &s.get("/v1/me", &judged).await);

    // The owner demoted, then removed.
    let ada = s.add_person(&owner, "ada@example.com", "admin").await;
    let (_, adas) = s.mint(&ada, limited("adas", 10)).await;
    let ask = json!({"token": adas, "permission": "members:write"});
    t.note("ada me", &s.get("/v1/me", &adas).await);
    t.note("ada verify", &verify(s, &gw, ask.clone()).await);
    let r = s
        .call(
            "PATCH",
            "/v1/users/ada@example.com",
            Some(&owner),
            Some(json!({"role": "member"})),
        )
        .await;
    t.note_admin("demote", &r);
    t.note("demoted me", &s.get("/v1/me", &adas).await);
    t.note("demoted verify", &verify(s, &gw, ask.clone()).await);
    t.note(
        "demoted mint",
        &s.post(
            "/v1/tokens",
            &adas,
            json!({"name": "x", "scopes": ["members:write"]}),
        )
        .await,
    );
    let r = s
        .call("DELETE", "/v1/users/ada@example.com", Some(&owner), None)
        .await;
    t.note_admin("remove", &r);
    t.note("removed verify", &verify(s, &gw, ask.clone()).await);
    t.note("removed me", &s.get("/v1/me", &adas).await);

    // A token of another org (written behind the server's back): its own, not ours.
    // An id of its own: the servers compared may share one Redis, which keys counters by id.
    let other_id = format!("tk_other{}", tokctl::api::secret::random_base62(10));
    let intruder = s.intruder_org(&other_id, 5, 100);
    let intruder = intruder.expose();
    for i in 0..2 {
        t.note(
            &format!("other org me {i}"),
            &s.get("/v1/me", intruder).await,
        );
        t.note(
            &format!("other org verify {i}"),
            &verify(s, &gw, json!({"token": intruder})).await,
        );
    }

    // A verify whose caller was revoked after both credentials were cached.
    let (gw2_id, gw2) = s
        .mint(
            &owner,
            json!({"name": "gateway-2", "scopes": ["tokens:verify"]}),
        )
        .await;
    let (_, target) = s.mint(&owner, limited("target", 5)).await;
    t.note(
        "target verify",
        &verify(s, &gw2, json!({"token": target})).await,
    );
    let r = s
        .post(&format!("/v1/tokens/{gw2_id}/revoke"), &owner, json!({}))
        .await;
    t.note_admin("revoke gateway", &r);
    t.note(
        "revoked gateway verify",
        &verify(s, &gw2, json!({"token": target})).await,
    );
    t.stale_guess("target");
    t.note("target me", &s.get("/v1/me", &target).await);
    t
}

/// Runs the script on `fast` and `plain` and compares the transcripts step by step.
async fn assert_same_answers(fast: ServerOptions, plain: ServerOptions) {
    let fast = TestServer::start_with(fast);
    let plain = TestServer::start_with(plain);
    let (f, p) = (script(&fast).await, script(&plain).await);
    assert_eq!(f.steps.len(), p.steps.len());
    let differ: Vec<String> = f
        .steps
        .iter()
        .zip(&p.steps)
        .enumerate()
        // A replica holding its credential lease has dropped a changed credential before the
        // change was acknowledged, so it has no stale copy to guess with; one without (its
        // lease lapsed on a slow machine) spends what the invariant allows.
        .filter(|(_, ((_, a, _), (_, b, stale)))| a != b && *a != expected_on_fast_path(b, stale))
        .map(|(i, ((step, a, _), (_, b, stale)))| {
            format!("step {i} `{step}` (stale guesses so far {stale:?}):\n  fast path:  {a}\n  plain path: {b}")
        })
        .collect();
    assert!(
        differ.is_empty(),
        "the fast path answered differently:\n{}",
        differ.join("\n")
    );
}

fn sqlite(dir: &tempfile::TempDir) -> Option<String> {
    Some(dir.path().join("plain.db").display().to_string())
}

#[tokio::test]
async fn the_fast_path_answers_as_the_plain_path() {
    let Some(admin) = common::postgres_url("the_fast_path_answers_as_the_plain_path") else {
        return;
    };
    let db = PgDb::new(&admin);
    let dir = tempfile::tempdir().expect("temp dir");
    assert_same_answers(
        ServerOptions {
            database: Some(db.url.clone()),
            ..Default::default()
        },
        ServerOptions {
            database: sqlite(&dir),
            ..Default::default()
        },
    )
    .await;
}

#[tokio::test]
async fn the_fast_path_answers_as_the_plain_path_with_counters_in_redis() {
    let test = "the_fast_path_answers_as_the_plain_path_with_counters_in_redis";
    let Some(admin) = common::postgres_url(test) else {
        return;
    };
    let redis = match std::env::var("TOKCTL_TEST_REDIS_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => return common::say_skipped(test, "TOKCTL_TEST_REDIS_URL is not set (no Redis)"),
    };
    let db = PgDb::new(&admin);
    let dir = tempfile::tempdir().expect("temp dir");
    let args = vec!["--redis".to_string(), redis];
    assert_same_answers(
        ServerOptions {
            database: Some(db.url.clone()),
            args: args.clone(),
            ..Default::default()
        },
        ServerOptions {
            database: sqlite(&dir),
            args,
            ..Default::default()
        },
    )
    .await;
}
