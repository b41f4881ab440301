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
//! - tokens are looked up by SHA-256 (or HMAC with the pepper) of the secret: the database holds
//!   no secret, and no comparison ever runs on the secret itself.

mod common;

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
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap_or_default();
    Resp {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        text,
    }
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
