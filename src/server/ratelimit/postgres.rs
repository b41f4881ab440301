//! Rate limits that hold across replicas: the GCRA state of each token in PostgreSQL.
//!
//! Checks are coalesced: all checks in flight on this replica are decided together (see
//! [`Coalescer`]), by the shared [`crate::server::ratelimit::gcra_step`] applied to each token's checks
//! one after another. A batch usually costs **one round trip** and holds no lock:
//! - each token's checks are decided on what this replica *believes* its row holds (what it
//!   last wrote or read; no row when it knows nothing), at the database's clock as last seen;
//! - one statement then writes back the rows that moved, each only if it still holds the belief
//!   (compare and set), checks the rows that did not move against it, and returns the current
//!   row of every token whose belief was wrong (another replica moved it) with the clock;
//! - those tokens are decided again on the rows returned.
//!
//! A belief can only lag the row (other replicas move a token's theoretical arrival time
//! forward, never back), and nothing is answered until the statement confirmed it: a decision
//! always rests on the row as it was in a snapshot taken after the request arrived.
//!
//! The clock: every statement returns the database's `clock_timestamp()`, and this replica
//! carries the latest reading forward with its monotonic clock. Measured on receipt, the
//! estimate trails the database's clock by at most one round trip and never leads it, so a
//! refill is never granted early. A reading is carried for a second at most: a batch with no
//! fresher one reads the clock before deciding.
//!
//! A token that keeps losing the race (many replicas hammering it) is decided under row locks
//! instead (an upsert that locks its rows in key order, so replicas never deadlock), which
//! always makes progress. Either way N/min means N in total across replicas, and the `N + 1`-th
//! request is refused exactly.
//!
//! Except for busy tokens: one with room for a thousand more requests takes a block of its
//! budget in the statement that decides it, and this replica answers its next checks from the
//! block without a round trip ([`budget`]: never more than the limit, at worst a little less).
//!
//! Counter writes commit asynchronously (`synchronous_commit = off` on this limiter's own
//! connections): they are soft state, and a crash can only forget a few counted requests.
//! Revocations and every other write keep synchronous commits.
//!
//! When PostgreSQL cannot answer, every check of the batch fails and its request is refused
//! with 503, never allowed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgExecutor, PgPool, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Executor, Row};

use crate::api::types::RateLimit;
use crate::server::coalesce::Coalescer;
use crate::server::ratelimit::budget::{self, Blocks};
use crate::server::ratelimit::{
    Batches, ByKey, Cell, Check, Decision, Entry, LimiterError, apply_in_order, by_key, check_in,
    idle,
};

/// Checks beyond this wait for the next batch (bounds one statement's size).
const MAX_BATCH: usize = 512;
/// Compare-and-set rounds before the remaining tokens are decided under row locks.
pub(crate) const OPTIMISTIC_ROUNDS: usize = 3;
/// Beliefs beyond this are all forgotten (bounded memory; a forgotten row costs a round).
const MAX_BELIEFS: usize = 100_000;

/// How long a reading of the database clock is carried forward by this replica's monotonic
/// clock. The two may run at slightly different rates (NTP slews the database's by up to
/// 500 ppm): over a second that is half a millisecond, well inside one round trip's lag.
const CLOCK_CARRY: Duration = Duration::from_secs(1);

/// The database clock in microseconds, as `now_us` in every statement below.
const NOW_US: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT";

pub(crate) struct PgLimiter {
    pool: PgPool,
    batches: Batches,
    beliefs: Arc<Mutex<Beliefs>>,
    /// Blocks of tokens' budgets this replica spends without a round trip ([`budget`]).
    blocks: Arc<Mutex<Blocks>>,
    from_blocks: AtomicU64,
}

/// What this replica last saw of the counters: each token's row (None: no row), and the
/// database clock with the instant it was read and how far that reading may trail it.
#[derive(Default)]
struct Beliefs {
    rows: HashMap<String, Option<Entry>>,
    clock: Option<(Instant, i64)>,
    /// The round trip of the statement that read `clock`: the database read its clock at some
    /// moment of it, so the reading trails the database by at most this much.
    clock_lag: Duration,
}

impl Beliefs {
    /// The database clock now, estimated from the latest reading: never ahead of it. None
    /// when there is no reading, or when it is too old to carry forward (see [`CLOCK_CARRY`]).
    fn now(&self) -> Option<(Duration, i64)> {
        self.clock
            .filter(|(seen, _)| seen.elapsed() < CLOCK_CARRY)
            .map(|(seen, us)| {
                let us = us.saturating_add(micros(seen.elapsed()));
                (Duration::from_micros(u64::try_from(us).unwrap_or(0)), us)
            })
    }

    /// Takes a reading `now_us` received at `at`, unless the estimate carried from a recent
    /// older one is later (both trail the database; the later trails less). A reading is not
    /// carried for longer than [`CLOCK_CARRY`], so the drift between this replica's clock and
    /// the database's cannot add up.
    fn saw_clock(&mut self, at: Instant, now_us: i64, lag: Duration) {
        let keep = self.clock.is_some_and(|(seen, us)| {
            let carried = at.saturating_duration_since(seen);
            carried < CLOCK_CARRY && us.saturating_add(micros(carried)) > now_us
        });
        if !keep {
            self.clock = Some((at, now_us));
            self.clock_lag = lag;
        }
    }

    fn believe(&mut self, key: &str, row: Option<Entry>) {
        if self.rows.len() >= MAX_BELIEFS && !self.rows.contains_key(key) {
            self.rows.clear();
        }
        self.rows.insert(key.to_string(), row);
    }
}

fn lock<T>(state: &Mutex<T>) -> MutexGuard<'_, T> {
    // Plain data: a panic elsewhere leaves nothing half-updated that a compare-and-set
    // would not catch (beliefs), or that spends more than a block held (blocks).
    state.lock().unwrap_or_else(|e| e.into_inner())
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

/// A token's row as read: None when it has none (the same as fully refilled).
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

fn clock(row: &PgRow) -> Result<i64, String> {
    row.try_get("now_us").map_err(unavailable)
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn as_duration(now_us: i64) -> Duration {
    Duration::from_micros(u64::try_from(now_us).unwrap_or(0))
}

impl PgLimiter {
    /// A limiter on the store's database, with connections of its own (asynchronous commits)
    /// and a worker on the current tokio runtime. `optimistic_rounds` compare-and-set rounds
    /// are tried before row locks ([`OPTIMISTIC_ROUNDS`]; 0 always locks).
    pub(crate) fn new(store_pool: &PgPool, optimistic_rounds: usize) -> Self {
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
        let beliefs = Arc::new(Mutex::new(Beliefs::default()));
        let blocks = Arc::new(Mutex::new(Blocks::default()));
        let known = Known {
            beliefs: beliefs.clone(),
            blocks: blocks.clone(),
        };
        let worker_pool = pool.clone();
        let batches = Coalescer::spawn(MAX_BATCH, move |checks: Vec<Check>| {
            let pool = worker_pool.clone();
            let known = known.clone();
            async move { decide_batch(&pool, &known, &checks, optimistic_rounds).await }
        });
        PgLimiter {
            pool,
            batches,
            beliefs,
            blocks,
            from_blocks: AtomicU64::new(0),
        }
    }

    /// Checks one request of `key`; consumes it when allowed and `consume` is set. A request
    /// this replica holds a block for is answered at once ([`budget`]).
    pub(crate) async fn check(
        &self,
        key: &str,
        limits: RateLimit,
        consume: bool,
    ) -> Result<Decision, LimiterError> {
        if consume && let Some(d) = lock(&self.blocks).spend(key, limits, Instant::now()) {
            self.from_blocks.fetch_add(1, Ordering::Relaxed);
            return Ok(d);
        }
        check_in(&self.batches, key, limits, consume).await
    }

    /// Checks answered from blocks since start-up (`tokctl_rate_limit_block_checks_total`).
    pub(crate) fn checks_from_blocks(&self) -> u64 {
        self.from_blocks.load(Ordering::Relaxed)
    }

    /// Deletes rows untouched for over an hour: fully refilled, the same as no row. Rows a
    /// locked batch holds are skipped (they are in use), so the sweep never waits on or
    /// deadlocks with a check. Beliefs about fully refilled rows are forgotten too.
    pub(crate) async fn sweep(&self) -> Result<u64, LimiterError> {
        {
            let mut beliefs = lock(&self.beliefs);
            if let Some((now, _)) = beliefs.now() {
                beliefs
                    .rows
                    .retain(|_, row| row.is_some_and(|e| !idle(&e, now)));
            }
        }
        let done = sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM rate_limits WHERE token_id IN (SELECT token_id FROM rate_limits \
             WHERE updated_at < {NOW_US} - 3600000000 FOR UPDATE SKIP LOCKED)"
        )))
        .execute(&self.pool)
        .await
        .map_err(|e| LimiterError::Unavailable(e.to_string()))?;
        Ok(done.rows_affected())
    }
}

/// What the batch worker keeps between batches.
#[derive(Clone)]
struct Known {
    beliefs: Arc<Mutex<Beliefs>>,
    blocks: Arc<Mutex<Blocks>>,
}

/// One token's part of a round: its row as believed, what to write (None: nothing moved, the
/// belief is only to be confirmed), and when; and the block taken with it, if any.
struct Step<'a> {
    key: &'a str,
    read: Option<Entry>,
    next: Option<Entry>,
    at_us: i64,
    block: Option<Taken>,
}

/// A block taken in a round, held once the round's write is confirmed.
#[derive(Clone, Copy)]
struct Taken {
    limits: RateLimit,
    size: u32,
    taken: Instant,
    until: Instant,
    decision: Decision,
}

/// When a round decides: the database's `now` as estimated, the local instant it stands for,
/// and the deadline a block taken in the round gets (None: the reading leaves no time).
#[derive(Clone, Copy)]
struct Moment {
    now: Duration,
    decided: Instant,
    until: Option<Instant>,
}

/// A block of `key`'s budget to take alongside its checks of this batch (`indices`), on top of
/// `moved` (its row after them): only when the last of them consumed a request (a token in
/// use), and when the clock reading leaves time to spend it.
fn block_for(
    checks: &[Check],
    indices: &[usize],
    decisions: &[Option<Decision>],
    moved: Option<Entry>,
    blocks: &Blocks,
    at: Moment,
) -> Option<(Entry, Taken)> {
    let Moment {
        now,
        decided,
        until,
    } = at;
    let until = until?;
    let &last = indices.last()?;
    let check = &checks[last];
    if !check.consume
        || !decisions[last].is_some_and(|d| d.allowed)
        || blocks.holds(&check.key, check.limits, decided)
    {
        return None;
    }
    let demand = indices.iter().filter(|&&i| checks[i].consume).count();
    let want = blocks.want(
        &check.key,
        u32::try_from(demand).unwrap_or(u32::MAX),
        decided,
    );
    let (next, decision, size) = budget::take(moved, check.limits, now, want)?;
    let taken = Taken {
        limits: check.limits,
        size,
        taken: decided,
        until,
        decision,
    };
    Some((next, taken))
}

/// Decides a batch; the decisions in the order of `checks`.
async fn decide_batch(
    pool: &PgPool,
    known: &Known,
    checks: &[Check],
    optimistic_rounds: usize,
) -> Result<Vec<Decision>, String> {
    let beliefs = &*known.beliefs;
    let mut pending = by_key(checks);
    let mut decisions: Vec<Option<Decision>> = vec![None; checks.len()];
    for _ in 0..optimistic_rounds {
        if pending.is_empty() {
            break;
        }
        let lost = optimistic_round(pool, known, checks, &pending, &mut decisions).await?;
        pending.retain(|k, _| lost.iter().any(|l| l == k));
    }
    if !pending.is_empty() {
        locked_round(pool, beliefs, checks, &pending, &mut decisions).await?;
    }
    decisions
        .into_iter()
        .map(|d| d.ok_or_else(|| "a rate-limit check went undecided".to_string()))
        .collect()
}

/// Reads the pending tokens' rows and the clock, when this replica has no recent reading of it.
async fn learn_clock(
    pool: &PgPool,
    beliefs: &Mutex<Beliefs>,
    pending: &ByKey<'_>,
) -> Result<(), String> {
    let keys: Vec<&str> = pending.keys().copied().collect();
    let sent = Instant::now();
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT b.k AS token_id, r.minute_tat, r.minute_limit, r.hour_tat, r.hour_limit, \
           {NOW_US} AS now_us \
         FROM UNNEST($1::TEXT[]) AS b(k) LEFT JOIN rate_limits r ON r.token_id = b.k"
    )))
    .bind(&keys)
    .fetch_all(pool)
    .await
    .map_err(unavailable)?;
    let received = Instant::now();
    let mut beliefs = lock(beliefs);
    for row in &rows {
        let key: String = row.try_get("token_id").map_err(unavailable)?;
        beliefs.believe(&key, entry(row)?);
        beliefs.saw_clock(received, clock(row)?, received - sent);
    }
    Ok(())
}

/// Decides on beliefs, then writes and confirms them in one statement. Returns the keys whose
/// belief was wrong (their decisions are to be made again, on the rows now believed).
async fn optimistic_round(
    pool: &PgPool,
    known: &Known,
    checks: &[Check],
    pending: &ByKey<'_>,
    decisions: &mut [Option<Decision>],
) -> Result<Vec<String>, String> {
    let beliefs = &*known.beliefs;
    if lock(beliefs).now().is_none() {
        learn_clock(pool, beliefs, pending).await?;
    }
    let steps: Vec<Step> = {
        // Taken before the clock is estimated: a block's deadline counts from no later than
        // the moment its `now` stood for.
        let decided = Instant::now();
        let beliefs = lock(beliefs);
        let blocks = lock(&known.blocks);
        let (now, at_us) = beliefs
            .now()
            .ok_or_else(|| "the database clock is unknown".to_string())?;
        let at = Moment {
            now,
            decided,
            until: budget::deadline(decided, beliefs.clock_lag),
        };
        pending
            .iter()
            .map(|(&key, indices)| {
                let read = beliefs.rows.get(key).copied().flatten();
                let next = apply_in_order(checks, indices, read, now, decisions);
                let taken = block_for(checks, indices, decisions, next, &blocks, at);
                Step {
                    key,
                    read,
                    next: taken.map(|(n, _)| n).or(next),
                    at_us,
                    block: taken.map(|(_, t)| t),
                }
            })
            .collect()
    };
    let sent = Instant::now();
    let rows = compare_and_set(pool, &steps).await?;
    let received = Instant::now();
    let mut beliefs = lock(beliefs);
    let mut blocks = lock(&known.blocks);
    let mut lost = Vec::new();
    for row in &rows {
        let key: String = row.try_get("token_id").map_err(unavailable)?;
        let written: bool = row.try_get("written").map_err(unavailable)?;
        beliefs.saw_clock(received, clock(row)?, received - sent);
        // `steps` is in key order, as `pending` is.
        let Ok(i) = steps.binary_search_by(|s| s.key.cmp(key.as_str())) else {
            continue;
        };
        let step = &steps[i];
        let current = entry(row)?;
        match step.next {
            Some(next) if written => {
                beliefs.believe(&key, Some(next));
                if let Some(t) = step.block {
                    blocks.hold(&key, t.limits, t.size, (t.taken, t.until), t.decision);
                }
            }
            None if current == step.read => {}
            _ => {
                beliefs.believe(&key, current);
                lost.push(key);
            }
        }
    }
    Ok(lost)
}

/// Writes each moved row only if it still holds what was believed, and returns, for every
/// token of `steps`: whether it was written, and its row in the statement's snapshot (taken
/// before the writes), with the clock.
async fn compare_and_set<'c>(
    db: impl PgExecutor<'c>,
    steps: &[Step<'_>],
) -> Result<Vec<PgRow>, String> {
    let tat = |f: &dyn Fn(&Step) -> Option<Cell>| -> Vec<Option<String>> {
        steps
            .iter()
            .map(|s| f(s).map(|c| c.tat.to_string()))
            .collect()
    };
    let lim = |f: &dyn Fn(&Step) -> Option<Cell>| -> Vec<Option<i64>> {
        steps
            .iter()
            .map(|s| f(s).map(|c| i64::from(c.limit)))
            .collect()
    };
    let keys: Vec<&str> = steps.iter().map(|s| s.key).collect();
    let at: Vec<i64> = steps.iter().map(|s| s.at_us).collect();
    sqlx::query(AssertSqlSafe(format!(
        "WITH b AS (SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[], \
           $5::BIGINT[], $6::TEXT[], $7::BIGINT[], $8::TEXT[], $9::BIGINT[], $10::BIGINT[]) \
           AS b(k, old_mt, old_ml, old_ht, old_hl, mt, ml, ht, hl, at)), \
         updated AS (UPDATE rate_limits r SET minute_tat = b.mt, minute_limit = b.ml, \
             hour_tat = b.ht, hour_limit = b.hl, updated_at = b.at \
           FROM b WHERE r.token_id = b.k AND b.mt IS NOT NULL AND b.old_mt IS NOT NULL \
             AND r.minute_tat = b.old_mt AND r.minute_limit = b.old_ml \
             AND r.hour_tat = b.old_ht AND r.hour_limit = b.old_hl \
           RETURNING r.token_id), \
         created AS (INSERT INTO rate_limits (token_id, minute_tat, minute_limit, hour_tat, \
             hour_limit, updated_at) \
           SELECT k, mt, ml, ht, hl, at FROM b WHERE mt IS NOT NULL AND old_mt IS NULL \
           ON CONFLICT (token_id) DO NOTHING RETURNING token_id) \
         SELECT b.k AS token_id, r.minute_tat, r.minute_limit, r.hour_tat, r.hour_limit, \
           (b.k IN (SELECT token_id FROM updated) OR b.k IN (SELECT token_id FROM created)) \
             AS written, \
           {NOW_US} AS now_us \
         FROM b LEFT JOIN rate_limits r ON r.token_id = b.k"
    )))
    .bind(&keys)
    .bind(tat(&|s| s.read.map(|e| e.minute)))
    .bind(lim(&|s| s.read.map(|e| e.minute)))
    .bind(tat(&|s| s.read.map(|e| e.hour)))
    .bind(lim(&|s| s.read.map(|e| e.hour)))
    .bind(tat(&|s| s.next.map(|e| e.minute)))
    .bind(lim(&|s| s.next.map(|e| e.minute)))
    .bind(tat(&|s| s.next.map(|e| e.hour)))
    .bind(lim(&|s| s.next.map(|e| e.hour)))
    .bind(&at)
    .fetch_all(db)
    .await
    .map_err(unavailable)
}

/// Decides the given tokens under row locks: one transaction that creates missing rows and
/// locks every row, in key order, then writes back the rows that moved.
async fn locked_round(
    pool: &PgPool,
    beliefs: &Mutex<Beliefs>,
    checks: &[Check],
    pending: &ByKey<'_>,
    decisions: &mut [Option<Decision>],
) -> Result<(), String> {
    let keys: Vec<&str> = pending.keys().copied().collect();
    let sent = Instant::now();
    let mut tx = pool.begin().await.map_err(unavailable)?;
    // A fresh row holds TAT 0, which GCRA reads as "fully refilled", like no row at all.
    let rows = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO rate_limits (token_id, minute_tat, minute_limit, hour_tat, hour_limit, updated_at) \
         SELECT k, '0', 0, '0', 0, 0 FROM UNNEST($1::TEXT[]) AS b(k) ORDER BY k \
         ON CONFLICT (token_id) DO UPDATE SET token_id = EXCLUDED.token_id \
         RETURNING token_id, minute_tat, minute_limit, hour_tat, hour_limit, {NOW_US} AS now_us"
    )))
    .bind(&keys)
    .fetch_all(&mut *tx)
    .await
    .map_err(unavailable)?;
    let received = Instant::now();
    let mut steps = Vec::new();
    for row in &rows {
        let key: String = row.try_get("token_id").map_err(unavailable)?;
        let Some((&key, indices)) = pending.get_key_value(key.as_str()) else {
            continue;
        };
        let read = entry(row)?;
        let at_us = clock(row)?;
        let next = apply_in_order(checks, indices, read, as_duration(at_us), decisions);
        // Under row locks no block is taken: a token that keeps losing the race is busy on
        // several replicas, and exact counting serves it better than blocks held apart.
        steps.push(Step {
            key,
            read,
            next,
            at_us,
            block: None,
        });
    }
    if steps.iter().any(|s| s.next.is_some()) {
        // The rows are locked: compare-and-set cannot lose here.
        compare_and_set(&mut *tx, &steps).await?;
    }
    tx.commit().await.map_err(unavailable)?;
    let mut beliefs = lock(beliefs);
    for step in &steps {
        beliefs.believe(step.key, step.next.or(step.read));
        beliefs.saw_clock(received, step.at_us, received - sent);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(beliefs: &Beliefs, when: Instant) -> Option<i64> {
        beliefs.clock.map(|(seen, us)| us + micros(when - seen))
    }

    #[test]
    fn the_clock_estimate_keeps_the_later_of_recent_readings() {
        let t0 = Instant::now();
        let mut b = Beliefs::default();
        assert!(b.now().is_none(), "no reading, no estimate");
        b.saw_clock(t0, 1_000_000, Duration::ZERO);
        // A reading that was slower to arrive trails the carried estimate: the estimate stays.
        b.saw_clock(t0 + Duration::from_millis(10), 1_005_000, Duration::ZERO);
        assert_eq!(at(&b, t0 + Duration::from_millis(10)), Some(1_010_000));
        // One that is later than the carried estimate replaces it.
        b.saw_clock(t0 + Duration::from_millis(20), 1_030_000, Duration::ZERO);
        assert_eq!(at(&b, t0 + Duration::from_millis(20)), Some(1_030_000));
    }

    #[test]
    fn a_reading_is_not_carried_past_a_second() {
        let t0 = Instant::now();
        let mut b = Beliefs::default();
        b.saw_clock(t0, 1_000_000, Duration::ZERO);
        // Two seconds on, this replica's clock says +2 s but the database's only +1.5 s (as
        // if the two ran at different rates): the database's reading wins.
        let later = t0 + CLOCK_CARRY * 2;
        b.saw_clock(later, 2_500_000, Duration::ZERO);
        assert_eq!(b.clock, Some((later, 2_500_000)));
        // And a reading as old as that is no estimate at all: the next batch reads the clock.
        let mut stale = Beliefs::default();
        stale.saw_clock(Instant::now() - CLOCK_CARRY, 1_000_000, Duration::ZERO);
        assert!(stale.now().is_none());
    }

    #[test]
    fn beliefs_are_bounded() {
        let mut b = Beliefs::default();
        for i in 0..MAX_BELIEFS {
            b.believe(&format!("tk_{i}"), None);
        }
        b.believe("tk_0", None);
        assert_eq!(
            b.rows.len(),
            MAX_BELIEFS,
            "a known key does not clear the map"
        );
        b.believe("tk_new", None);
        assert_eq!(b.rows.len(), 1);
    }
}
