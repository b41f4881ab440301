//! The embedded default: SQLite in WAL mode through sqlx.
//!
//! Only what SQLite does differently lives here (see `backend` for the list): writes open
//! `BEGIN IMMEDIATE` transactions so two writers queue on the busy timeout instead of failing
//! with SQLITE_BUSY halfway through a read-then-write; the one serving process keeps its
//! credential cache exact by emptying it after every change it commits; the access log is kept
//! in segments (`sqlite_access`).

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};

use super::auth_cache::AuthCache;
use super::backend::{Backend, connect_migrated};
use super::rows::{db_err, micros};
use super::sql::Sql;
use super::sqlite_access;
use super::{AccessRecord, Credential, OpenError, StoreResult};

pub(crate) struct SqliteStore {
    pool: SqlitePool,
    path: String,
    /// Set once this process owns the file for serving; only then is the cache used.
    owner_lock: std::sync::OnceLock<std::fs::File>,
    cache: AuthCache,
}

/// The pool's size. Each connection is a thread with its own page cache (2 MiB) and, through
/// the C allocator, its own malloc arena: about 2.7 MiB resident each once warm, measured in a
/// 100,000-token org (docs/performance.md). Writes take turns whatever the size, and a read
/// holds a connection only while SQLite computes it, so beyond twice the cores more
/// connections only queue on the CPU.
fn connections() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    u32::try_from(cores * 2).unwrap_or(u32::MAX).clamp(4, 8)
}

impl SqliteStore {
    pub(crate) async fn open(path: &str) -> Result<SqliteStore, OpenError> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(|e| OpenError::Open(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL survives a process crash (kill -9); only power loss can lose the
            // last transactions, a trade every WAL deployment makes for write speed.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool_options = SqlitePoolOptions::new().max_connections(connections());
        let pool =
            connect_migrated(pool_options, options, sqlx::migrate!("migrations/sqlite")).await?;
        sqlite_access::adopt_row_table(&pool).await?;
        Ok(SqliteStore {
            pool,
            path: path.to_string(),
            owner_lock: std::sync::OnceLock::new(),
            cache: AuthCache::default(),
        })
    }

    /// Claims the file for this server process (a lock file beside it) and turns on the
    /// credential cache, which is exact only while no other process writes the database.
    /// A second `tokctl server` on the same file is refused: SQLite serves one process;
    /// replicas run on PostgreSQL.
    pub(crate) fn claim_for_serving(&self) -> Result<(), OpenError> {
        let lock_path = format!("{}.lock", self.path);
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        // Private like the database beside it (src/server/startup/db_files.rs).
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&lock_path)
            .map_err(|e| OpenError::Open(format!("{lock_path}: {e}")))?;
        file.try_lock().map_err(|_| {
            OpenError::Open(format!(
                "another tokctl server is serving {}; SQLite serves one server process (run replicas on PostgreSQL)",
                self.path
            ))
        })?;
        let _ = self.owner_lock.set(file);
        Ok(())
    }

    fn cached(&self) -> bool {
        self.owner_lock.get().is_some()
    }

    /// See [`super::Store::current_credential`]: the cache, once this process owns the file
    /// (every change goes through it and empties the cache before it is acknowledged).
    pub(crate) fn current_credential(&self, hash: &str) -> Option<Arc<Credential>> {
        if !self.cached() {
            return None;
        }
        self.cache.get(hash)
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// See [`super::Store::credential_by_hash`].
    pub(crate) async fn credential_by_hash(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        // Every change goes through this process and clears the cache before it is
        // acknowledged, so whatever the cache holds is current.
        _since: Instant,
    ) -> StoreResult<Option<Arc<Credential>>> {
        if !self.cached() {
            return Ok(Sql(self).credential_from_db(hash, now).await?.map(Arc::new));
        }
        if let Some(hit) = self.current_credential(hash) {
            return Ok(Some(hit));
        }
        Sql(self)
            .fetch_into_cache(hash, now, self.cache.generation())
            .await
    }
}

impl Backend for SqliteStore {
    type Db = Sqlite;

    // The write transaction holds the whole database already.
    const LOCK_READ_ROWS: &'static str = "";
    const CREATE_ORG_LOCK: Option<&'static str> = None;

    fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn cache(&self) -> &AuthCache {
        &self.cache
    }

    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'_, Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_err)
    }

    async fn mark_changed(_conn: &mut SqliteConnection) -> StoreResult<u64> {
        Ok(0)
    }

    async fn settle_change(&self, _mark: u64) {
        self.cache.invalidate();
    }

    async fn write_usage(
        &self,
        last_used: &[(String, DateTime<Utc>)],
        access: &[AccessRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (id, at) in last_used {
            sqlx::query(
                "UPDATE tokens SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?",
            )
            .bind(micros(*at))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        sqlite_access::write(&mut tx, access).await?;
        tx.commit().await.map_err(db_err)
    }
}
