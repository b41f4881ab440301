//! Buffered hot-path writes: last-used times and access-log rows.
//!
//! Requests only append to memory; a background task writes everything in one transaction
//! every flush interval and once more at shutdown. A failed flush puts the rows back to be
//! retried, so a database blip delays them instead of losing them (up to [`MAX_PENDING`]).
//!
//! Flushes take turns: reads of the access log flush first, and must not find the buffer empty
//! only because the background flush took it and has not committed yet.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::api::secret::redact_secrets;
use crate::server::store::{AccessRecord, Database, Store, StoreResult};

/// Rows kept while the database is unreachable; beyond it the oldest are dropped (and counted).
pub(crate) const MAX_PENDING: usize = 200_000;

/// At most this many rows' room is set aside for the next flush interval.
const ROOM_AHEAD: usize = 1 << 16;

#[derive(Default)]
struct Pending {
    last_used: HashMap<String, DateTime<Utc>>,
    /// Oldest first; a deque so that dropping the oldest during a long outage is O(1).
    access: VecDeque<AccessRecord>,
    dropped: u64,
}

#[derive(Default)]
pub(crate) struct UsageBuffer {
    pending: Mutex<Pending>,
    /// Held by a flush from taking the rows until they are written or put back.
    flushing: tokio::sync::Mutex<()>,
}

/// The rows one flush took from the buffer: put back when dropped unless they were written,
/// whether the flush failed or was itself dropped mid-way. (Dropped while its commit was in
/// flight, a flush may have written them after all: then they are written twice, never lost.)
struct Taken<'a> {
    buffer: &'a UsageBuffer,
    last_used: HashMap<String, DateTime<Utc>>,
    access: VecDeque<AccessRecord>,
    written: bool,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if !self.written {
            self.buffer.restore(
                std::mem::take(&mut self.last_used),
                std::mem::take(&mut self.access),
            );
        }
    }
}

/// `path` with its secret-shaped parts redacted, when it has any.
fn redacted(path: &str) -> Option<String> {
    match redact_secrets(path) {
        Cow::Owned(clean) => Some(clean),
        Cow::Borrowed(_) => None,
    }
}

impl UsageBuffer {
    /// Records one use of a credential. Never blocks on I/O. The row's path comes from a URL
    /// (ours, or the one a proxy forwards to forward-auth): any secret-shaped part of it is
    /// stored as `[redacted]`.
    pub(crate) fn record(&self, mut rec: AccessRecord) {
        if let Some(clean) = redacted(&rec.path) {
            rec.path = clean.into();
        }
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

    /// Writes what is pending; on failure everything is put back for the next try. When it
    /// returns `Ok`, every row recorded before the call is in the database, also those a flush
    /// already under way had taken. A flush abandoned half-way (the read that asked for it timed
    /// out, or its client went away) puts its rows back too.
    pub(crate) async fn flush(&self, store: &Database) -> StoreResult<usize> {
        let _turn = self.flushing.lock().await;
        let mut taken = {
            let mut p = self.lock();
            // The next interval's rows likely number about as many: room for them up front
            // spares the requests recording them the deque's regrowth (and its copies).
            let room = p.access.len().min(ROOM_AHEAD);
            Taken {
                buffer: self,
                last_used: std::mem::take(&mut p.last_used),
                access: std::mem::replace(&mut p.access, VecDeque::with_capacity(room)),
                written: false,
            }
        };
        if taken.last_used.is_empty() && taken.access.is_empty() {
            return Ok(0);
        }
        let pairs: Vec<(String, DateTime<Utc>)> = taken
            .last_used
            .iter()
            .map(|(id, at)| (id.clone(), *at))
            .collect();
        store
            .flush_usage(&pairs, taken.access.make_contiguous())
            .await?;
        taken.written = true;
        Ok(taken.access.len())
    }

    /// Puts back rows a flush took and did not write, before any recorded since.
    fn restore(&self, last_used: HashMap<String, DateTime<Utc>>, access: VecDeque<AccessRecord>) {
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
    }

    /// Rows waiting to be written (for metrics).
    pub(crate) fn pending(&self) -> usize {
        self.lock().access.len()
    }

    /// Rows dropped because the database stayed unreachable past [`MAX_PENDING`].
    pub(crate) fn dropped(&self) -> u64 {
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
            root_id: None,
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

    /// A store whose database another connection holds the write lock of (until
    /// [`Blocked::let_go`]): a flush takes its rows and then waits. The buffer holds one row.
    /// Kept whole by the tests, so that its temporary directory outlives them.
    struct Blocked {
        _dir: tempfile::TempDir,
        store: std::sync::Arc<Database>,
        buffer: std::sync::Arc<UsageBuffer>,
        writer: sqlx::SqliteConnection,
    }

    async fn blocked() -> Blocked {
        use sqlx::Connection;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("usage.db").display().to_string();
        let store = std::sync::Arc::new(Database::open(&path).await.unwrap());
        let buffer = std::sync::Arc::new(UsageBuffer::default());
        buffer.record(row(1));
        let mut writer = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
            .await
            .unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut writer)
            .await
            .unwrap();
        Blocked {
            _dir: dir,
            store,
            buffer,
            writer,
        }
    }

    impl Blocked {
        async fn let_go(&mut self) {
            sqlx::query("COMMIT")
                .execute(&mut self.writer)
                .await
                .unwrap();
        }
    }

    async fn access_rows(store: &Database) -> i64 {
        let Database::Sqlite(s) = store else {
            unreachable!()
        };
        sqlx::query_scalar("SELECT COALESCE(SUM(rows), 0) FROM access_segments")
            .fetch_one(s.pool())
            .await
            .unwrap()
    }

    /// A read of the access log flushes first, while the background flush may hold rows it has
    /// taken but not yet written (here: blocked behind another writer). The read's flush must
    /// not return before those rows are in the database.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flush_returns_only_once_rows_taken_by_one_under_way_are_written() {
        let mut b = blocked().await;
        let background = tokio::spawn({
            let (buffer, store) = (b.buffer.clone(), b.store.clone());
            async move { buffer.flush(&store).await }
        });
        while b.buffer.pending() > 0 {
            tokio::task::yield_now().await;
        }
        let reader = tokio::spawn({
            let (buffer, store) = (b.buffer.clone(), b.store.clone());
            async move {
                buffer.flush(&store).await.unwrap();
                access_rows(&store).await
            }
        });
        // Let a reader that does not wait its turn return while the rows are still in flight.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        b.let_go().await;
        assert_eq!(
            reader.await.unwrap(),
            1,
            "the read's flush returned before the row was written"
        );
        assert_eq!(background.await.unwrap().unwrap(), 1);
    }

    /// A flush abandoned while its write waits (the read that asked for it timed out) keeps
    /// the rows it took, for the next flush to write.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flush_dropped_mid_way_puts_its_rows_back() {
        let mut b = blocked().await;
        let abandoned = tokio::time::timeout(
            std::time::Duration::from_millis(300),
            b.buffer.flush(&b.store),
        )
        .await;
        assert!(
            abandoned.is_err(),
            "the flush was not blocked by the writer"
        );
        assert_eq!(b.buffer.pending(), 1, "the abandoned flush lost its row");
        b.let_go().await;
        assert_eq!(b.buffer.flush(&b.store).await.unwrap(), 1);
        assert_eq!(b.buffer.pending(), 0);
        assert_eq!(access_rows(&b.store).await, 1);
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
