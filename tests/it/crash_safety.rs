//! Crash safety: SIGKILL the server in the middle of a concurrent mint/rotate/revoke storm,
//! restart it on the same database, and check that nothing acknowledged was lost:
//!
//! - every secret a client received still works, unless an acknowledged revoke or rotation
//!   retired it (then it fails, and stays failed: no acknowledged revoke is undone);
//! - no token exists without its audit event (`token.mint` / `session.login`), no revoked token
//!   without its revoke event, no rotation without its rotate event — read straight from the
//!   database with sqlx, not through the server;
//! - a request whose answer was lost to the kill may have happened or not, but nothing else.
//!
//! Runs on SQLite always, and on PostgreSQL when `TOKCTL_TEST_DATABASE_URL` is set (skipped,
//! saying so, otherwise). `TOKCTL_CRASH_ROUNDS` / `TOKCTL_CRASH_OPS` scale it.

use crate::common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{ServerOptions, TestServer, env_or};
use serde_json::{Value, json};

const WORKERS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OpKind {
    Mint,
    Rotate,
    Revoke,
}

/// What the clients know about one token.
#[derive(Debug, Clone)]
struct Known {
    id: String,
    /// Every secret received for it, oldest first; the last is the current one.
    secrets: Vec<String>,
    acked_rotations: usize,
    acked_revoke: bool,
    /// An operation on it whose answer was lost to a kill.
    uncertain: Option<OpKind>,
}

#[derive(Default)]
struct Ledger {
    tokens: HashMap<String, Known>,
    /// Mints whose answer was lost: the token may exist, we never saw its secret.
    lost_mints: usize,
}

impl Ledger {
    /// An operation whose outcome is unknown: a mint may have made a token, a rotate or revoke
    /// of `target` may have happened.
    fn lost_answer(&mut self, kind: OpKind, target: Option<&str>) {
        match target {
            None => self.lost_mints += 1,
            Some(id) => {
                if let Some(k) = self.tokens.get_mut(id) {
                    k.uncertain = Some(kind);
                }
            }
        }
    }
}

#[derive(Default)]
struct Counts {
    mints: AtomicUsize,
    rotates: AtomicUsize,
    revokes: AtomicUsize,
    in_flight_at_kill: AtomicUsize,
    /// Answered 503 (nothing decided): neither acknowledged nor lost, counted as uncertain.
    unavailable: AtomicUsize,
}

struct Storm {
    url: String,
    session: String,
    client: reqwest::Client,
    ledger: Mutex<Ledger>,
    counts: Counts,
    /// Acknowledged operations in the current round.
    acked: AtomicUsize,
    stop: AtomicBool,
    names: AtomicUsize,
}

async fn send(storm: &Storm, path: &str, body: Value) -> Result<(u16, Value), reqwest::Error> {
    let resp = storm
        .client
        .post(format!("{}{path}", storm.url))
        .bearer_auth(&storm.session)
        .json(&body)
        .send()
        .await?;
    let status = resp.status().as_u16();
    let body = resp.json::<Value>().await?;
    Ok((status, body))
}

/// One client: mints, rotates and revokes its own tokens until the server dies under it.
async fn worker(storm: Arc<Storm>, seed: u64) {
    let mut rng = seed;
    let mut next = move || {
        // xorshift: deterministic per worker, no extra dependency.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut mine: Vec<String> = Vec::new();
    loop {
        if storm.stop.load(Ordering::Relaxed) {
            return;
        }
        let roll = next() % 100;
        let live: Vec<&String> = mine.iter().collect();
        let (kind, target) = if live.is_empty() || roll < 40 {
            (OpKind::Mint, None)
        } else if roll < 75 {
            (
                OpKind::Rotate,
                Some(live[(next() as usize) % live.len()].clone()),
            )
        } else {
            (
                OpKind::Revoke,
                Some(live[(next() as usize) % live.len()].clone()),
            )
        };
        let result = match (kind, &target) {
            (OpKind::Mint, _) => {
                let n = storm.names.fetch_add(1, Ordering::Relaxed);
                send(
                    &storm,
                    "/v1/tokens",
                    json!({"name": format!("storm-{n}"), "scopes": ["work:read"], "expires": "7d"}),
                )
                .await
            }
            (OpKind::Rotate, Some(id)) => {
                send(&storm, &format!("/v1/tokens/{id}/rotate"), json!({})).await
            }
            (OpKind::Revoke, Some(id)) => {
                send(&storm, &format!("/v1/tokens/{id}/revoke"), json!({})).await
            }
            _ => unreachable!(),
        };
        let mut ledger = storm.ledger.lock().unwrap();
        match result {
            Err(_) => {
                // The server died with this request in flight: its outcome is unknown.
                storm
                    .counts
                    .in_flight_at_kill
                    .fetch_add(1, Ordering::Relaxed);
                ledger.lost_answer(kind, target.as_deref());
                return;
            }
            Ok((503, _)) => {
                // "Nothing was decided" (seen once, right after a restart, from the rate-limit
                // store): treated like a lost answer, the change may or may not exist.
                storm.counts.unavailable.fetch_add(1, Ordering::Relaxed);
                ledger.lost_answer(kind, target.as_deref());
            }
            Ok((status, body)) => {
                match kind {
                    OpKind::Mint => {
                        assert_eq!(status, 201, "mint: {body}");
                        let id = body["token"]["id"].as_str().unwrap().to_string();
                        let secret = body["secret"].as_str().unwrap().to_string();
                        ledger.tokens.insert(
                            id.clone(),
                            Known {
                                id: id.clone(),
                                secrets: vec![secret],
                                acked_rotations: 0,
                                acked_revoke: false,
                                uncertain: None,
                            },
                        );
                        mine.push(id);
                        storm.counts.mints.fetch_add(1, Ordering::Relaxed);
                    }
                    OpKind::Rotate => {
                        assert_eq!(status, 200, "rotate: {body}");
                        let id = target.clone().unwrap();
                        let k = ledger.tokens.get_mut(&id).unwrap();
                        k.secrets.push(body["secret"].as_str().unwrap().to_string());
                        k.acked_rotations += 1;
                        storm.counts.rotates.fetch_add(1, Ordering::Relaxed);
                    }
                    OpKind::Revoke => {
                        assert_eq!(status, 200, "revoke: {body}");
                        let id = target.clone().unwrap();
                        ledger.tokens.get_mut(&id).unwrap().acked_revoke = true;
                        mine.retain(|m| *m != id);
                        storm.counts.revokes.fetch_add(1, Ordering::Relaxed);
                    }
                }
                storm.acked.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// The rows that matter, read from the database file/server directly.
struct DbView {
    /// id → (revoked, kind)
    tokens: HashMap<String, (bool, String)>,
    /// (action, target) → count
    events: HashMap<(String, String), usize>,
}

macro_rules! read_view {
    ($pool:expr) => {{
        let pool = $pool;
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT id, CAST(CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END AS BIGINT), kind FROM tokens",
        )
        .fetch_all(&pool)
        .await
        .expect("read tokens");
        let tokens = rows
            .into_iter()
            .map(|(id, revoked, kind)| (id, (revoked != 0, kind)))
            .collect();
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT action, target FROM audit_events WHERE target IS NOT NULL",
        )
        .fetch_all(&pool)
        .await
        .expect("read audit events");
        let mut events = HashMap::new();
        for r in rows {
            *events.entry(r).or_insert(0) += 1;
        }
        pool.close().await;
        DbView { tokens, events }
    }};
}

fn read_db(database: &str) -> DbView {
    let database = database.to_string();
    common::block_on(async move {
        if database.starts_with("postgres") {
            read_view!(sqlx::PgPool::connect(&database).await.expect("connect"))
        } else {
            let opts = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&database)
                .read_only(true);
            read_view!(
                sqlx::SqlitePool::connect_with(opts)
                    .await
                    .expect("open the SQLite file")
            )
        }
    })
}

impl DbView {
    fn events(&self, action: &str, target: &str) -> usize {
        self.events
            .get(&(action.to_string(), target.to_string()))
            .copied()
            .unwrap_or(0)
    }
}

async fn status_of(client: &reqwest::Client, url: &str, secret: &str) -> (u16, String) {
    let r = client
        .get(format!("{url}/v1/me"))
        .bearer_auth(secret)
        .send()
        .await
        .expect("the restarted server answers");
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_string(),
    )
}

fn run_crash_storm(label: &str, options: ServerOptions) {
    let rounds = env_or("TOKCTL_CRASH_ROUNDS", 5);
    let ops_before_kill = env_or("TOKCTL_CRASH_OPS", 150);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut s = TestServer::start_with(options);
    // The label says what really ran (TOKCTL_TEST_BACKEND=postgres moves the default there too).
    let label = if s.is_postgres() { "postgres" } else { label };
    // Generous session limits, so the storm measures durability, not the rate limiter.
    let session = rt.block_on(async {
        let first = s.owner_session().await;
        let r = s
            .call(
                "PATCH",
                "/v1/org/policy",
                Some(&first),
                Some(json!({"session_rate_limit": "1000000/min,10000000/hour",
                            "default_rate_limit": "1000000/min,10000000/hour"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        s.owner_session().await
    });
    let storm = Arc::new(Storm {
        url: s.url.clone(),
        session: session.clone(),
        client: reqwest::Client::new(),
        ledger: Mutex::new(Ledger::default()),
        counts: Counts::default(),
        acked: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        names: AtomicUsize::new(0),
    });
    let mut storm = storm;
    let mut secrets_checked = 0usize;
    let mut uncertain_seen = 0usize;
    let mut retired: HashSet<String> = HashSet::new();
    for round in 0..rounds {
        // Fresh clients against the (re)started server; the ledger carries over.
        {
            let st = Arc::get_mut(&mut storm).expect("no worker holds the storm between rounds");
            st.url = s.url.clone();
            st.acked.store(0, Ordering::Relaxed);
            st.stop.store(false, Ordering::Relaxed);
            st.client = reqwest::Client::new();
        }
        let handles: Vec<_> = (0..WORKERS)
            .map(|w| {
                rt.spawn(worker(
                    storm.clone(),
                    0x9E37_79B9_7F4A_7C15 ^ ((round * WORKERS + w + 1) as u64) << 7,
                ))
            })
            .collect();
        // Let the storm reach its stride, then kill -9 with requests in flight. Workers that
        // all stopped early (a failed assertion) end the wait: their panic is reported below.
        while storm.acked.load(Ordering::Relaxed) < ops_before_kill
            && !handles.iter().all(|h| h.is_finished())
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        s.kill();
        rt.block_on(async {
            for h in handles {
                h.await.expect("worker panicked");
            }
        });
        storm.stop.store(true, Ordering::Relaxed);

        // The database as the crash left it, read directly.
        let view = read_db(&s.database);
        s.spawn();
        let ledger = storm.ledger.lock().unwrap();
        let client = reqwest::Client::new();
        let url = s.url.clone();
        let mut checks: Vec<(Known, bool)> = Vec::new();
        for k in ledger.tokens.values() {
            if retired.contains(&k.id) {
                continue;
            }
            checks.push((k.clone(), view.tokens.contains_key(&k.id)));
        }
        let lost_mints = ledger.lost_mints;
        let known_ids: HashSet<String> = ledger.tokens.keys().cloned().collect();
        drop(ledger);

        for (k, in_db) in &checks {
            assert!(in_db, "acknowledged mint of {} lost in the crash", k.id);
            let (revoked_in_db, _) = view.tokens[&k.id];
            let rotate_events = view.events("token.rotate", &k.id);
            assert_eq!(
                view.events("token.mint", &k.id),
                1,
                "token {} has no mint event",
                k.id
            );
            let current = k.secrets.last().unwrap();
            let (status, code) = rt.block_on(status_of(&client, &url, current));
            secrets_checked += 1;
            // Older secrets were retired by acknowledged rotations: they stay dead.
            for old in &k.secrets[..k.secrets.len() - 1] {
                let (st, _) = rt.block_on(status_of(&client, &url, old));
                secrets_checked += 1;
                assert_eq!(
                    st, 401,
                    "a secret retired by an acknowledged rotation of {} works again",
                    k.id
                );
            }
            if k.acked_revoke {
                assert!(revoked_in_db, "acknowledged revoke of {} undone", k.id);
                assert_eq!(status, 401, "revoked {} works after the crash", k.id);
                assert_eq!(code, "token_revoked");
                assert!(
                    view.events("token.revoke", &k.id) >= 1,
                    "no revoke event for {}",
                    k.id
                );
            } else {
                match k.uncertain {
                    None => {
                        assert_eq!(
                            (status, code.as_str()),
                            (200, ""),
                            "secret of {} lost in the crash",
                            k.id
                        );
                        assert!(!revoked_in_db);
                    }
                    Some(OpKind::Revoke) => {
                        // Either it happened (and is recorded) or it did not.
                        assert!(
                            status == 200 || code == "token_revoked",
                            "{}: {status} {code}",
                            k.id
                        );
                        assert_eq!(revoked_in_db, status == 401);
                        if revoked_in_db {
                            assert!(view.events("token.revoke", &k.id) >= 1);
                        }
                    }
                    Some(OpKind::Rotate) => {
                        // Either the rotation happened (our current secret is unknown now and
                        // the event is there) or not.
                        assert!(
                            status == 200 || code == "token_unknown",
                            "{}: {status} {code}",
                            k.id
                        );
                        let expect_events = k.acked_rotations + usize::from(status == 401);
                        assert_eq!(rotate_events, expect_events, "rotate events of {}", k.id);
                    }
                    Some(OpKind::Mint) => unreachable!(),
                }
                if k.uncertain != Some(OpKind::Rotate) {
                    assert_eq!(
                        rotate_events, k.acked_rotations,
                        "rotate events of {} do not match its rotations",
                        k.id
                    );
                }
            }
            if k.uncertain.is_some() {
                uncertain_seen += 1;
            }
            // A token whose last operation was lost is settled now; it is not checked again
            // (acknowledged revokes are: they must stay revoked across every later crash).
            if k.uncertain.is_some() {
                retired.insert(k.id.clone());
            }
        }
        // Every token row in the database has its audit event, the storm's and any other.
        for (id, (revoked, kind)) in &view.tokens {
            let created = if kind == "ses" {
                "session.login"
            } else {
                "token.mint"
            };
            assert!(
                view.events(created, id) >= 1,
                "token {id} exists without its {created} event"
            );
            if *revoked {
                assert!(
                    view.events("token.revoke", id) + view.events("session.logout", id) >= 1,
                    "token {id} is revoked without a revoke event"
                );
            }
        }
        // Tokens the clients never heard of can only be mints whose answer the kill ate.
        let strangers = view
            .tokens
            .iter()
            .filter(|(id, (_, kind))| kind != "ses" && !known_ids.contains(*id))
            .count();
        assert!(
            strangers <= lost_mints,
            "{strangers} unknown tokens but only {lost_mints} mints were in flight at kills"
        );
        // Tokens whose fate is settled get no more operations in the next round.
        let mut ledger = storm.ledger.lock().unwrap();
        for k in ledger.tokens.values_mut() {
            k.uncertain = None;
        }
        drop(ledger);
        // The workers of this round are gone; a fresh session for the next (the old one lives).
        assert_eq!(rt.block_on(status_of(&client, &url, &session)).0, 200);
    }
    let c = &storm.counts;
    println!(
        "crash safety ({label}): {rounds} kill -9s mid-storm with {WORKERS} concurrent clients; \
         acknowledged: {} mints, {} rotations, {} revokes; {} requests in flight at the kills \
         ({} on known tokens, settled either way); {} answered 503; {secrets_checked} secrets \
         checked after restarts: every acknowledged change survived, every token has its audit \
         events",
        c.mints.load(Ordering::Relaxed),
        c.rotates.load(Ordering::Relaxed),
        c.revokes.load(Ordering::Relaxed),
        c.in_flight_at_kill.load(Ordering::Relaxed),
        uncertain_seen,
        c.unavailable.load(Ordering::Relaxed),
    );
    // A 503 is allowed but not yet explained: print the server's own reason for each one so a
    // CI log shows it (the limiter logs the underlying database error).
    for line in s.log_text().lines().filter(|l| l.contains("unavailable")) {
        println!("crash safety ({label}): server said: {line}");
    }
}

#[test]
fn kill_9_mid_storm_loses_nothing_acknowledged_on_sqlite() {
    run_crash_storm("sqlite", ServerOptions::default());
}

#[test]
fn kill_9_mid_storm_loses_nothing_acknowledged_on_postgres() {
    let Some(admin) =
        common::postgres_url("kill_9_mid_storm_loses_nothing_acknowledged_on_postgres")
    else {
        return;
    };
    let url = common::create_pg_database(&admin);
    struct DropDb(String, String);
    impl Drop for DropDb {
        fn drop(&mut self) {
            common::drop_pg_database(&self.0, &self.1);
        }
    }
    let _guard = DropDb(admin, url.clone());
    run_crash_storm(
        "postgres",
        ServerOptions {
            database: Some(url),
            ..Default::default()
        },
    );
}
