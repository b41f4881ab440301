//! Buffered hot-path writes: last-used times and access-log rows.
//!
//! Requests only append to memory; a background task writes everything in one transaction
//! every flush interval and once more at shutdown. A failed flush puts the rows back to be
//! retried, so a database blip delays them instead of losing them (up to [`MAX_PENDING`]).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::store::{AccessRecord, Database, Store, StoreResult};

/// Rows kept while the database is unreachable; beyond it the oldest are dropped (and counted).
pub const MAX_PENDING: usize = 200_000;

#[derive(Default)]
struct Pending {
    last_used: HashMap<String, DateTime<Utc>>,
    /// Oldest first; a deque so that dropping the oldest during a long outage is O(1).
    access: VecDeque<AccessRecord>,
    dropped: u64,
}

#[derive(Default)]
pub struct UsageBuffer {
    pending: Mutex<Pending>,
}

impl UsageBuffer {
    /// Records one use of a credential. Never blocks on I/O.
    pub fn record(&self, rec: AccessRecord) {
        let mut p = self.lock();
        let at = rec.at;
        // Looked up before inserting: the id is copied only the first time it is seen per flush.
        match p.last_used.get_mut(&rec.credential_id) {
            Some(t) => *t = (*t).max(at),
            None => {
                p.last_used.insert(rec.credential_id.clone(), at);
            }
        }
        if p.access.len() >= MAX_PENDING {
            p.access.pop_front();
            p.dropped += 1;
        }
        p.access.push_back(rec);
    }

    /// Writes what is pending; on failure everything is put back for the next try.
    pub async fn flush(&self, store: &Database) -> StoreResult<usize> {
        let (last_used, mut access) = {
            let mut p = self.lock();
            (
                std::mem::take(&mut p.last_used),
                std::mem::take(&mut p.access),
            )
        };
        if last_used.is_empty() && access.is_empty() {
            return Ok(0);
        }
        let pairs: Vec<(String, DateTime<Utc>)> = last_used.clone().into_iter().collect();
        match store.flush_usage(&pairs, access.make_contiguous()).await {
            Ok(()) => Ok(access.len()),
            Err(e) => {
                let mut p = self.lock();
                for (id, at) in last_used {
                    p.last_used
                        .entry(id)
                        .and_modify(|t| *t = (*t).max(at))
                        .or_insert(at);
                }
                let newer = std::mem::replace(&mut p.access, access);
                p.access.extend(newer);
                let excess = p.access.len().saturating_sub(MAX_PENDING);
                if excess > 0 {
                    p.access.drain(..excess);
                    p.dropped += excess as u64;
                }
                Err(e)
            }
        }
    }

    /// Rows waiting to be written (for metrics).
    pub fn pending(&self) -> usize {
        self.lock().access.len()
    }

    /// Rows dropped because the database stayed unreachable past [`MAX_PENDING`].
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // A panic while holding this lock leaves plain data behind; keep using it.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(latency_us: i64) -> AccessRecord {
        AccessRecord {
            org_id: 1,
            at: Utc::now(),
            credential_id: "tk_a".into(),
            method: "GET".into(),
            path: "/v1/me".into(),
            status: 200,
            ip: None,
            latency_us,
            permission: None,
        }
    }

    #[test]
    fn a_full_buffer_drops_the_oldest_rows_and_counts_them() {
        let b = UsageBuffer::default();
        for i in 0..MAX_PENDING as i64 + 3 {
            b.record(row(i));
        }
        assert_eq!(b.pending(), MAX_PENDING);
        assert_eq!(b.dropped(), 3);
        let p = b.lock();
        assert_eq!(p.access.front().map(|r| r.latency_us), Some(3));
        assert_eq!(p.last_used.len(), 1);
    }
}
