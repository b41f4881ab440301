//! Guessing: an outsider trying passwords or secrets learns nothing and gets nowhere fast.
//!
//! - login is throttled per email (across addresses) and per address (across emails; IPv6 by
//!   /64), a spoofed `X-Forwarded-For` from an untrusted peer changes nothing;
//! - an unknown email and a wrong password look the same, in body and in cost (Argon2 runs
//!   for both);
//! - a guessed secret, however close to a real one, gets the same `token_unknown` answer, byte for
//!   byte; only a secret that was once real can ever see `token_revoked` or `token_expired`
//!   (the distinct codes DESIGN.md requires for the holder — SECURITY.md explains why that is
//!   safe);
//! - unknown or malformed secrets presented to verify and forward-auth are throttled per
//!   presenting client address (429 once over budget), and a flood of them never makes a valid
//!   token's verify or forward-auth fail, from any address;
//! - tokens are looked up by SHA-256 (or HMAC with the pepper) of the secret: the database holds
//!   no secret, and no comparison ever runs on the secret itself.

use crate::common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use common::{Resp, ServerOptions, TestServer};
use serde_json::json;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn behind_proxy() -> ServerOptions {
    ServerOptions {
        args: vec!["--trusted-proxy".into(), "127.0.0.1/32".into()],
        ..Default::default()
    }
}

async fn login_from(s: &TestServer, from: Option<IpAddr>, email: &str, password: &str) -> Resp {
    let client = reqwest::Client::new();
    let mut req = client
        .post(format!("{}/v1/sessions", s.url))
        .json(&json!({"email": email, "password": password}));
    if let Some(ip) = from {
        req = req.header("x-forwarded-for", ip.to_string());
    }
    Resp::read(req.send().await.expect("request")).await
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> Option<IpAddr> {
    Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
}

/// DESIGN's checksum (CRC-32 in 6 base62 digits), to build well-formed guesses.
fn with_checksum(body: &str) -> String {
    let mut n = crc32fast::hash(body.as_bytes()) as u64;
    let mut sum = [b'0'; 6];
    for slot in sum.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    format!("{body}{}", std::str::from_utf8(&sum).unwrap())
}

#[tokio::test]
async fn login_is_throttled_per_email_across_addresses() {
    let s = TestServer::start_with(behind_proxy());
    let owner = s.owner_session().await;
    s.add_person(&owner, "victim@example.com", "member").await;
    let mut failures = 0;
    // Ten wrong passwords, each from a different address: every address is fresh, the email is not.
    for i in 1..=10u8 {
        let r = login_from(
            &s,
            v4(10, 0, 0, i),
            "victim@example.com",
            "wrong-password-1",
        )
        .await;
        assert_eq!((r.status, r.code()), (401, "login_failed"), "{}", r.text);
        failures += 1;
    }
    // The next try, even with the right password and from a new address, waits.
    let r = login_from(
        &s,
        v4(10, 0, 0, 200),
        "victim@example.com",
        "victim@example.com-pass-word",
    )
    .await;
    assert_eq!((r.status, r.code()), (429, "rate_limited"), "{}", r.text);
    assert!(r.header("retry-after").is_some());
    // Different case and surrounding spaces are the same email.
    let r = login_from(
        &s,
        v4(10, 0, 0, 201),
        " VICTIM@example.com ",
        "x-wrong-pass-x",
    )
    .await;
    assert_eq!(r.status, 429, "{}", r.text);
    // Someone else logs in from that same new address without trouble.
    let r = login_from(
        &s,
        v4(10, 0, 0, 200),
        common::OWNER_EMAIL,
        common::OWNER_PASSWORD,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    println!(
        "guessing/login per email: {failures} failures from 10 addresses, then 429 for that email only"
    );
}

#[tokio::test]
async fn login_is_throttled_per_address_across_emails() {
    let s = TestServer::start_with(behind_proxy());
    let attacker = v4(10, 1, 0, 1);
    for i in 0..10 {
        let r = login_from(
            &s,
            attacker,
            &format!("guess{i}@example.com"),
            "password-guess",
        )
        .await;
        assert_eq!((r.status, r.code()), (401, "login_failed"), "{}", r.text);
    }
    // That address is done for now, even for a real account with its real password...
    let r = login_from(&s, attacker, common::OWNER_EMAIL, common::OWNER_PASSWORD).await;
    assert_eq!((r.status, r.code()), (429, "rate_limited"), "{}", r.text);
    // ...while everyone else is not.
    let r = login_from(
        &s,
        v4(10, 1, 0, 2),
        common::OWNER_EMAIL,
        common::OWNER_PASSWORD,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // IPv6: one host holds a whole /64; cycling through it buys nothing.
    for i in 1..=10u16 {
        let ip: IpAddr = format!("2001:db8:7:7::{i:x}").parse().unwrap();
        let r = login_from(
            &s,
            Some(ip),
            &format!("v6guess{i}@example.com"),
            "password-guess",
        )
        .await;
        assert_eq!(r.status, 401, "{}", r.text);
    }
    let same_64: IpAddr = "2001:db8:7:7:ffff:1:2:3".parse().unwrap();
    let r = login_from(
        &s,
        Some(same_64),
        common::OWNER_EMAIL,
        common::OWNER_PASSWORD,
    )
    .await;
    assert_eq!(
        r.status, 429,
        "a fresh address in the same /64 got a fresh budget: {}",
        r.text
    );
    let other_64: IpAddr = "2001:db8:7:8::1".parse().unwrap();
    let r = login_from(
        &s,
        Some(other_64),
        common::OWNER_EMAIL,
        common::OWNER_PASSWORD,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    println!(
        "guessing/login per address: 10 failures on 10 emails → 429 for that address (IPv4, and IPv6 by /64)"
    );
}

#[tokio::test]
async fn a_spoofed_forwarded_for_does_not_reset_the_budget() {
    // No --trusted-proxy: X-Forwarded-For from the (loopback) peer must be ignored.
    let s = TestServer::start();
    for i in 0..10u8 {
        let r = login_from(
            &s,
            v4(192, 0, 2, i),
            &format!("g{i}@example.com"),
            "password-guess",
        )
        .await;
        assert_eq!(r.status, 401, "{}", r.text);
    }
    let r = login_from(
        &s,
        v4(192, 0, 2, 99),
        common::OWNER_EMAIL,
        common::OWNER_PASSWORD,
    )
    .await;
    assert_eq!(
        r.status, 429,
        "spoofed X-Forwarded-For bought a fresh budget: {}",
        r.text
    );
    println!("guessing/login spoofing: 10 failures with 10 forged X-Forwarded-For → still 429");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_look_and_cost_the_same() {
    let s = TestServer::start_with(behind_proxy());
    let rounds = 8u8;
    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    let mut bodies = std::collections::BTreeSet::new();
    // Interleaved, each from its own address so the throttle stays out of the way.
    for i in 0..rounds {
        let t = Instant::now();
        let r = login_from(
            &s,
            v4(10, 2, 0, i),
            &format!("nobody{i}@example.com"),
            "password-guess",
        )
        .await;
        unknown.push(t.elapsed());
        assert_eq!(r.status, 401);
        bodies.insert(r.text.clone());
        let t = Instant::now();
        let r = login_from(&s, v4(10, 3, 0, i), common::OWNER_EMAIL, "password-guess").await;
        wrong.push(t.elapsed());
        assert_eq!(r.status, 401);
        bodies.insert(r.text.clone());
    }
    assert_eq!(
        bodies.len(),
        1,
        "unknown email and wrong password answer differently: {bodies:?}"
    );
    unknown.sort();
    wrong.sort();
    let (mu, mw) = (unknown[unknown.len() / 2], wrong[wrong.len() / 2]);
    // Without the dummy Argon2 run on unknown emails the gap is 20–100×; a factor of 4 either
    // way leaves room for a noisy CI machine and still catches it.
    assert!(
        mu * 4 > mw && mw * 4 > mu,
        "login timing tells who exists: unknown email {mu:?} vs wrong password {mw:?} (medians)"
    );
    // The guessed passwords are in no log and no row.
    assert!(!s.log_text().contains("password-guess"));
    assert!(!s.dump_db().contains("password-guess"));
    println!(
        "guessing/login oracle: {rounds}+{rounds} failed logins, one identical body; median \
         {mu:?} for an unknown email vs {mw:?} for a wrong password"
    );
}

#[tokio::test]
async fn guessed_secrets_get_one_identical_answer_however_close() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, real) = s.mint(&owner, json!({"name": "real"})).await;
    let body = &real[..real.len() - 6];
    let mut guesses: Vec<String> = Vec::new();
    // Random well-formed secrets of every type.
    for kind in [
        tokctl::api::secret::TokenType::Pat,
        tokctl::api::secret::TokenType::Mcp,
        tokctl::api::secret::TokenType::Ses,
    ] {
        for _ in 0..20 {
            guesses.push(tokctl::api::secret::generate(kind).expose().to_string());
        }
    }
    // The real secret with one character changed (checksum fixed up): one edit away.
    for pos in 11..body.len() {
        let mut b = body.as_bytes().to_vec();
        b[pos] = if b[pos] == b'a' { b'b' } else { b'a' };
        guesses.push(with_checksum(std::str::from_utf8(&b).unwrap()));
    }
    // The real random part under another type.
    guesses.push(with_checksum(&body.replace("tokctl_pat_", "tokctl_mcp_")));
    let mut answers = std::collections::BTreeSet::new();
    let mut headers = std::collections::BTreeSet::new();
    for g in &guesses {
        let r = s.get("/v1/me", g).await;
        assert_eq!((r.status, r.code()), (401, "token_unknown"), "{}", r.text);
        assert!(!r.text.contains(&g[11..]), "the answer echoes the guess");
        answers.insert(r.text.clone());
        let mut names: Vec<String> = r
            .headers
            .iter()
            .filter(|(k, _)| *k != "date")
            .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("")))
            .collect();
        names.sort();
        headers.insert(names.join("\n"));
    }
    assert_eq!(
        answers.len(),
        1,
        "guesses get different answers: {answers:?}"
    );
    assert_eq!(
        headers.len(),
        1,
        "guesses get different headers: {headers:?}"
    );

    // Malformed ones (bad checksum, wrong length, foreign prefix) are refused before any
    // lookup, all alike.
    let mut malformed = std::collections::BTreeSet::new();
    let mut bad_sum = real.clone();
    bad_sum.replace_range(
        real.len() - 1..,
        if real.ends_with('0') { "1" } else { "0" },
    );
    for g in [
        bad_sum,
        real[..real.len() - 1].to_string(),
        "ghp_abcdef".to_string(),
        format!("{real}x"),
    ] {
        let r = s.get("/v1/me", &g).await;
        assert_eq!((r.status, r.code()), (401, "token_malformed"), "{}", r.text);
        malformed.insert(r.text);
    }
    assert_eq!(malformed.len(), 1);

    // `token_revoked` is reachable only with a secret that was once real.
    assert_eq!(s.get("/v1/me", &real).await.status, 200);
    let r = s.post("/v1/tokens/real/revoke", &owner, json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(s.get("/v1/me", &real).await.code(), "token_revoked");
    println!(
        "guessing/secrets: {} well-formed guesses ({} one edit from a real secret) → one identical \
         token_unknown answer; 4 malformed → one identical token_malformed answer",
        guesses.len(),
        body.len() - 11
    );
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn tokens_are_found_by_hash_and_the_database_holds_no_secret() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, secret) = s.mint(&owner, json!({"name": "hashed"})).await;
    s.settle().await;
    let dump = s.dump_db();
    assert!(
        !dump.contains(&secret[11..]),
        "the secret is in the database"
    );
    assert!(
        !dump.contains(&owner[11..]),
        "the session secret is in the database"
    );
    assert!(
        dump.contains(&sha256_hex(&secret)),
        "tokens are not stored by SHA-256 of the secret"
    );

    // With a pepper, the stored hash is HMAC-SHA-256: a stolen database cannot even confirm a
    // guessed secret offline without the pepper file.
    let pepper_dir = tempfile::tempdir().unwrap();
    let pepper = pepper_dir.path().join("pepper");
    std::fs::write(&pepper, "a-server-pepper-of-enough-bytes\n").unwrap();
    let p = TestServer::start_with(ServerOptions {
        args: vec!["--pepper-file".into(), pepper.display().to_string()],
        ..Default::default()
    });
    let owner = p.owner_session().await;
    let (_, secret) = p.mint(&owner, json!({"name": "peppered"})).await;
    assert_eq!(p.get("/v1/me", &secret).await.status, 200);
    let dump = p.dump_db();
    assert!(
        !dump.contains(&sha256_hex(&secret)),
        "a plain SHA-256 is stored despite the pepper"
    );
    assert!(dump.contains(&tokctl::api::secret::hash(
        &secret,
        Some(b"a-server-pepper-of-enough-bytes")
    )));
    assert!(!dump.contains(&secret[11..]));
    println!(
        "guessing/lookup: secrets stored and found only as SHA-256 (HMAC-SHA-256 with a pepper)"
    );
    // Keep the pepper directory alive until the server is done with it.
    drop(p);
    drop(pepper_dir);
}

/// One request of a guessing flood: a bogus secret from the attacker, or a valid one from
/// someone else.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Job {
    Bogus,
    Valid,
}

/// `bogus` bogus secrets with `valid` valid ones spread evenly among them, sent by a few
/// concurrent workers through `send`; returns each job with the answer's (status, code or reason).
async fn flood<F, Fut>(bogus: usize, valid: usize, send: F) -> Vec<(Job, u16, String)>
where
    F: Fn(reqwest::Client, Job, String) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = (u16, String)> + Send,
{
    use std::sync::atomic::{AtomicUsize, Ordering};
    let every = (bogus + valid) / valid;
    let jobs: std::sync::Arc<Vec<(Job, String)>> = std::sync::Arc::new(
        (0..bogus + valid)
            .map(|i| {
                if i % every == every - 1 {
                    (Job::Valid, String::new())
                } else if i % 10 == 0 {
                    // Malformed (bad checksum) as well as unknown: both are guesses.
                    (Job::Bogus, format!("tokctl_pat_{}", "0".repeat(36)))
                } else {
                    let g = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat);
                    (Job::Bogus, g.expose().to_string())
                }
            })
            .collect(),
    );
    let next = std::sync::Arc::new(AtomicUsize::new(0));
    let client = reqwest::Client::new();
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (jobs, next, client, send) = (jobs.clone(), next.clone(), client.clone(), send.clone());
        workers.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((job, secret)) = jobs.get(i) else {
                    return out;
                };
                let (status, what) = send(client.clone(), *job, secret.clone()).await;
                out.push((*job, status, what));
            }
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all
}

/// Checks that every valid job was `allowed`; returns how many valid jobs there were, and how
/// many bogus ones were `throttled` and answered otherwise.
fn tally(
    results: &[(Job, u16, String)],
    allowed: impl Fn(u16, &str) -> bool,
    throttled: impl Fn(u16, &str) -> bool,
) -> (usize, usize, usize) {
    let mut counts = (0, 0, 0);
    for (job, status, what) in results {
        match job {
            Job::Valid => {
                assert!(
                    allowed(*status, what),
                    "a valid token was refused: {status} {what}"
                );
                counts.0 += 1;
            }
            Job::Bogus if throttled(*status, what) => counts.1 += 1,
            Job::Bogus => counts.2 += 1,
        }
    }
    counts
}

/// The most guesses one address may have answered in `elapsed`: the server's burst (300), then
/// one per 200 ms (`VERIFY_FAILURE_BURST`, `VERIFY_FAILURE_INTERVAL`), with a little slack.
fn guess_budget(elapsed: std::time::Duration) -> usize {
    300 + (elapsed.as_secs_f64() * 5.0) as usize + 10
}

#[tokio::test]
async fn a_flood_of_bogus_verifies_never_fails_a_valid_one() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, gateway) = s
        .mint(
            &owner,
            json!({"name": "gateway", "scopes": ["tokens:verify"]}),
        )
        .await;
    let (_, valid) = s
        .mint(
            &owner,
            json!({"name": "busy", "rate_limit": {"per_minute": 1000, "per_hour": 10000}}),
        )
        .await;
    let url = format!("{}/v1/verify", s.url);
    // The gateway names each presenting client: the attacker at one address, a legitimate client
    // at another, both through this one gateway.
    let send = |client_ip: Option<&'static str>, other_ip: Option<&'static str>| {
        let (url, gateway, valid) = (url.clone(), gateway.clone(), valid.clone());
        move |client: reqwest::Client, job: Job, secret: String| {
            let (url, gateway, valid) = (url.clone(), gateway.clone(), valid.clone());
            async move {
                let (token, ip) = match job {
                    Job::Bogus => (secret, client_ip),
                    Job::Valid => (valid, other_ip),
                };
                let mut body = json!({"token": token, "permission": "work:read"});
                if let Some(ip) = ip {
                    body["client_ip"] = ip.into();
                }
                let r = client
                    .post(&url)
                    .bearer_auth(&gateway)
                    .json(&body)
                    .send()
                    .await
                    .expect("verify");
                let status = r.status().as_u16();
                let has_retry = r.headers().contains_key("retry-after");
                let body: serde_json::Value = r.json().await.unwrap_or_default();
                let what = match status {
                    200 => body["reason"].as_str().unwrap_or("allowed").to_string(),
                    429 if has_retry => body["error"]["code"].as_str().unwrap_or("").to_string(),
                    _ => format!("{body}"),
                };
                (status, what)
            }
        }
    };
    let allowed = |st: u16, w: &str| st == 200 && w == "allowed";
    let throttled = |st: u16, w: &str| st == 429 && w == "rate_limited";

    // 5,000 guesses from 203.0.113.66 interleaved with 100 valid verifies from 198.51.100.10.
    let started = Instant::now();
    let results = flood(5000, 100, send(Some("203.0.113.66"), Some("198.51.100.10"))).await;
    let elapsed = started.elapsed();
    let (ok, t, answered) = tally(&results, allowed, throttled);
    assert_eq!(ok, 100);
    assert!(
        answered >= 300 && answered <= guess_budget(elapsed),
        "{answered} guesses answered from one address"
    );
    for (job, status, what) in &results {
        if *job == Job::Bogus && !throttled(*status, what) {
            assert!(
                *status == 200 && (what == "unknown" || what == "malformed"),
                "{status} {what}"
            );
        }
    }

    // The gateway that names no client: the guesses and the valid verifies come from the same
    // caller (the case of the issue: 66 of 100 valid verifies answered 429). Still every valid
    // one passes, and the guesses are throttled on the gateway's own address.
    let started = Instant::now();
    let results = flood(1000, 100, send(None, None)).await;
    let (ok, t2, answered2) = tally(&results, allowed, throttled);
    assert_eq!(ok, 100);
    assert!(t2 > 0, "the gateway's guesses were never throttled");
    assert!(answered2 <= guess_budget(started.elapsed()));
    println!(
        "guessing/verify: 5000 bogus secrets from one address + 100 valid verifies from another → \
         100/100 allowed, {t} guesses throttled, {answered} answered; through one gateway naming \
         no client: 100/100 allowed, {t2} of 1000 throttled"
    );
}

#[tokio::test]
async fn a_flood_of_bogus_forward_auths_never_fails_a_valid_one() {
    let s = TestServer::start_with(ServerOptions {
        args: vec!["--trusted-proxy".into(), "127.0.0.0/8".into()],
        ..Default::default()
    });
    let owner = s.owner_session().await;
    let (_, valid) = s
        .mint(
            &owner,
            json!({"name": "busy", "rate_limit": {"per_minute": 1000, "per_hour": 10000}}),
        )
        .await;
    let url = format!("{}/v1/forward-auth?permission=work:read", s.url);
    let send = {
        let (url, valid) = (url.clone(), valid.clone());
        move |client: reqwest::Client, job: Job, secret: String| {
            let (url, valid) = (url.clone(), valid.clone());
            async move {
                // As the proxy forwards them: the attacker's guesses from 203.0.113.66, the
                // legitimate client's requests from 198.51.100.10.
                let (token, xff) = match job {
                    Job::Bogus => (secret, "203.0.113.66"),
                    Job::Valid => (valid, "198.51.100.10"),
                };
                let r = client
                    .get(&url)
                    .bearer_auth(token)
                    .header("x-forwarded-for", xff)
                    .send()
                    .await
                    .expect("forward-auth");
                let status = r.status().as_u16();
                let retry = r.headers().contains_key("retry-after");
                let body: serde_json::Value = r.json().await.unwrap_or_default();
                let code = body["error"]["code"].as_str().unwrap_or("").to_string();
                (
                    status,
                    if status == 429 && !retry {
                        "no retry-after".into()
                    } else {
                        code
                    },
                )
            }
        }
    };
    let started = Instant::now();
    let results = flood(5000, 100, send).await;
    let elapsed = started.elapsed();
    let (ok, t, answered) = tally(
        &results,
        |st, _| st == 204,
        |st, w| st == 429 && w == "rate_limited",
    );
    assert_eq!(ok, 100);
    assert!(
        answered >= 300 && answered <= guess_budget(elapsed),
        "{answered} guesses answered from one address"
    );
    for (job, status, what) in &results {
        if *job == Job::Bogus && *status != 429 {
            assert!(
                *status == 401 && (what == "token_unknown" || what == "token_malformed"),
                "{status} {what}"
            );
        }
    }
    // Even from the throttled address itself, a valid token passes: only guesses are throttled.
    let r = reqwest::Client::new()
        .get(&url)
        .bearer_auth(&valid)
        .header("x-forwarded-for", "203.0.113.66")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    println!(
        "guessing/forward-auth: 5000 bogus secrets from one forwarded address + 100 valid from \
         another → 100/100 allowed, {t} guesses throttled (429), {answered} answered 401"
    );
}

#[tokio::test]
async fn a_gateway_naming_a_fresh_client_ip_per_guess_is_still_throttled() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (_, gateway) = s
        .mint(
            &owner,
            json!({"name": "gateway", "scopes": ["tokens:verify"]}),
        )
        .await;
    let (_, valid) = s
        .mint(
            &owner,
            json!({"name": "busy", "rate_limit": {"per_minute": 1000, "per_hour": 10000}}),
        )
        .await;
    let url = format!("{}/v1/verify", s.url);
    let n = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let send = move |client: reqwest::Client, job: Job, secret: String| {
        let (url, gateway, valid, n) = (url.clone(), gateway.clone(), valid.clone(), n.clone());
        async move {
            // Every guess from an address of its own (as a gateway credential could claim).
            let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let ip = std::net::Ipv4Addr::from(0x0a00_0000 + i).to_string();
            let token = if job == Job::Valid { valid } else { secret };
            let r = client
                .post(&url)
                .bearer_auth(&gateway)
                .json(&json!({"token": token, "client_ip": ip}))
                .send()
                .await
                .expect("verify");
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            let what = match status {
                200 => body["reason"].as_str().unwrap_or("allowed").to_string(),
                _ => body["error"]["code"].as_str().unwrap_or("").to_string(),
            };
            (status, what)
        }
    };
    let started = Instant::now();
    let results = flood(5000, 50, send).await;
    let elapsed = started.elapsed();
    let (ok, t, answered) = tally(
        &results,
        |st, w| st == 200 && w == "allowed",
        |st, w| st == 429 && w == "rate_limited",
    );
    assert_eq!(ok, 50);
    // The caller's budget: 3000 at once, then 50 a second (`VERIFY_CALLER_FAILURE_*`).
    let budget = 3000 + (elapsed.as_secs_f64() * 50.0) as usize + 10;
    assert!(
        answered <= budget,
        "{answered} guesses answered for one gateway naming fresh addresses (budget {budget})"
    );
    println!(
        "guessing/verify: a gateway naming a fresh client_ip for each of 5000 guesses → {answered} \
         answered, {t} throttled; 50/50 valid verifies allowed"
    );
}
