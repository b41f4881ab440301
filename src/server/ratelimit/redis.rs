//! Rate limits that hold across replicas: the GCRA state of each token in Redis
//! (`tokctl server --redis URL`).
//!
//! One key per token, `tokctl:rl:{token id}`, holding both limits' TATs and the limits they
//! were scaled by as one decimal string (`"minute_tat minute_limit hour_tat hour_limit"`). The
//! TATs are u128 (nanoseconds × limit) and Lua numbers are doubles, so Redis never does the
//! arithmetic: the exact decision is the shared [`crate::server::ratelimit::gcra_step`] in Rust, and
//! Redis makes it atomic across replicas with optimistic concurrency:
//!
//! 1. a Lua script reads the key and Redis `TIME` (the clock every replica shares) at once;
//! 2. [`crate::server::ratelimit::gcra_step`] decides in Rust;
//! 3. when a request is consumed, a compare-and-set Lua script writes the new state only if the
//!    key still holds what step 1 read (with a TTL of one hour and a minute: by then the key is
//!    fully refilled, the same as no key), else the check starts over.
//!
//! The checks in flight on one replica are decided together, token by token, each token's checks
//! applied one after another to one read; so a hot token costs two Redis round trips per batch,
//! and a replica's own concurrent checks never race each other's compare-and-set.
//!
//! A refused or peeked request writes nothing. Two replicas racing on one token: one's
//! compare-and-set fails and it decides again on the other's state, so N/min means N in total.
//! When Redis cannot answer (down, timing out, or too much contention) the check fails with
//! [`LimiterError::Unavailable`], answered 503 — never "allowed". The connection is dropped on
//! an error and made again on the next check, so the server recovers by itself.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Script};
use tokio::sync::Mutex;

use crate::api::types::RateLimit;
use crate::server::coalesce::Coalescer;
use crate::server::ratelimit::{
    Batches, Cell, Check, Decision, Entry, LimiterError, apply_in_order, by_key, check_in,
};

/// The key's lifetime after each write: the hour window plus a margin.
const TTL_MS: u64 = 3_600_000 + 60_000;
/// How long one connection attempt or one command may take before the check is a 503.
const TIMEOUT: Duration = Duration::from_secs(2);
/// Compare-and-set attempts per check before giving up (each lost race means another replica
/// consumed a request of the same token meanwhile).
const MAX_ATTEMPTS: usize = 64;
/// Checks beyond this wait for the next batch.
const MAX_BATCH: usize = 512;

/// `{TIME seconds, TIME microseconds, the key's value or nil}`.
const READ: &str = r"
local t = redis.call('TIME')
local v = redis.call('GET', KEYS[1])
return {t[1], t[2], v}
";

/// Writes `ARGV[2]` (TTL `ARGV[3]` ms) only if the key still holds `ARGV[1]` ('' = absent).
const COMPARE_AND_SET: &str = r"
local v = redis.call('GET', KEYS[1])
if (v or '') ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
";

/// The connection and scripts; shared by the limiter and its batch worker.
struct Counters {
    client: Client,
    config: AsyncConnectionConfig,
    conn: Mutex<Option<MultiplexedConnection>>,
    read: Script,
    cas: Script,
}

fn unavailable(e: impl std::fmt::Display) -> LimiterError {
    LimiterError::Unavailable(format!("redis: {e}"))
}

/// The URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}***{}", &url[..s + 3], &url[at..]),
        _ => url.to_string(),
    }
}

fn key(token: &str) -> String {
    format!("tokctl:rl:{token}")
}

fn encode(e: &Entry) -> String {
    format!(
        "{} {} {} {}",
        e.minute.tat, e.minute.limit, e.hour.tat, e.hour.limit
    )
}

fn decode(v: &str) -> Option<Entry> {
    let mut it = v.split(' ');
    let mut cell = || -> Option<Cell> {
        Some(Cell {
            tat: it.next()?.parse().ok()?,
            limit: it.next()?.parse().ok()?,
        })
    };
    let minute = cell()?;
    let hour = cell()?;
    Some(Entry { minute, hour })
}

/// The limiter: checks in flight on this replica are decided as one batch (see [`Coalescer`]),
/// so concurrent checks of one hot token do not race each other's compare-and-set; only other
/// replicas can.
pub(crate) struct RedisLimiter {
    batches: Batches,
}

impl RedisLimiter {
    /// Connects (and pings) at start, so a wrong URL or a Redis that is not there is a clear
    /// error instead of 503s later.
    pub(crate) async fn connect(url: &str) -> Result<Self, LimiterError> {
        let client = Client::open(url).map_err(unavailable)?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT));
        let counters = Arc::new(Counters {
            client,
            config,
            conn: Mutex::new(None),
            read: Script::new(READ),
            cas: Script::new(COMPARE_AND_SET),
        });
        let mut conn = counters.connection().await?;
        let pong: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        if pong != "PONG" {
            return Err(unavailable(format!("unexpected PING answer {pong:?}")));
        }
        let batches = Coalescer::spawn(MAX_BATCH, move |checks: Vec<Check>| {
            let counters = counters.clone();
            async move {
                let decided = counters.decide_batch(&checks).await;
                if decided.is_err() {
                    // Made again on the next batch, so the server recovers by itself.
                    counters.reset().await;
                }
                decided.map_err(|e| e.to_string())
            }
        });
        Ok(RedisLimiter { batches })
    }

    /// Checks one request of `key`; consumes it when allowed and `consume` is set.
    pub(crate) async fn check(
        &self,
        key: &str,
        limits: RateLimit,
        consume: bool,
    ) -> Result<Decision, LimiterError> {
        check_in(&self.batches, key, limits, consume).await
    }
}

impl Counters {
    /// The shared multiplexed connection, made anew after an error dropped it.
    async fn connection(&self) -> Result<MultiplexedConnection, LimiterError> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c = self
            .client
            .get_multiplexed_async_connection_with_config(&self.config)
            .await
            .map_err(unavailable)?;
        *slot = Some(c.clone());
        Ok(c)
    }

    /// Forgets the connection after an error, so the next batch connects again. (The error
    /// itself is logged where it becomes the 503.)
    async fn reset(&self) {
        *self.conn.lock().await = None;
    }

    /// Decides a batch, token by token; the decisions in the order of `checks`.
    async fn decide_batch(&self, checks: &[Check]) -> Result<Vec<Decision>, LimiterError> {
        let mut conn = self.connection().await?;
        let mut decisions: Vec<Option<Decision>> = vec![None; checks.len()];
        for (token, indices) in by_key(checks) {
            self.decide_token(&mut conn, token, checks, &indices, &mut decisions)
                .await?;
        }
        decisions
            .into_iter()
            .map(|d| d.ok_or_else(|| unavailable("a rate-limit check went undecided")))
            .collect()
    }

    /// One token's checks of the batch: read, decide in order, compare-and-set; again on the
    /// other replica's state when it got there first.
    async fn decide_token(
        &self,
        conn: &mut MultiplexedConnection,
        token: &str,
        checks: &[Check],
        indices: &[usize],
        decisions: &mut [Option<Decision>],
    ) -> Result<(), LimiterError> {
        let k = key(token);
        for _ in 0..MAX_ATTEMPTS {
            let (secs, micros, value): (u64, u64, Option<String>) = self
                .read
                .key(&k)
                .invoke_async(conn)
                .await
                .map_err(unavailable)?;
            let entry = match value.as_deref() {
                None => None,
                Some(v) => Some(
                    decode(v)
                        .ok_or_else(|| unavailable(format!("corrupt rate-limit value at {k}")))?,
                ),
            };
            let now = Duration::from_secs(secs) + Duration::from_micros(micros);
            let Some(next) = apply_in_order(checks, indices, entry, now, decisions) else {
                return Ok(());
            };
            let written: i64 = self
                .cas
                .key(&k)
                .arg(value.as_deref().unwrap_or(""))
                .arg(encode(&next))
                .arg(TTL_MS)
                .invoke_async(conn)
                .await
                .map_err(unavailable)?;
            if written == 1 {
                return Ok(());
            }
        }
        Err(unavailable(format!(
            "gave up on {k} after {MAX_ATTEMPTS} concurrent updates"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_exactly() {
        let e = Entry {
            minute: Cell {
                tat: u128::MAX - 7,
                limit: 5,
            },
            hour: Cell {
                tat: 123_456_789_012_345_678_901_234_567,
                limit: u32::MAX,
            },
        };
        assert_eq!(decode(&encode(&e)), Some(e));
        assert_eq!(decode("1 2 3"), None);
        assert_eq!(decode("x 1 2 3"), None);
        assert_eq!(decode(""), None);
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("redis://user:secret@127.0.0.1:6379/0"),
            "redis://***@127.0.0.1:6379/0"
        );
        assert_eq!(redact("redis://127.0.0.1:6390"), "redis://127.0.0.1:6390");
    }
}
