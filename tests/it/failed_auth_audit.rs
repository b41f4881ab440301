//! Failed authentications and the audit log: an outsider's flood of bad bearers writes at most
//! the per-address cap of `auth.failed` rows, every failure over the cap is still accounted for
//! (`"suppressed": n` in the address's next row, and `/metrics`), another address keeps its own
//! rows, and the 401 answers are the same whether a row was written or not.
//!
//! No assertion depends on wall-clock speed: the bound on rows during a burst grows with however
//! long the burst took, and the wait for a suppressed count to be written is a generous
//! deadline for something that must eventually happen.

use crate::common;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use common::{ServerOptions, TestServer};
use serde_json::{Value, json};
use tokctl::api::secret::{self, TokenType};
use tokctl::server::audit::failed_auth_cap::{BURST, INTERVAL};

fn behind_proxy() -> ServerOptions {
    ServerOptions {
        args: vec!["--trusted-proxy".into(), "127.0.0.1/32".into()],
        ..Default::default()
    }
}

/// One request from `from` with `bearer`; returns the status and the error code.
async fn me_from(s: &TestServer, from: &str, bearer: &str) -> (u16, String) {
    let resp = reqwest::Client::new()
        .get(format!("{}/v1/me", s.url))
        .header("x-forwarded-for", from)
        .bearer_auth(bearer)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    let code = body["error"]["code"].as_str().unwrap_or("").to_string();
    (status, code)
}

/// The detail of every `auth.failed` row written for one of these addresses, oldest first.
fn failure_rows(s: &TestServer, ips: &[&str]) -> Vec<Value> {
    let list = ips
        .iter()
        .map(|ip| format!("'{ip}'"))
        .collect::<Vec<_>>()
        .join(", ");
    s.query_texts(&format!(
        "SELECT detail FROM audit_events WHERE action = 'auth.failed' AND ip IN ({list}) ORDER BY id"
    ))
    .iter()
    .map(|d| serde_json::from_str(d).expect("detail is JSON"))
    .collect()
}

/// Failures the rows account for: each row itself plus the ones it says were suppressed.
fn accounted(rows: &[Value]) -> u64 {
    rows.iter()
        .map(|r| 1 + r["suppressed"].as_u64().unwrap_or(0))
        .sum()
}

/// `/metrics` needs `audit:read`: scraped with the owner's credential.
async fn unaudited_total(s: &TestServer, owner: &str) -> u64 {
    let m = s.get("/metrics", owner).await.text;
    m.lines()
        .find_map(|l| l.strip_prefix("tokctl_auth_failures_unaudited_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no unaudited counter in /metrics:\n{m}"))
}

/// The most rows a burst from one budget may write: the burst, plus one per interval the burst
/// lasted, plus one for a refill that landed mid-request.
fn cap_for(elapsed: Duration) -> usize {
    BURST as usize + (elapsed.as_millis() / INTERVAL.as_millis()) as usize + 1
}

/// Sends bad bearers from `ips` in turn until the rows account for every failure sent, so the
/// suppressed count reaches the log. Returns how many more failures that took.
async fn drain(s: &TestServer, ips: &[&str], sent: &mut u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut extra = 0;
    loop {
        let (status, _) = me_from(s, ips[0], "garbage").await;
        assert_eq!(status, 401);
        *sent += 1;
        extra += 1;
        if accounted(&failure_rows(s, ips)) == *sent {
            return extra;
        }
        assert!(
            Instant::now() < deadline,
            "after {extra} more failures the rows still account for {} of {sent}",
            accounted(&failure_rows(s, ips))
        );
        tokio::time::sleep(INTERVAL / 4).await;
    }
}

#[tokio::test]
async fn a_flood_of_bad_bearers_writes_at_most_the_cap_and_accounts_for_the_rest() {
    let s = TestServer::start_with(behind_proxy());
    let owner = s.owner_session().await;
    let (id, revoked) = s.mint(&owner, json!({"name": "gone"})).await;
    let r = s
        .post(&format!("/v1/tokens/{id}/revoke"), &owner, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Malformed, unknown and revoked bearers from one address; the answers never change.
    let attacker = "198.51.100.7";
    let flood = 3 * BURST as u64;
    let started = Instant::now();
    for i in 0..flood {
        let unknown = secret::generate(TokenType::Pat);
        let (bearer, code) = match i % 3 {
            0 => ("not-a-token", "token_malformed"),
            1 => (unknown.expose(), "token_unknown"),
            _ => (revoked.as_str(), "token_revoked"),
        };
        assert_eq!(
            me_from(&s, attacker, bearer).await,
            (401, code.to_string()),
            "failure {i}"
        );
    }
    let elapsed = started.elapsed();
    let rows = failure_rows(&s, &[attacker]);
    assert!(
        rows.len() >= BURST as usize,
        "the first {BURST} failures must all be written: {rows:?}"
    );
    assert!(
        rows.len() <= cap_for(elapsed),
        "{} rows for {flood} failures in {elapsed:?}; the cap allows {}",
        rows.len(),
        cap_for(elapsed)
    );
    let written_in_flood = rows.len();

    // Another address is not starved by the first one's flood.
    let bystander = "203.0.113.9";
    for _ in 0..5 {
        assert_eq!(me_from(&s, bystander, "not-a-token").await.0, 401);
    }
    let theirs = failure_rows(&s, &[bystander]);
    assert_eq!(theirs.len(), 5, "{theirs:?}");
    assert!(theirs.iter().all(|r| r.get("suppressed").is_none()));

    // Once the budget refills, the next row carries what was left out.
    let mut sent = flood;
    let extra = drain(&s, &[attacker], &mut sent).await;
    let rows = failure_rows(&s, &[attacker]);
    let last = rows.last().expect("a row");
    assert!(
        last["suppressed"].as_u64().unwrap_or(0) > 0,
        "the row after the flood must count the failures left out: {last}"
    );
    let suppressed: u64 = rows
        .iter()
        .map(|r| r["suppressed"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(
        unaudited_total(&s, &owner).await,
        suppressed,
        "/metrics and the log disagree"
    );
    println!(
        "failed-auth audit: {flood} failures from one address in {elapsed:?} wrote \
         {written_in_flood} rows (burst {BURST}, then one per {INTERVAL:?}); {} more later \
         wrote a row counting {} suppressed; another address wrote all 5 of its own",
        extra, last["suppressed"]
    );
}

#[tokio::test]
async fn an_ipv6_slash_64_shares_one_cap() {
    let s = TestServer::start_with(behind_proxy());
    let neighbours = ["2001:db8:7:7::1", "2001:db8:7:7::2", "2001:db8:7:7:abcd::3"];
    for ip in neighbours {
        assert!(ip.parse::<IpAddr>().is_ok());
    }
    let flood = 2 * BURST as usize;
    let started = Instant::now();
    for i in 0..flood {
        let from = neighbours[i % neighbours.len()];
        assert_eq!(
            me_from(&s, from, "not-a-token").await,
            (401, "token_malformed".to_string())
        );
    }
    let elapsed = started.elapsed();
    let rows = failure_rows(&s, &neighbours);
    assert!(
        rows.len() <= cap_for(elapsed),
        "{} rows from one /64 for {flood} failures in {elapsed:?}",
        rows.len()
    );
    // The next /64 is another client.
    let other = "2001:db8:7:8::1";
    for _ in 0..5 {
        assert_eq!(me_from(&s, other, "not-a-token").await.0, 401);
    }
    assert_eq!(failure_rows(&s, &[other]).len(), 5);
    println!(
        "failed-auth audit: {flood} failures from 3 addresses of one /64 wrote {} rows; the next \
         /64 wrote all 5 of its own",
        rows.len()
    );
}

/// One login from `from`; returns the status.
async fn login_from(s: &TestServer, from: &str, email: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/v1/sessions", s.url))
        .header("x-forwarded-for", from)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

/// A database serves one org, so a failure that names no credential or account is that org's
/// event: its admins see someone guessing a member's password, an email nobody has, or a
/// token that never existed. Before, such rows had no org and no `tokctl audit` showed them.
#[tokio::test]
async fn failures_that_name_no_credential_are_in_the_orgs_audit_log() {
    let s = TestServer::start_with(behind_proxy());
    let owner = s.owner_session().await;
    s.add_person(&owner, "victim@example.com", "member").await;
    assert_eq!(
        login_from(&s, "10.9.0.1", "victim@example.com", "wrong-password-1").await,
        401
    );
    assert_eq!(
        login_from(&s, "10.9.0.2", "nobody@example.com", "wrong-password-2").await,
        401
    );
    let never_minted = secret::generate(TokenType::Pat);
    assert_eq!(
        me_from(&s, "10.9.0.3", never_minted.expose()).await,
        (401, "token_unknown".to_string())
    );

    let r = s.get("/v1/audit?action=auth.failed", &owner).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["items"].as_array().expect("items");
    let row = |ip: &str| {
        items
            .iter()
            .find(|e| e["ip"] == ip)
            .unwrap_or_else(|| panic!("no auth.failed row from {ip} in {}", r.text))
    };
    assert_eq!(row("10.9.0.1")["target"], "victim@example.com");
    assert_eq!(row("10.9.0.1")["detail"]["reason"], "login_failed");
    assert_eq!(row("10.9.0.2")["target"], "nobody@example.com");
    assert_eq!(row("10.9.0.3")["detail"]["reason"], "unknown");
    assert!(!r.text.contains(never_minted.expose()));

    // The member's own history shows the attempt on their account, and only that one.
    let r = s
        .get(
            "/v1/audit?action=auth.failed&user=victim@example.com",
            &owner,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ips: Vec<&str> = r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["ip"].as_str())
        .collect();
    assert_eq!(ips, ["10.9.0.1"], "{}", r.text);
    println!(
        "failed-auth audit: a wrong password, an unknown email and a never-minted token are all \
         in the org's audit log; the member's filter shows the one on their account"
    );
}

/// Earlier builds wrote those failures with no org; a migration gives them to the org. Run
/// again here on a row written the old way: the migration's record is removed so the restart
/// applies it once more.
#[tokio::test(flavor = "multi_thread")]
async fn a_migration_gives_failures_written_with_no_org_to_the_org() {
    let mut s = TestServer::start_with(behind_proxy());
    s.stop();
    // A recent row: the retention sweep at start would remove an old one.
    let at = chrono::Utc::now().timestamp_micros();
    s.exec_sql(&format!(
        "INSERT INTO audit_events (org_id, at, action, ip, detail) \
         VALUES (NULL, {at}, 'auth.failed', '10.8.0.1', '{{\"reason\":\"unknown\"}}')"
    ));
    let version = if s.is_postgres() { 6 } else { 3 };
    assert_eq!(
        s.exec_sql(&format!(
            "DELETE FROM _sqlx_migrations WHERE version = {version} \
             AND description = 'orgless failures'"
        )),
        1,
        "the migration is not version {version}"
    );
    s.spawn();
    let owner = s.owner_session().await;
    let r = s.get("/v1/audit?action=auth.failed", &owner).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["ip"] == "10.8.0.1"),
        "the old row is not the org's: {}",
        r.text
    );
    assert!(
        s.query_texts("SELECT id FROM audit_events WHERE org_id IS NULL")
            .is_empty()
    );
}
