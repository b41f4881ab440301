//! PostgreSQL, for several `tokctl server` replicas on one database.
//!
//! Only what PostgreSQL does differently lives here (see `backend` for the list); the
//! statements both backends share are in `sql`.
//!
//! Plain SQL that any Postgres-compatible engine takes (no extensions, BIGINT times). sqlx's
//! migrator holds a Postgres advisory lock while it migrates, so replicas starting together
//! do not race. Read-then-write changes lock the rows they read (`FOR UPDATE`) so two
//! replicas revoking or rotating the same token serialize.
//!
//! Credentials are cached per replica, exactly: every write that can change an authentication
//! answer bumps `credential_epoch` in its own transaction. A serving replica that holds a
//! credential lease (`lease`) has applied every epoch acknowledged so far and answers from its
//! cache; one that does not first reads the epoch with a read started after the request arrived
//! (shared by all requests in flight, see `epoch::EpochReader`). A change is acknowledged only
//! once every lease has applied it, so a revoke committed through any replica is seen by every
//! replica on its very next request.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use super::auth_cache::AuthCache;
use super::backend::{Backend, connect_migrated};
use super::copy_text;
use super::epoch::EpochReader;
use super::lease::{self, Lease};
use super::rows::{db_err, micros};
use super::sql::Sql;
use super::{AccessRecord, AddressTexts, Credential, OpenError, StoreResult};

pub(crate) struct PgStore {
    pool: PgPool,
    cache: Arc<AuthCache>,
    epoch: EpochReader,
    lease: Arc<Lease>,
}

impl PgStore {
    pub(crate) async fn open(url: &str) -> Result<PgStore, OpenError> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| OpenError::Open(e.to_string()))?;
        let pool_options = PgPoolOptions::new()
            .max_connections(16)
            // Fail fast when the database is down: requests answer 503 instead of hanging.
            .acquire_timeout(Duration::from_secs(3));
        let pool =
            connect_migrated(pool_options, options, sqlx::migrate!("migrations/postgres")).await?;
        Ok(PgStore {
            epoch: EpochReader::spawn(pool.clone()),
            pool,
            cache: Arc::default(),
            lease: Arc::new(Lease::new()),
        })
    }

    /// Holds a credential lease from now on: the serving replica's cache answers without an
    /// epoch read per request.
    pub(crate) fn hold_lease(&self) {
        self.lease.start(self.pool.clone(), Arc::clone(&self.cache));
    }

    pub(crate) fn lease_stats(&self) -> crate::server::metrics::LeaseStats {
        crate::server::metrics::LeaseStats {
            held: self.lease.holds(),
            epoch_reads: self.epoch.reads(),
        }
    }

    pub(crate) async fn close(&self) {
        self.lease.release(&self.pool).await;
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// See [`super::Store::credential_by_hash`].
    pub(crate) async fn credential_by_hash(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        since: Instant,
    ) -> StoreResult<Option<Arc<Credential>>> {
        if !self.lease.holds() {
            let epoch = self.epoch.read_since(since).await?;
            self.cache.advance_to(epoch);
        }
        // Read before the lookup's query: an epoch applied meanwhile drops what it finds.
        let generation = self.cache.generation();
        if let Some(hit) = self.cache.get(hash) {
            return Ok(Some(hit));
        }
        Sql(self).fetch_into_cache(hash, now, generation).await
    }
}

impl Backend for PgStore {
    type Db = Postgres;

    const LOCK_READ_ROWS: &'static str = " FOR UPDATE OF t";
    const CREATE_ORG_LOCK: Option<&'static str> = Some("LOCK TABLE orgs IN EXCLUSIVE MODE");

    fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn cache(&self) -> &AuthCache {
        &self.cache
    }

    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'_, Postgres>> {
        self.pool.begin().await.map_err(db_err)
    }

    /// Moves the credential epoch; part of the writing transaction, so the epoch moves exactly
    /// when the change commits.
    async fn mark_changed(conn: &mut PgConnection) -> StoreResult<u64> {
        let epoch: i64 = sqlx::query_scalar(
            "UPDATE credential_epoch SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch",
        )
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
        Ok(u64::try_from(epoch).unwrap_or(0))
    }

    /// Every replica (this one too) learns of the change from the epoch: those holding a lease
    /// have applied it when this returns.
    async fn settle_change(&self, epoch: u64) {
        lease::await_applied(&self.pool, epoch).await;
    }

    fn unconfirmed_credential(&self, hash: &str) -> Option<Arc<Credential>> {
        self.cache.get(hash)
    }

    async fn write_usage(
        &self,
        last_used: &[(String, DateTime<Utc>)],
        access: &[AccessRecord],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        if !last_used.is_empty() {
            // One statement for all tokens: ids and times as parallel arrays.
            let ids: Vec<&str> = last_used.iter().map(|(id, _)| id.as_str()).collect();
            let ats: Vec<i64> = last_used.iter().map(|(_, at)| micros(*at)).collect();
            sqlx::query(
                "UPDATE tokens SET last_used_at = GREATEST(COALESCE(tokens.last_used_at, 0), u.at) \
                 FROM UNNEST($1::TEXT[], $2::BIGINT[]) AS u(id, at) WHERE tokens.id = u.id",
            )
            .bind(&ids)
            .bind(&ats)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        // The rows stream in through one `COPY` (see `copy_text`), in chunks that bound the
        // buffer; their ids follow the order of `access`.
        if !access.is_empty() {
            let mut addresses = AddressTexts::default();
            let mut copy = tx
                .copy_in_raw(copy_text::COPY_ACCESS_LOG)
                .await
                .map_err(db_err)?;
            let mut buf = Vec::new();
            for chunk in access.chunks(4096) {
                buf.clear();
                copy_text::write_rows(&mut buf, chunk, &mut addresses);
                copy.send(buf.as_slice()).await.map_err(db_err)?;
            }
            copy.finish().await.map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }
}
