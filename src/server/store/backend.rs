//! Everything that differs between SQLite and PostgreSQL, in one place.
//!
//! The statements themselves are written once ([`super::sql`]): sqlx takes `$n` placeholders
//! on both, and both accept the same plain SQL (`TRUE`/`FALSE`, `CAST`, `COALESCE`, row values).
//! What a backend supplies through [`Backend`] is only what truly differs:
//! - **Types**: [`Backend::Db`], the sqlx driver (SQLite stores booleans as integers, PostgreSQL
//!   as `BOOLEAN`; both keep times as microseconds in a `BIGINT`/`INTEGER`).
//! - **Write transactions**: [`Backend::begin_write`]. SQLite opens `BEGIN IMMEDIATE` so two
//!   writers queue on the busy timeout instead of failing halfway through a read-then-write;
//!   PostgreSQL opens a plain transaction.
//! - **Locking**: [`Backend::LOCK_READ_ROWS`] (PostgreSQL locks the token rows a change reads,
//!   so two replicas revoking or rotating one token serialize; SQLite's write transaction holds
//!   the whole database already) and [`Backend::CREATE_ORG_LOCK`] (two `server init`s at once).
//! - **Cache exactness**: [`Backend::mark_changed`] inside a change's transaction (PostgreSQL
//!   bumps `credential_epoch`, which every replica reads or holds a lease on) and
//!   [`Backend::settle_change`] after its commit (SQLite, whose one serving process empties its
//!   own cache; PostgreSQL waits until every replica's lease has applied the new epoch). Both
//!   are called by [`super::sql::Sql::commit_change`] only. The cache lookup itself stays in
//!   each backend (`credential_by_hash`: on PostgreSQL an epoch read unless the replica holds a
//!   lease, none on SQLite).
//! - **Bulk writes**: [`Backend::write_usage`]. SQLite inserts access-log rows by statements of
//!   a few fixed lengths and updates last-used times one by one; PostgreSQL streams a `COPY`
//!   and updates all last-used times in one `UNNEST` statement.
//! - **Opening**: connection options, pool sizes and the migrations each backend's file names;
//!   connecting and migrating are [`connect_migrated`] for both.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::migrate::{Migrate, Migrator};
use sqlx::pool::PoolOptions;
use sqlx::{Pool, Transaction};

use super::auth_cache::AuthCache;
use super::rows::Columns;
use super::{AccessRecord, Credential, OpenError, StoreResult};

/// The connection inside a backend's transaction.
pub(crate) type Conn<B> = <<B as Backend>::Db as sqlx::Database>::Connection;

pub(crate) trait Backend: Sync {
    type Db: sqlx::Database<Row: Columns, QueryResult: RowsAffected>;

    /// Appended to reads of the token rows a transaction goes on to change.
    const LOCK_READ_ROWS: &'static str;

    /// Run first in the transaction that creates the org, if the backend needs it to keep two
    /// `server init`s from both creating one.
    const CREATE_ORG_LOCK: Option<&'static str>;

    fn pool(&self) -> &Pool<Self::Db>;

    fn cache(&self) -> &AuthCache;

    fn begin_write(&self) -> impl Future<Output = StoreResult<Transaction<'_, Self::Db>>> + Send;

    /// Inside the transaction of a change that can alter who authenticates as what; returns
    /// what [`Backend::settle_change`] needs (PostgreSQL: the new credential epoch).
    fn mark_changed(conn: &mut Conn<Self>) -> impl Future<Output = StoreResult<u64>> + Send;

    /// After such a change's commit, also when the commit reported an error (it may have
    /// committed anyway), before the change is acknowledged: every cache that could still
    /// answer for the old state has let it go when this returns.
    fn settle_change(&self, mark: u64) -> impl Future<Output = ()> + Send;

    /// Writes buffered last-used times and access-log rows in one transaction.
    fn write_usage(
        &self,
        last_used: &[(String, DateTime<Utc>)],
        access: &[AccessRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// See [`super::Store::unconfirmed_credential`].
    fn unconfirmed_credential(&self, _hash: &str) -> Option<Arc<Credential>> {
        None
    }
}

/// How many rows a statement changed: each driver's result type has it, no common trait does.
pub(crate) trait RowsAffected {
    fn rows_affected(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::sqlite::SqliteQueryResult::rows_affected(self)
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::postgres::PgQueryResult::rows_affected(self)
    }
}

/// Connects a pool and applies the backend's migrations.
pub(crate) async fn connect_migrated<DB>(
    pool: PoolOptions<DB>,
    options: <DB::Connection as sqlx::Connection>::Options,
    migrations: Migrator,
) -> Result<Pool<DB>, OpenError>
where
    DB: sqlx::Database,
    DB::Connection: Migrate,
{
    let pool = pool
        .connect_with(options)
        .await
        .map_err(|e| OpenError::Open(e.to_string()))?;
    migrations
        .run(&pool)
        .await
        .map_err(|e| OpenError::Migrate(e.to_string()))?;
    Ok(pool)
}
