//! Rate limits that hold across replicas: the GCRA state of each token in PostgreSQL.
//!
//! Checks are coalesced: all checks in flight on this replica run as one transaction (see
//! [`Coalescer`]). It upserts and locks the row of every token in the batch (in key order, so
//! replicas never deadlock), reads the database's clock (every replica judges by the same
//! clock), applies the batch's checks of each token one after another with the shared
//! [`gcra_step`], and writes back the rows that moved. Two replicas checking one token still
//! serialize on its row, so N/min means N in total and the `N + 1`-th is refused exactly; but
//! a hot token costs one transaction per batch, not one per request.
//!
//! When PostgreSQL cannot answer, every check of the batch fails and its request is refused
//! with 503, never allowed.

use std::collections::BTreeMap;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgRow};
use sqlx::{Postgres, Row, Transaction};

use super::coalesce::{Coalescer, WorkerGone};
use super::ratelimit::{Cell, Decision, Entry, LimiterError, gcra_step};
use crate::api::types::RateLimit;

/// Checks beyond this wait for the next batch (bounds one transaction's size).
const MAX_BATCH: usize = 512;

struct Check {
    key: String,
    limits: RateLimit,
    consume: bool,
}

pub struct PgLimiter {
    pool: PgPool,
    batches: Coalescer<Check, Decision, String>,
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

impl PgLimiter {
    /// Spawns the batch worker on the current tokio runtime.
    pub fn new(pool: PgPool) -> Self {
        let worker_pool = pool.clone();
        let batches = Coalescer::spawn(MAX_BATCH, move |checks: Vec<Check>| {
            let pool = worker_pool.clone();
            async move { run_batch(&pool, &checks).await }
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
        let check = Check {
            key: key.to_string(),
            limits,
            consume,
        };
        match self.batches.call(check).await {
            Ok(answer) => answer.map_err(LimiterError::Unavailable),
            Err(WorkerGone) => Err(LimiterError::Unavailable(
                "the rate-limit worker stopped".into(),
            )),
        }
    }

    /// Deletes rows untouched for over an hour: fully refilled, the same as no row. Rows a
    /// batch holds are skipped (they are in use), so the sweep never waits on or deadlocks
    /// with a check.
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

/// One transaction for a batch of checks; the decisions in the order of `checks`.
async fn run_batch(pool: &PgPool, checks: &[Check]) -> Result<Vec<Decision>, String> {
    // Each token's checks, in arrival order, under its key (sorted: the locking order).
    let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in checks.iter().enumerate() {
        by_key.entry(c.key.as_str()).or_default().push(i);
    }
    // Counters are soft state: this transaction need not wait for its WAL flush (a crash can
    // only forget a few counted requests). Revocations and every other write keep synchronous
    // commits. One round trip for both statements.
    let mut tx = pool
        .begin_with("BEGIN; SET LOCAL synchronous_commit TO OFF")
        .await
        .map_err(unavailable)?;
    let rows = lock_rows(&mut tx, checks, &by_key).await?;
    let mut decisions: Vec<Option<Decision>> = vec![None; checks.len()];
    let mut moved = Vec::new();
    for row in &rows {
        let key: String = row.try_get("token_id").map_err(unavailable)?;
        let Some(indices) = by_key.get(key.as_str()) else {
            continue;
        };
        let now_us: i64 = row.try_get("now_us").map_err(unavailable)?;
        let now = Duration::from_micros(u64::try_from(now_us).unwrap_or(0));
        // A fresh row holds TAT 0, which GCRA reads as "fully refilled", like no row at all.
        let mut entry = Entry {
            minute: cell(row, "minute_tat", "minute_limit")?,
            hour: cell(row, "hour_tat", "hour_limit")?,
        };
        let mut changed = false;
        for &i in indices {
            let c = &checks[i];
            let (decision, next) = gcra_step(Some(entry), c.limits, now, c.consume);
            if let Some(e) = next {
                entry = e;
                changed = true;
            }
            decisions[i] = Some(decision);
        }
        if changed {
            moved.push((key, entry, now_us));
        }
    }
    if !moved.is_empty() {
        write_back(&mut tx, &moved).await?;
    }
    tx.commit().await.map_err(unavailable)?;
    decisions
        .into_iter()
        .map(|d| d.ok_or_else(|| "a rate-limit row went missing in its batch".to_string()))
        .collect()
}

/// Creates the missing rows and locks every row of the batch, in key order.
async fn lock_rows(
    tx: &mut Transaction<'static, Postgres>,
    checks: &[Check],
    by_key: &BTreeMap<&str, Vec<usize>>,
) -> Result<Vec<PgRow>, String> {
    let keys: Vec<&str> = by_key.keys().copied().collect();
    // A new row starts with the limits of the token's first check in the batch.
    let first = |k: &str| checks[by_key[k][0]].limits;
    let minute: Vec<i64> = keys
        .iter()
        .map(|k| i64::from(first(k).per_minute))
        .collect();
    let hour: Vec<i64> = keys.iter().map(|k| i64::from(first(k).per_hour)).collect();
    sqlx::query(
        "INSERT INTO rate_limits (token_id, minute_tat, minute_limit, hour_tat, hour_limit, updated_at) \
         SELECT k, '0', m, '0', h, 0 FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::BIGINT[]) AS b(k, m, h) \
         ORDER BY k \
         ON CONFLICT (token_id) DO UPDATE SET token_id = EXCLUDED.token_id \
         RETURNING token_id, minute_tat, minute_limit, hour_tat, hour_limit, \
           (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT AS now_us",
    )
    .bind(&keys)
    .bind(&minute)
    .bind(&hour)
    .fetch_all(&mut **tx)
    .await
    .map_err(unavailable)
}

async fn write_back(
    tx: &mut Transaction<'static, Postgres>,
    moved: &[(String, Entry, i64)],
) -> Result<(), String> {
    let keys: Vec<&str> = moved.iter().map(|(k, _, _)| k.as_str()).collect();
    let minute_tat: Vec<String> = moved
        .iter()
        .map(|(_, e, _)| e.minute.tat.to_string())
        .collect();
    let minute_limit: Vec<i64> = moved
        .iter()
        .map(|(_, e, _)| i64::from(e.minute.limit))
        .collect();
    let hour_tat: Vec<String> = moved
        .iter()
        .map(|(_, e, _)| e.hour.tat.to_string())
        .collect();
    let hour_limit: Vec<i64> = moved
        .iter()
        .map(|(_, e, _)| i64::from(e.hour.limit))
        .collect();
    let updated: Vec<i64> = moved.iter().map(|(_, _, at)| *at).collect();
    sqlx::query(
        "UPDATE rate_limits SET minute_tat = b.mt, minute_limit = b.ml, hour_tat = b.ht, \
         hour_limit = b.hl, updated_at = b.at \
         FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[], $5::BIGINT[], $6::BIGINT[]) \
           AS b(k, mt, ml, ht, hl, at) \
         WHERE rate_limits.token_id = b.k",
    )
    .bind(&keys)
    .bind(&minute_tat)
    .bind(&minute_limit)
    .bind(&hour_tat)
    .bind(&hour_limit)
    .bind(&updated)
    .execute(&mut **tx)
    .await
    .map_err(unavailable)?;
    Ok(())
}
