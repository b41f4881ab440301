//! Rate limits that hold across replicas: the GCRA state of each token in PostgreSQL.
//!
//! One transaction per check: an upsert that creates or locks the token's row and reads the
//! database's clock (every replica judges by the same clock), the shared [`gcra_step`], and an
//! update when the request is consumed. Two replicas checking one token serialize on its row,
//! so N/min means N in total. When PostgreSQL cannot answer the check fails, and the request
//! is refused with 503, never allowed.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::Row;

use super::ratelimit::{Cell, Decision, Entry, LimiterError, gcra_step};
use crate::api::types::RateLimit;

pub struct PgLimiter {
    pool: PgPool,
}

fn unavailable(e: sqlx::Error) -> LimiterError {
    LimiterError::Unavailable(e.to_string())
}

fn cell(row: &sqlx::postgres::PgRow, tat: &str, limit: &str) -> Result<Cell, LimiterError> {
    let tat: String = row.try_get(tat).map_err(unavailable)?;
    let limit: i64 = row.try_get(limit).map_err(unavailable)?;
    Ok(Cell {
        tat: tat
            .parse()
            .map_err(|_| LimiterError::Unavailable("corrupt rate-limit row".into()))?,
        limit: u32::try_from(limit).unwrap_or(u32::MAX),
    })
}

impl PgLimiter {
    pub fn new(pool: PgPool) -> Self {
        PgLimiter { pool }
    }

    /// Checks one request of `key`; consumes it when allowed and `consume` is set.
    pub async fn check(
        &self,
        key: &str,
        limits: RateLimit,
        consume: bool,
    ) -> Result<Decision, LimiterError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        // Counters are soft state: this transaction need not wait for its WAL flush (a crash
        // can only forget a few counted requests). Revocations and every other write keep
        // synchronous commits.
        sqlx::query("SET LOCAL synchronous_commit TO OFF")
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        // A fresh row holds TAT 0, which GCRA reads as "fully refilled", like no row at all.
        let row = sqlx::query(
            "INSERT INTO rate_limits (token_id, minute_tat, minute_limit, hour_tat, hour_limit, updated_at) \
             VALUES ($1, '0', $2, '0', $3, 0) \
             ON CONFLICT (token_id) DO UPDATE SET token_id = EXCLUDED.token_id \
             RETURNING minute_tat, minute_limit, hour_tat, hour_limit, \
               (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT AS now_us",
        )
        .bind(key)
        .bind(i64::from(limits.per_minute))
        .bind(i64::from(limits.per_hour))
        .fetch_one(&mut *tx)
        .await
        .map_err(unavailable)?;
        let entry = Entry {
            minute: cell(&row, "minute_tat", "minute_limit")?,
            hour: cell(&row, "hour_tat", "hour_limit")?,
        };
        let now_us: i64 = row.try_get("now_us").map_err(unavailable)?;
        let now = Duration::from_micros(u64::try_from(now_us).unwrap_or(0));
        let (decision, next) = gcra_step(Some(entry), limits, now, consume);
        if let Some(e) = next {
            sqlx::query(
                "UPDATE rate_limits SET minute_tat = $2, minute_limit = $3, hour_tat = $4, \
                 hour_limit = $5, updated_at = $6 WHERE token_id = $1",
            )
            .bind(key)
            .bind(e.minute.tat.to_string())
            .bind(i64::from(e.minute.limit))
            .bind(e.hour.tat.to_string())
            .bind(i64::from(e.hour.limit))
            .bind(now_us)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(decision)
    }

    /// Deletes rows untouched for over an hour: fully refilled, the same as no row.
    pub async fn sweep(&self) -> Result<u64, LimiterError> {
        let done = sqlx::query(
            "DELETE FROM rate_limits WHERE updated_at < \
             (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT - 3600000000",
        )
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected())
    }
}
