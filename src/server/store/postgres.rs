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
//! answer bumps `credential_epoch` in its own transaction, and every lookup first reads that
//! epoch with a read started after the request arrived (shared by all requests in flight, see
//! `epoch::EpochReader`). A revoke committed through any replica empties every replica's cache
//! before their next request is judged; a request costs a fraction of one round trip under
//! load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use super::auth_cache::AuthCache;
use super::backend::{Backend, connect_migrated};
use super::copy_text;
use super::epoch::EpochReader;
use super::rows::{db_err, micros};
use super::sql::Sql;
use super::{AccessRecord, AddressTexts, Credential, OpenError, StoreResult};

pub(crate) struct PgStore {
    pool: PgPool,
    cache: AuthCache,
    epoch: EpochReader,
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
            cache: AuthCache::default(),
        })
    }

    pub(crate) async fn close(&self) {
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
        let epoch = self.epoch.read_since(since).await?;
        self.cache.advance_to(epoch);
        if let Some(hit) = self.cache.get(hash) {
            return Ok(Some(hit));
        }
        Sql(self).fetch_into_cache(hash, now, epoch).await
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
    async fn mark_changed(conn: &mut PgConnection) -> StoreResult<()> {
        sqlx::query("UPDATE credential_epoch SET epoch = epoch + 1 WHERE id = 1")
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    // Other replicas learn of the change from the epoch, and so does this one.
    fn forget_changed(&self) {}

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
