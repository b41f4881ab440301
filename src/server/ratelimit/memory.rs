//! The in-process limiter, for one server (SQLite): exact for one replica, on the monotonic
//! clock.
//!
//! The hot path holds a `std::sync::Mutex` of one shard for a few hundred nanoseconds and never
//! across an `.await`.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Decision, Entry, gcra_step, idle};
use crate::api::types::RateLimit;

const SHARDS: usize = 16;
/// A shard that grows past this sweeps out its fully refilled keys before inserting.
const SWEEP_AT: usize = 50_000;

/// The in-process limiter: exact for one replica.
pub(crate) struct LocalLimiter {
    origin: Instant,
    hasher: RandomState,
    shards: Vec<Mutex<HashMap<Box<str>, Entry>>>,
}

impl Default for LocalLimiter {
    fn default() -> Self {
        LocalLimiter {
            origin: Instant::now(),
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }
}

impl LocalLimiter {
    fn shard(&self, key: &str) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Entry>> {
        let i = (self.hasher.hash_one(key) as usize) % SHARDS;
        // A panic while holding the lock leaves plain data behind; keep using it.
        self.shards[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The limiter's clock: time since it was created, monotonic.
    pub(crate) fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    /// Checks and (if allowed) consumes one request of `key` at `now`.
    pub(crate) fn check_at(&self, key: &str, limits: RateLimit, now: Duration) -> Decision {
        let mut shard = self.shard(key);
        let (decision, next) = gcra_step(shard.get(key).copied(), limits, now, true);
        if let Some(entry) = next {
            match shard.get_mut(key) {
                Some(slot) => *slot = entry,
                None => {
                    if shard.len() >= SWEEP_AT {
                        shard.retain(|_, e| !idle(e, now));
                    }
                    shard.insert(key.into(), entry);
                }
            }
        }
        decision
    }

    /// What a check would answer at `now`, consuming nothing.
    pub(crate) fn peek_at(&self, key: &str, limits: RateLimit, now: Duration) -> Decision {
        let shard = self.shard(key);
        gcra_step(shard.get(key).copied(), limits, now, false).0
    }

    /// Drops every key that is fully refilled (idle for at least its hour window).
    pub(crate) fn sweep_at(&self, now: Duration) -> usize {
        let mut dropped = 0;
        for shard in &self.shards {
            let mut s = shard.lock().unwrap_or_else(|e| e.into_inner());
            let before = s.len();
            s.retain(|_, e| !idle(e, now));
            dropped += before - s.len();
        }
        dropped
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
