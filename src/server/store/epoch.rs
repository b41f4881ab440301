//! The PostgreSQL credential epoch, read for every request but not once per request.
//!
//! A lookup for a request that arrived at `since` needs the epoch as of some moment after
//! `since` (then a revoke acknowledged before the request arrived is seen). Reads are coalesced
//! (one read answers every lookup queued while the previous one ran), and the newest read is
//! remembered with the instant it started, so a second lookup for the same request (verify
//! judges the caller, then the token it was sent) reuses it instead of waiting again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use sqlx::PgPool;

use super::{StoreError, StoreResult};
use crate::server::coalesce::{Coalescer, WorkerGone};

pub(crate) struct EpochReader {
    reads: Coalescer<(), (Instant, i64), String>,
    /// The newest read: when it started, and what it found.
    newest: Mutex<Option<(Instant, i64)>>,
    /// Reads made, for `/metrics`.
    reads_made: Arc<AtomicU64>,
}

impl EpochReader {
    /// Spawns the reading worker on the current tokio runtime.
    pub(crate) fn spawn(pool: PgPool) -> Self {
        let reads_made = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&reads_made);
        let reads = Coalescer::spawn(usize::MAX, move |waiting: Vec<()>| {
            let pool = pool.clone();
            counted.fetch_add(1, Ordering::Relaxed);
            async move {
                let started = Instant::now();
                let epoch: i64 =
                    sqlx::query_scalar("SELECT epoch FROM credential_epoch WHERE id = 1")
                        .fetch_one(&pool)
                        .await
                        .map_err(|e| e.to_string())?;
                Ok(vec![(started, epoch); waiting.len()])
            }
        });
        EpochReader {
            reads,
            newest: Mutex::new(None),
            reads_made,
        }
    }

    /// How many reads of the epoch were made.
    pub(crate) fn reads(&self) -> u64 {
        self.reads_made.load(Ordering::Relaxed)
    }

    /// The epoch as read by a read that started at or after `since`.
    pub(crate) async fn read_since(&self, since: Instant) -> StoreResult<u64> {
        if let Some((started, epoch)) = *self.lock()
            && started >= since
        {
            return Ok(as_u64(epoch));
        }
        let (started, epoch) = match self.reads.call(()).await {
            Ok(Ok(read)) => read,
            Ok(Err(e)) => return Err(StoreError::Unavailable(e)),
            Err(WorkerGone) => {
                return Err(StoreError::Unavailable(
                    "the credential epoch reader stopped".into(),
                ));
            }
        };
        let mut newest = self.lock();
        if newest.is_none_or(|(s, _)| started > s) {
            *newest = Some((started, epoch));
        }
        Ok(as_u64(epoch))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, i64)>> {
        self.newest.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn as_u64(epoch: i64) -> u64 {
    u64::try_from(epoch).unwrap_or(0)
}
