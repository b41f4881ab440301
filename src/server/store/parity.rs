//! The backends agree: random sequences of store operations (mint, child mint, revoke with its
//! cascade, leak report, rotate with and without grace, credential lookups by current and
//! previous secret with their chains, list pages, audit events) applied to a SQLite store and a
//! PostgreSQL store give the same result at every step.
//! Skipped without `TOKCTL_TEST_DATABASE_URL`; `TOKCTL_PARITY_CASES` sets the number of
//! sequences (default 8: each runs against a real database).
//!
//! The same sequences compare a SQLite store that serves (its credential cache on, lookups
//! answered from it as the hot path answers them) with one that reads every lookup from the
//! file: the cache never answers what the database would not.

use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::{
    Cursor, Database, LeakPlace, NewEvent, NewToken, NewUser, Rotation, Store, StoreError,
    StoreResult, TokenFilter,
};
use crate::api::perms::Role;
use crate::api::secret::TokenType;
use crate::api::types::{OrgPolicy, RateLimit, TokenStatus};

#[derive(Debug, Clone)]
enum Op {
    Mint { name: u8, expires: bool },
    MintChild { parent: u8, name: u8, expires: bool },
    Revoke(u8),
    Leak { token: u8, previous: bool },
    Rotate { token: u8, grace: bool },
    Lookup { token: u8, previous: bool },
    List { limit: u8, status: Option<u8> },
    Event,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..4, any::<bool>()).prop_map(|(name, expires)| Op::Mint { name, expires }),
        2 => (0u8..8, 0u8..4, any::<bool>())
            .prop_map(|(parent, name, expires)| Op::MintChild { parent, name, expires }),
        1 => (0u8..8).prop_map(Op::Revoke),
        1 => (0u8..8, any::<bool>()).prop_map(|(token, previous)| Op::Leak { token, previous }),
        1 => (0u8..8, any::<bool>()).prop_map(|(token, grace)| Op::Rotate { token, grace }),
        2 => (0u8..8, any::<bool>()).prop_map(|(token, previous)| Op::Lookup { token, previous }),
        1 => (1u8..4, proptest::option::of(0u8..3)).prop_map(|(limit, status)| Op::List { limit, status }),
        1 => Just(Op::Event),
    ]
}

/// A token the sequence minted: its id and the hashes of its secrets, newest last.
struct Minted {
    id: String,
    hashes: Vec<String>,
    depth: u32,
}

/// What a step returned, as text to compare: results in full, errors by kind (their messages
/// are each database's own).
fn shown<T: std::fmt::Debug>(r: StoreResult<T>) -> String {
    match r {
        Ok(v) => format!("{v:?}"),
        Err(StoreError::Conflict(_)) => "conflict".into(),
        Err(StoreError::NotFound) => "not found".into(),
        Err(StoreError::ParentEnded) => "parent ended".into(),
        Err(e) => panic!("the store failed: {e}"),
    }
}

fn event(org_id: i64, at: DateTime<Utc>, action: &'static str) -> NewEvent {
    NewEvent {
        org_id,
        at,
        action,
        actor: Some("owner@example.com".into()),
        actor_user_id: None,
        credential_id: None,
        target: None,
        ip: None,
        detail: serde_json::json!({}),
        root_id: None,
    }
}

/// The one org of `db` (a database holds one), created on first use.
async fn the_org(db: &Database) -> i64 {
    if let Some(id) = db.the_org().await.expect("the org") {
        return id;
    }
    let owner = NewUser {
        org_id: 0,
        email: Some("owner@example.com".into()),
        name: "owner@example.com".into(),
        role: Role::Owner,
        service: false,
        password_hash: None,
        created_at: Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(),
    };
    let org = db.create_org("acme", owner, &OrgPolicy::default()).await;
    org.expect("create org").id
}

/// Applies `ops` to `db` as a member of its own (`case` names it); returns every step's result.
async fn run(db: &Database, case: usize, ops: &[Op]) -> Vec<String> {
    // Times from a fixed origin, one second a step: the same on both sides.
    let t0 = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    let org_id = the_org(db).await;
    let member = NewUser {
        org_id,
        email: Some(format!("member{case}@example.com")),
        name: format!("member{case}@example.com"),
        role: Role::Admin,
        service: false,
        password_hash: None,
        created_at: t0,
    };
    let user = db
        .add_member(member, event(org_id, t0, "user.add"))
        .await
        .expect("add member");
    let mut minted: Vec<Minted> = Vec::new();
    let mut out = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let now = t0 + Duration::seconds(i as i64 + 1);
        let pick = |n: u8| (!minted.is_empty()).then(|| n as usize % minted.len());
        let step = match op {
            Op::Mint { name, expires } => {
                let parent = None;
                mint(
                    db,
                    &mut minted,
                    (case, i, org_id, user.id, now),
                    *name,
                    *expires,
                    parent,
                )
                .await
            }
            Op::MintChild {
                parent,
                name,
                expires,
            } => match pick(*parent) {
                Some(k) => {
                    let parent = Some((minted[k].id.clone(), minted[k].depth + 1));
                    mint(
                        db,
                        &mut minted,
                        (case, i, org_id, user.id, now),
                        *name,
                        *expires,
                        parent,
                    )
                    .await
                }
                None => "no parent".into(),
            },
            Op::Leak { token, previous } => match pick(*token) {
                Some(k) => {
                    let hashes = &minted[k].hashes;
                    let hash = match previous {
                        true if hashes.len() > 1 => &hashes[hashes.len() - 2],
                        _ => &hashes[hashes.len() - 1],
                    };
                    let place = LeakPlace {
                        url: Some(format!("https://paste.example/{i}")),
                        source: None,
                    };
                    shown(
                        db.revoke_leaked(hash, now, &place, event(org_id, now, "token.leaked"))
                            .await,
                    )
                }
                None => "nothing to leak".into(),
            },
            Op::Revoke(n) => match pick(*n) {
                Some(k) => shown(
                    db.revoke_token(&minted[k].id, now, None, event(org_id, now, "token.revoke"))
                        .await,
                ),
                None => "nothing to revoke".into(),
            },
            Op::Rotate { token, grace } => match pick(*token) {
                Some(k) => {
                    let hash = format!("hash-{case}-{i}");
                    let rotation = Rotation {
                        token_id: minted[k].id.clone(),
                        new_hash: hash.clone(),
                        issued_at: now,
                        expires_at: None,
                        grace_until: grace.then(|| now + Duration::seconds(2)),
                    };
                    let r = db
                        .rotate_token(rotation, event(org_id, now, "token.rotate"))
                        .await;
                    if r.is_ok() {
                        minted[k].hashes.push(hash);
                    }
                    shown(r)
                }
                None => "nothing to rotate".into(),
            },
            Op::Lookup { token, previous } => match pick(*token) {
                Some(k) => {
                    let hashes = &minted[k].hashes;
                    let hash = match previous {
                        true if hashes.len() > 1 => &hashes[hashes.len() - 2],
                        _ => &hashes[hashes.len() - 1],
                    };
                    // As the hot path finds it: a previous secret past its grace is unknown
                    // however it was found (a cache may still hold it; auth refuses it).
                    let found = super::credential(db, hash, now, Instant::now()).await;
                    shown(found.map(|c| c.filter(|c| !c.previous_secret_lapsed(now))))
                }
                None => "nothing to look up".into(),
            },
            Op::List { limit, status } => {
                let filter = TokenFilter {
                    org_id,
                    user_id: Some(user.id),
                    status: status.map(|s| {
                        [
                            TokenStatus::Active,
                            TokenStatus::Revoked,
                            TokenStatus::Expired,
                        ][s as usize]
                    }),
                    kind: None,
                    include_sessions: false,
                    expiring_before: None,
                    unused_since: None,
                    now,
                };
                // Every page, following the cursor.
                let mut pages = Vec::new();
                let mut cursor: Option<Cursor> = None;
                loop {
                    let page = db
                        .list_tokens(&filter, cursor.as_ref(), u32::from(*limit))
                        .await
                        .expect("list");
                    pages.push(format!("{page:?}"));
                    match page.last() {
                        Some(last) if page.len() == usize::from(*limit) => {
                            cursor = Some(Cursor {
                                created_at: last.created_at,
                                id: last.id.clone(),
                            })
                        }
                        _ => break,
                    }
                }
                pages.join("\n")
            }
            Op::Event => shown(db.record_event(event(org_id, now, "org.policy")).await),
        };
        out.push(format!("{i} {op:?}: {step}"));
    }
    out
}

/// Mints a token (a child of `parent`, with its depth, when given) and remembers it; what the
/// store answered, as [`shown`] writes it. `at` is (case, step, org, owner, now).
async fn mint(
    db: &Database,
    minted: &mut Vec<Minted>,
    (case, i, org_id, user_id, now): (usize, usize, i64, i64, DateTime<Utc>),
    name: u8,
    expires: bool,
    parent: Option<(String, u32)>,
) -> String {
    let id = format!("tk_c{case}s{i}");
    let hash = format!("hash-{case}-{i}");
    let depth = parent.as_ref().map_or(0, |(_, d)| *d);
    let token = NewToken {
        id: id.clone(),
        org_id,
        user_id,
        name: format!("t{name}"),
        kind: TokenType::Pat,
        scopes: vec![],
        secret_hash: hash.clone(),
        created_at: now,
        expires_at: expires.then(|| now + Duration::seconds(3)),
        rate_limit: RateLimit {
            per_minute: 60,
            per_hour: 600,
        },
        allowed_cidrs: vec![],
        description: None,
        created_by: Some(user_id),
        unique_name: true,
        parent,
        audience: vec![],
        via: None,
    };
    let r = db
        .insert_token(token, event(org_id, now, "token.mint"))
        .await;
    if r.is_ok() {
        minted.push(Minted {
            id,
            hashes: vec![hash],
            depth,
        });
    }
    shown(r)
}

/// A fresh PostgreSQL database on the server `admin` names; returns its URL.
pub(super) async fn fresh_pg(admin: &str) -> String {
    use sqlx::Executor;
    let name = format!(
        "tokctl_parity_{}",
        crate::api::secret::random_base62(10).to_lowercase()
    );
    let pool = sqlx::PgPool::connect(admin).await.expect("PostgreSQL");
    pool.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create database");
    pool.close().await;
    let (base, _) = admin.rsplit_once('/').expect("a database URL");
    format!("{base}/{name}")
}

/// A fresh PostgreSQL database migrated as a server's, for a store test: the admin URL, the
/// database's URL and a pool on it (drop it with [`drop_pg`]). None, and a line saying `test`
/// was skipped, without `TOKCTL_TEST_DATABASE_URL`.
pub(super) async fn migrated_pg(test: &str) -> Option<(String, String, sqlx::PgPool)> {
    let Some(admin) = std::env::var("TOKCTL_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED {test}: no TOKCTL_TEST_DATABASE_URL");
        return None;
    };
    let url = fresh_pg(&admin).await;
    let pool = sqlx::PgPool::connect(&url).await.expect("PostgreSQL");
    sqlx::migrate!("migrations/postgres")
        .run(&pool)
        .await
        .expect("migrations");
    Some((admin, url, pool))
}

pub(super) async fn drop_pg(admin: &str, url: &str) {
    use sqlx::Executor;
    let name = url.rsplit('/').next().unwrap_or_default();
    if let Ok(pool) = sqlx::PgPool::connect(admin).await {
        let _ = pool
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .await;
        pool.close().await;
    }
}

#[test]
fn sqlite_and_postgres_agree_on_every_step() {
    let Some(admin) = std::env::var("TOKCTL_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED sqlite_and_postgres_agree_on_every_step: no TOKCTL_TEST_DATABASE_URL");
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pg_url = rt.block_on(fresh_pg(&admin));
    let sqlite_path = dir.path().join("parity.db").display().to_string();
    let (sqlite, pg) = rt.block_on(async {
        (
            Database::open(&sqlite_path).await.expect("SQLite"),
            Database::open(&pg_url).await.expect("PostgreSQL"),
        )
    });
    let cases = std::env::var("TOKCTL_PARITY_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(8);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let case = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&proptest::collection::vec(op(), 1..24), |ops| {
        // Every case (shrinking included) in an org of its own.
        let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (a, b) = rt.block_on(async { (run(&sqlite, n, &ops).await, run(&pg, n, &ops).await) });
        prop_assert_eq!(a, b);
        Ok(())
    });
    rt.block_on(async {
        sqlite.close().await;
        pg.close().await;
        drop_pg(&admin, &pg_url).await;
    });
    result.unwrap();
}

#[test]
fn a_serving_sqlite_store_answers_from_its_cache_what_the_file_says() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let (serving, reading) = rt.block_on(async {
        (
            Database::open(&path("serving.db")).await.expect("SQLite"),
            Database::open(&path("reading.db")).await.expect("SQLite"),
        )
    });
    serving.claim_for_serving().expect("the lock");
    let cases = std::env::var("TOKCTL_PARITY_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let case = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&proptest::collection::vec(op(), 1..24), |ops| {
        let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Each lookup twice: the second is answered from the cache the first filled.
        let ops: Vec<Op> = ops
            .into_iter()
            .flat_map(|op| match op {
                Op::Lookup { .. } => vec![op.clone(), op],
                op => vec![op],
            })
            .collect();
        let (a, b) =
            rt.block_on(async { (run(&serving, n, &ops).await, run(&reading, n, &ops).await) });
        prop_assert_eq!(a, b);
        Ok(())
    });
    rt.block_on(async {
        serving.close().await;
        reading.close().await;
    });
    result.unwrap();
}
