//! Rate limits that hold across replicas: the GCRA state of each token in PostgreSQL.
//!
//! Checks are coalesced: all checks in flight on this replica are decided together (see
//! [`Coalescer`]), by the shared [`super::ratelimit::gcra_step`] applied to each token's checks
//! one after another, at the database's clock (every replica judges by the same clock). A batch
//! costs two round trips and holds no lock between them:
//! 1. read the rows of the batch's tokens and the clock;
//! 2. write back the rows that moved, each only if it still holds what step 1 read (compare
//!    and set); a row another replica changed in between is read and decided again.
//!
//! A token that keeps losing that race (many replicas hammering it) is decided under row locks
//! instead (an upsert that locks its rows in key order, so replicas never deadlock), which
//! always makes progress. Either way N/min means N in total across replicas, and the `N + 1`-th
//! request is refused exactly; but a hot token costs two round trips per batch, not a locked
//! transaction per request.
//!
//! Counter writes commit asynchronously (`synchronous_commit = off` on this limiter's own
//! connections): they are soft state, and a crash can only forget a few counted requests.
//! Revocations and every other write keep synchronous commits.
//!
//! When PostgreSQL cannot answer, every check of the batch fails and its request is refused
//! with 503, never allowed.

use std::time::Duration;

use sqlx::postgres::{PgExecutor, PgPool, PgPoolOptions, PgRow};
use sqlx::{Executor, Row};

use super::coalesce::Coalescer;
use super::ratelimit::{
    Batches, ByKey, Cell, Check, Decision, Entry, LimiterError, apply_in_order, by_key, check_in,
};
use crate::api::types::RateLimit;

/// Checks beyond this wait for the next batch (bounds one statement's size).
const MAX_BATCH: usize = 512;
/// Compare-and-set rounds before the remaining tokens are decided under row locks.
pub const OPTIMISTIC_ROUNDS: usize = 3;

pub struct PgLimiter {
    pool: PgPool,
    batches: Batches,
}

fn unavailable(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn cell(row: &PgRow, tat: &str, limit: &str) -> Result<Cell, String> {
    let tat: String = row.try_get(tat).map_err(unavailable)?;
    let limit: i64 = row.try_get(limit).map_err(unavailable)?;
    Ok(Cell {
        tat: tat
            .parse()
            .map_err(|_| "corrupt rate-limit row".to_string())?,
        limit: u32::try_from(limit).unwrap_or(u32::MAX),
    })
}

/// A token's row as read: None when it has none yet (the same as fully refilled).
fn entry(row: &PgRow) -> Result<Option<Entry>, String> {
    let present: Option<String> = row.try_get("minute_tat").map_err(unavailable)?;
    if present.is_none() {
        return Ok(None);
    }
    Ok(Some(Entry {
        minute: cell(row, "minute_tat", "minute_limit")?,
        hour: cell(row, "hour_tat", "hour_limit")?,
    }))
}

fn clock(row: &PgRow) -> Result<(Duration, i64), String> {
    let now_us: i64 = row.try_get("now_us").map_err(unavailable)?;
    Ok((
        Duration::from_micros(u64::try_from(now_us).unwrap_or(0)),
        now_us,
    ))
}

impl PgLimiter {
    /// A limiter on the store's database, with connections of its own (asynchronous commits)
    /// and a worker on the current tokio runtime. `optimistic_rounds` compare-and-set rounds
    /// are tried before row locks ([`OPTIMISTIC_ROUNDS`]; 0 always locks).
    pub fn new(store_pool: &PgPool, optimistic_rounds: usize) -> Self {
        let pool = PgPoolOptions::new()
            .max_connections(2)
            // Fail fast when the database is down: requests answer 503 instead of hanging.
            .acquire_timeout(Duration::from_secs(3))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("SET synchronous_commit TO OFF").await?;
                    Ok(())
                })
            })
            .connect_lazy_with((*store_pool.connect_options()).clone());
        let worker_pool = pool.clone();
        let batches = Coalescer::spawn(MAX_BATCH, move |checks: Vec<Check>| {
            let pool = worker_pool.clone();
            async move { decide_batch(&pool, &checks, optimistic_rounds).await }
        });
        PgLimiter { pool, batches }
    }

    /// Checks one request of `key`; consumes it when allowed and `consume` is set.
    pub async fn check(
        &self,
        key: &str,
        limits: RateLimit,
        consume: bool,
    ) -> Result<Decision, LimiterError> {
        check_in(&self.batches, key, limits, consume).await
    }

    /// Deletes rows untouched for over an hour: fully refilled, the same as no row. Rows a
    /// locked batch holds are skipped (they are in use), so the sweep never waits on or
    /// deadlocks with a check.
    pub async fn sweep(&self) -> Result<u64, LimiterError> {
        let done = sqlx::query(
            "DELETE FROM rate_limits WHERE token_id IN (SELECT token_id FROM rate_limits \
             WHERE updated_at < (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT - 3600000000 \
             FOR UPDATE SKIP LOCKED)",
        )
        .execute(&self.pool)
        .await
        .map_err(|e| LimiterError::Unavailable(e.to_string()))?;
        Ok(done.rows_affected())
    }
}

/// A row that moved: its key, what was read (None: no row), what to write, and when.
struct Move<'a> {
    key: &'a str,
    read: Option<Entry>,
    next: Entry,
    at_us: i64,
}

/// Decides each token's checks on its row as read; the rows that moved.
fn decide_rows<'a>(
    rows: &[PgRow],
    checks: &[Check],
    pending: &ByKey<'a>,
    decisions: &mut [Option<Decision>],
) -> Result<Vec<Move<'a>>, String> {
    let mut moves = Vec::new();
    for row in rows {
        let key: String = row.try_get("token_id").map_err(unavailable)?;
        let Some((&key, indices)) = pending.get_key_value(key.as_str()) else {
            continue;
        };
        let read = entry(row)?;
        let (now, at_us) = clock(row)?;
        if let Some(next) = apply_in_order(checks, indices, read, now, decisions) {
            moves.push(Move {
                key,
                read,
                next,
                at_us,
            });
        }
    }
    Ok(moves)
}

/// Decides a batch; the decisions in the order of `checks`.
async fn decide_batch(
    pool: &PgPool,
    checks: &[Check],
    optimistic_rounds: usize,
) -> Result<Vec<Decision>, String> {
    let mut pending = by_key(checks);
    let mut decisions: Vec<Option<Decision>> = vec![None; checks.len()];
    for _ in 0..optimistic_rounds {
        if pending.is_empty() {
            break;
        }
        let lost = optimistic_round(pool, checks, &pending, &mut decisions).await?;
        pending.retain(|k, _| lost.iter().any(|l| l == k));
    }
    if !pending.is_empty() {
        locked_round(pool, checks, &pending, &mut decisions).await?;
    }
    decisions
        .into_iter()
        .map(|d| d.ok_or_else(|| "a rate-limit check went undecided".to_string()))
        .collect()
}

/// Reads, decides, and compare-and-sets. Returns the keys whose rows another replica changed
/// in between (their decisions are to be made again).
async fn optimistic_round(
    pool: &PgPool,
    checks: &[Check],
    pending: &ByKey<'_>,
    decisions: &mut [Option<Decision>],
) -> Result<Vec<String>, String> {
    let keys: Vec<&str> = pending.keys().copied().collect();
    let rows = sqlx::query(
        "SELECT b.k AS token_id, r.minute_tat, r.minute_limit, r.hour_tat, r.hour_limit, \
           (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT AS now_us \
         FROM UNNEST($1::TEXT[]) AS b(k) LEFT JOIN rate_limits r ON r.token_id = b.k",
    )
    .bind(&keys)
    .fetch_all(pool)
    .await
    .map_err(unavailable)?;
    let moves = decide_rows(&rows, checks, pending, decisions)?;
    if moves.is_empty() {
        return Ok(Vec::new());
    }
    let written = compare_and_set(pool, &moves).await?;
    Ok(moves
        .iter()
        .filter(|m| !written.iter().any(|w| w == m.key))
        .map(|m| m.key.to_string())
        .collect())
}

/// Writes each moved row only if it still holds what was read; the keys written.
async fn compare_and_set<'c>(
    db: impl PgExecutor<'c>,
    moves: &[Move<'_>],
) -> Result<Vec<String>, String> {
    let col = |f: &dyn Fn(&Move) -> Option<String>| -> Vec<Option<String>> {
        moves.iter().map(f).collect()
    };
    let lim =
        |f: &dyn Fn(&Move) -> Option<i64>| -> Vec<Option<i64>> { moves.iter().map(f).collect() };
    let keys: Vec<&str> = moves.iter().map(|m| m.key).collect();
    let at: Vec<i64> = moves.iter().map(|m| m.at_us).collect();
    sqlx::query_scalar(
        "WITH b AS (SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[], \
           $5::BIGINT[], $6::TEXT[], $7::BIGINT[], $8::TEXT[], $9::BIGINT[], $10::BIGINT[]) \
           AS b(k, old_mt, old_ml, old_ht, old_hl, mt, ml, ht, hl, at)), \
         updated AS (UPDATE rate_limits r SET minute_tat = b.mt, minute_limit = b.ml, \
             hour_tat = b.ht, hour_limit = b.hl, updated_at = b.at \
           FROM b WHERE r.token_id = b.k AND b.old_mt IS NOT NULL \
             AND r.minute_tat = b.old_mt AND r.minute_limit = b.old_ml \
             AND r.hour_tat = b.old_ht AND r.hour_limit = b.old_hl \
           RETURNING r.token_id), \
         created AS (INSERT INTO rate_limits (token_id, minute_tat, minute_limit, hour_tat, \
             hour_limit, updated_at) \
           SELECT k, mt, ml, ht, hl, at FROM b WHERE old_mt IS NULL \
           ON CONFLICT (token_id) DO NOTHING RETURNING token_id) \
         SELECT token_id FROM updated UNION ALL SELECT token_id FROM created",
    )
    .bind(&keys)
    .bind(col(&|m| m.read.map(|e| e.minute.tat.to_string())))
    .bind(lim(&|m| m.read.map(|e| i64::from(e.minute.limit))))
    .bind(col(&|m| m.read.map(|e| e.hour.tat.to_string())))
    .bind(lim(&|m| m.read.map(|e| i64::from(e.hour.limit))))
    .bind(col(&|m| Some(m.next.minute.tat.to_string())))
    .bind(lim(&|m| Some(i64::from(m.next.minute.limit))))
    .bind(col(&|m| Some(m.next.hour.tat.to_string())))
    .bind(lim(&|m| Some(i64::from(m.next.hour.limit))))
    .bind(&at)
    .fetch_all(db)
    .await
    .map_err(unavailable)
}

/// Decides the given tokens under row locks: one transaction that creates missing rows and
/// locks every row, in key order, then writes back the rows that moved.
async fn locked_round(
    pool: &PgPool,
    checks: &[Check],
    pending: &ByKey<'_>,
    decisions: &mut [Option<Decision>],
) -> Result<(), String> {
    let keys: Vec<&str> = pending.keys().copied().collect();
    let mut tx = pool.begin().await.map_err(unavailable)?;
    // A fresh row holds TAT 0, which GCRA reads as "fully refilled", like no row at all.
    let rows = sqlx::query(
        "INSERT INTO rate_limits (token_id, minute_tat, minute_limit, hour_tat, hour_limit, updated_at) \
         SELECT k, '0', 0, '0', 0, 0 FROM UNNEST($1::TEXT[]) AS b(k) ORDER BY k \
         ON CONFLICT (token_id) DO UPDATE SET token_id = EXCLUDED.token_id \
         RETURNING token_id, minute_tat, minute_limit, hour_tat, hour_limit, \
           (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT AS now_us",
    )
    .bind(&keys)
    .fetch_all(&mut *tx)
    .await
    .map_err(unavailable)?;
    let moves = decide_rows(&rows, checks, pending, decisions)?;
    if !moves.is_empty() {
        // The rows are locked: compare-and-set cannot lose here.
        compare_and_set(&mut *tx, &moves).await?;
    }
    tx.commit().await.map_err(unavailable)
}
