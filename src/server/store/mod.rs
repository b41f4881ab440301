//! Storage behind one trait, so handlers never see an SQL dialect.
//!
//! [`Store`] is what the server needs from a database; [`Database`], the backend chosen at
//! start, implements it without boxing. The statements are written once (`sql`), for both
//! [`sqlite`] (the embedded default) and [`postgres`]; what truly differs between those two is
//! listed in one place, the `Backend` trait (`backend`).
//! Every change method takes the audit event that describes it and writes both in one
//! transaction.

mod access_codec;
pub(crate) mod audit;
mod auth_cache;
mod backend;
pub(crate) mod chain;
mod copy_text;
mod epoch;
mod info_json;
mod lease;
#[cfg(test)]
mod parity;
#[cfg(test)]
pub(crate) use info_json::sample_credential;
pub(crate) mod postgres;
mod rows;
mod sql;
pub(crate) mod sqlite;
mod sqlite_access;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::api::leaks::LeakNotice;
use crate::api::perms::{PermSet, Permission, Role, effective_permissions};
use crate::api::secret::TokenType;
use crate::api::trust::Via;
use crate::api::types::{OrgPolicy, RateLimit, TokenInfo, TokenStatus, UserInfo};
use backend::Backend;
use sql::Sql;

#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// A uniqueness rule refused the change (an active token or member of that name exists).
    #[error("{0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    /// A child token's parent was revoked or expired before the child could be written.
    #[error("the parent token is no longer active")]
    ParentEnded,
    /// The database could not be reached or answered with an error; nothing was decided.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A row that cannot be read back (a bug or a hand-edited database).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

pub(crate) type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone)]
pub(crate) struct OrgRecord {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) policy: OrgPolicy,
}

#[derive(Debug, Clone)]
pub(crate) struct UserRecord {
    pub(crate) id: i64,
    pub(crate) org_id: i64,
    pub(crate) email: Option<String>,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) service: bool,
    /// Argon2id PHC string; None for service accounts. Kept out of `Debug`: a leaked hash can
    /// be cracked offline.
    pub(crate) password_hash: Option<SecretString>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) removed_at: Option<DateTime<Utc>>,
}

impl UserRecord {
    /// How the member is named in token owners and audit actors: email, or service name.
    pub(crate) fn label(&self) -> &str {
        self.email.as_deref().unwrap_or(&self.name)
    }

    pub(crate) fn info(&self) -> UserInfo {
        UserInfo {
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role,
            service: self.service,
            created_at: Some(self.created_at),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct TokenRecord {
    pub(crate) id: String,
    pub(crate) org_id: i64,
    pub(crate) user_id: i64,
    /// The owner's label (email or service account name), joined in by every read.
    pub(crate) owner: String,
    pub(crate) name: String,
    pub(crate) kind: TokenType,
    pub(crate) scopes: Vec<String>,
    pub(crate) created_at: DateTime<Utc>,
    /// When the current secret was issued (creation or last rotation).
    pub(crate) issued_at: DateTime<Utc>,
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) last_used_at: Option<DateTime<Utc>>,
    pub(crate) revoked_at: Option<DateTime<Utc>>,
    /// Why it was revoked (`leaked`, a revoke's `--reason`, …), as `TokenInfo.revoked_reason`.
    pub(crate) revoke_reason: Option<String>,
    pub(crate) rate_limit: RateLimit,
    pub(crate) allowed_cidrs: Vec<String>,
    pub(crate) description: Option<String>,
    /// While a rotation's grace period runs: when the previous secret stops working.
    pub prev_expires_at: Option<DateTime<Utc>>,
    /// The token whose credential minted this one (docs/delegation.md); None for a root.
    pub parent_id: Option<String>,
    /// 0 for a root, the parent's + 1 for a child.
    pub depth: u32,
    /// RFC 8707 resource identifiers the token may be presented to; empty = any.
    pub audience: Vec<String>,
    /// Made by exchanging a CI provider's ID token: how (see [`crate::api::trust::Via`]).
    pub via: Option<Via>,
}

impl TokenRecord {
    pub(crate) fn status(&self, now: DateTime<Utc>) -> TokenStatus {
        if self.revoked_at.is_some() {
            TokenStatus::Revoked
        } else if self.expires_at.is_some_and(|e| e <= now) {
            TokenStatus::Expired
        } else {
            TokenStatus::Active
        }
    }

    pub(crate) fn info(&self, now: DateTime<Utc>) -> TokenInfo {
        TokenInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            kind: self.kind,
            owner: self.owner.clone(),
            scopes: self.scopes.clone(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
            revoked_reason: self.revoke_reason.clone(),
            status: self.status(now),
            rate_limit: self.rate_limit,
            allowed_cidrs: self.allowed_cidrs.clone(),
            description: self.description.clone(),
            previous_secret_expires_at: self
                .prev_expires_at
                .filter(|_| self.info_shows_previous_secret(now)),
            parent: self.parent_id.clone(),
            depth: self.depth,
            audience: self.audience.clone(),
            via: self.via.clone(),
        }
    }

    /// Whether `info(now)` names when the previous secret of a rotation stops working.
    fn info_shows_previous_secret(&self, now: DateTime<Utc>) -> bool {
        self.prev_expires_at.is_some_and(|t| t > now) && self.revoked_at.is_none()
    }
}

/// A presented secret resolved to its token, owner and org: everything auth needs, in one read.
#[derive(Debug, Clone)]
pub(crate) struct Credential {
    pub(crate) token: TokenRecord,
    pub(crate) user: UserRecord,
    pub(crate) org_name: String,
    /// Matched the previous secret of a rotation: valid only while `prev_expires_at` is ahead.
    pub(crate) via_previous: bool,
    /// The token's info as JSON, for verify answers ([`Credential::token_info_json`]).
    pub info_json: info_json::InfoJson,
    /// The token's ancestors as they were read with it ([`chain`]): cached with the
    /// credential, so emptied with it by every change that could narrow or end one.
    pub chain: chain::Chain,
}

impl Credential {
    /// What a request made with this credential may do: its scopes ∩ its owner's current
    /// role ∩ what every ancestor allows.
    pub(crate) fn permissions(&self) -> PermSet {
        effective_permissions(self.user.role, &self.token.scopes).intersect(self.chain.allows)
    }

    /// Found by a previous secret whose grace period is over at `now`: that secret
    /// authenticates nothing, however it was found (a cache may still hold the credential).
    pub(crate) fn previous_secret_lapsed(&self, now: DateTime<Utc>) -> bool {
        self.via_previous && self.token.prev_expires_at.is_none_or(|t| t <= now)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct NewUser {
    pub(crate) org_id: i64,
    pub(crate) email: Option<String>,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) service: bool,
    pub(crate) password_hash: Option<SecretString>,
    pub(crate) created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct NewToken {
    pub(crate) id: String,
    pub(crate) org_id: i64,
    pub(crate) user_id: i64,
    pub(crate) name: String,
    pub(crate) kind: TokenType,
    pub(crate) scopes: Vec<String>,
    pub(crate) secret_hash: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) rate_limit: RateLimit,
    pub(crate) allowed_cidrs: Vec<String>,
    pub(crate) description: Option<String>,
    pub(crate) created_by: Option<i64>,
    /// Sessions have no unique name among active tokens; PATs and MCP tokens do.
    pub unique_name: bool,
    /// The parent (a child token, docs/delegation.md) and the child's depth; the insert
    /// refuses it when the parent is no longer active at commit.
    pub parent: Option<(String, u32)>,
    /// See [`TokenRecord::audience`].
    pub audience: Vec<String>,
    /// Made by a token exchange through a trust policy.
    pub via: Option<Via>,
}

/// A trust policy as stored ([`crate::api::trust::TrustPolicy`] on the wire).
#[derive(Debug, Clone)]
pub struct TrustRecord {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub issuer: String,
    pub audience: String,
    pub subject: String,
    pub claims: BTreeMap<String, String>,
    pub owner_id: i64,
    /// The owner's label, joined in by every read.
    pub owner: String,
    pub scopes: Vec<String>,
    pub lifetime: chrono::Duration,
    pub rate_limit: RateLimit,
    pub allowed_cidrs: Vec<String>,
    /// A pinned JWK Set (JSON text), for issuers the server cannot reach.
    pub jwks: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Who added it (label), if still known.
    pub created_by: Option<String>,
}

/// A trust policy to add.
#[derive(Debug, Clone)]
pub struct NewTrust {
    pub org_id: i64,
    pub name: String,
    pub issuer: String,
    pub audience: String,
    pub subject: String,
    pub claims: BTreeMap<String, String>,
    pub owner_id: i64,
    pub scopes: Vec<String>,
    pub lifetime: chrono::Duration,
    pub rate_limit: RateLimit,
    pub allowed_cidrs: Vec<String>,
    pub jwks: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<i64>,
}

/// An exchanged ID token's `jti`, kept until `expires_at` so it is exchanged once.
#[derive(Debug, Clone)]
pub struct ExchangedJti {
    pub issuer: String,
    pub jti: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct Rotation {
    pub(crate) token_id: String,
    pub(crate) new_hash: String,
    pub(crate) issued_at: DateTime<Utc>,
    pub(crate) expires_at: Option<DateTime<Utc>>,
    /// Keep the old secret working until then (None = it dies now).
    pub(crate) grace_until: Option<DateTime<Utc>>,
}

/// Where a leaked secret was found, as its report said (already cut and cleaned).
#[derive(Debug, Clone, Default)]
pub struct LeakPlace {
    pub url: Option<String>,
    pub source: Option<String>,
}

/// An audit event to write with the change it describes.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub org_id: i64,
    pub at: DateTime<Utc>,
    pub action: &'static str,
    pub actor: Option<String>,
    pub actor_user_id: Option<i64>,
    pub credential_id: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub detail: serde_json::Value,
    /// The root of the acting credential's delegation chain (None: a root, or no credential).
    pub root_id: Option<String>,
}

/// One authenticated request, for the access log, kept as typed as the request had it: the
/// address becomes text only when the flush writes the row (once per distinct address), and
/// fixed method and route names are borrowed rather than copied by every request.
#[derive(Debug, Clone)]
pub(crate) struct AccessRecord {
    pub(crate) org_id: i64,
    pub(crate) at: DateTime<Utc>,
    pub(crate) credential_id: String,
    pub(crate) method: Cow<'static, str>,
    pub(crate) path: Cow<'static, str>,
    pub(crate) status: u16,
    pub(crate) ip: Option<IpAddr>,
    pub(crate) latency_us: i64,
    /// The permission asked about (verify, forward-auth), if any.
    pub permission: Option<Permission>,
    /// The root of the credential's delegation chain (None: the credential is a root).
    pub root_id: Option<Arc<str>>,
}

/// The text of each client address a flush writes, made once per address rather than once per
/// row: a flush writes thousands of rows from a handful of addresses.
#[derive(Default)]
pub(crate) struct AddressTexts(std::collections::HashMap<IpAddr, Arc<str>>);

impl AddressTexts {
    pub(crate) fn text(&mut self, ip: Option<IpAddr>) -> Option<Arc<str>> {
        let ip = ip?;
        Some(Arc::clone(
            self.0.entry(ip).or_insert_with(|| ip.to_string().into()),
        ))
    }
}

/// Which tokens a listing wants. Times are resolved by the caller.
#[derive(Debug, Clone, Default)]
pub(crate) struct TokenFilter {
    pub(crate) org_id: i64,
    /// None = every member of the org.
    pub(crate) user_id: Option<i64>,
    /// None = every status.
    pub(crate) status: Option<TokenStatus>,
    /// None = every type but sessions.
    pub(crate) kind: Option<TokenType>,
    pub(crate) include_sessions: bool,
    /// Active tokens expiring before this time.
    pub(crate) expiring_before: Option<DateTime<Utc>>,
    /// Tokens last used (or, never used, created) before this time.
    pub(crate) unused_since: Option<DateTime<Utc>>,
    pub(crate) now: DateTime<Utc>,
}

/// Position after the last row of a page: `(created_at, id)`, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at.timestamp_micros(), self.id)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let (micros, id) = s.split_once('.')?;
        let created_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        Some(Cursor {
            created_at,
            id: id.to_string(),
        })
    }
}

/// What the token service needs from its database.
pub(crate) trait Store: Send + Sync {
    /// The org this database serves (a database holds one), once `server init` created it.
    fn the_org(&self) -> impl Future<Output = StoreResult<Option<i64>>> + Send;

    /// Creates the org and its owner; `Conflict` when an org exists already.
    fn create_org(
        &self,
        name: &str,
        owner: NewUser,
        policy: &OrgPolicy,
    ) -> impl Future<Output = StoreResult<OrgRecord>> + Send;

    fn org(&self, org_id: i64) -> impl Future<Output = StoreResult<OrgRecord>> + Send;

    fn set_policy(
        &self,
        org_id: i64,
        policy: &OrgPolicy,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The hot path: resolves a secret's hash (current, or previous within its grace period).
    /// `since` is when the request arrived: the answer reflects every change committed before
    /// it (a backend that caches must check its cache against state read after `since`).
    fn credential_by_hash(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        since: Instant,
    ) -> impl Future<Output = StoreResult<Option<Arc<Credential>>>> + Send;

    /// What this replica has cached for a secret's hash, **unconfirmed**: it may be stale until
    /// [`Store::credential_by_hash`] has checked it for the request. Only for work that may start
    /// early and is thrown away unless the confirmed credential agrees (a rate-limit round trip
    /// overlapping the confirmation); never for an answer. None where a lookup is cheap anyway.
    fn unconfirmed_credential(&self, _hash: &str) -> Option<Arc<Credential>> {
        None
    }

    /// What [`Store::credential_by_hash`] would answer for a secret's hash, when this process
    /// knows it without a read: a cached credential no change can have outdated (a store whose
    /// every write goes through this process and empties the cache before it is acknowledged).
    /// None means "look it up", never "unknown". It lets the hot path answer a hit without
    /// building the lookup's future at all.
    fn current_credential(&self, _hash: &str) -> Option<Arc<Credential>> {
        None
    }

    /// The active member a login names: a person by email (case-insensitively), or a service
    /// account by name (so its login can be refused with a clear message).
    fn login_account(
        &self,
        email: &str,
    ) -> impl Future<Output = StoreResult<Option<UserRecord>>> + Send;

    /// An active member of the org by email or name.
    fn member(
        &self,
        org_id: i64,
        email_or_name: &str,
    ) -> impl Future<Output = StoreResult<Option<UserRecord>>> + Send;

    fn list_members(
        &self,
        org_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<UserRecord>>> + Send;

    fn add_member(
        &self,
        user: NewUser,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<UserRecord>> + Send;

    fn set_role(
        &self,
        user_id: i64,
        role: Role,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<UserRecord>> + Send;

    /// Deactivates the member and revokes every active token and session of theirs, each with
    /// its own `token.revoke` event, all in one transaction. Returns the tokens it revoked.
    fn remove_member(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<Vec<TokenRecord>>> + Send;

    /// `Conflict` when the owner has an active token of that name.
    fn insert_token(
        &self,
        token: NewToken,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<TokenRecord>> + Send;

    fn token_by_id(
        &self,
        org_id: i64,
        id: &str,
    ) -> impl Future<Output = StoreResult<Option<TokenRecord>>> + Send;

    /// The owner's active token of that name, else the most recently revoked or expired one.
    fn token_by_name(
        &self,
        user_id: i64,
        name: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<TokenRecord>>> + Send;

    /// One page, newest first, after `cursor`.
    fn list_tokens(
        &self,
        filter: &TokenFilter,
        cursor: Option<&Cursor>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<TokenRecord>>> + Send;

    /// Revokes the token unless it is revoked already, and every active token of its subtree
    /// (docs/delegation.md), one `token.revoke` event each (the cascade's naming the token in
    /// `detail.cascade_of`), in one transaction. Returns the token, then the descendants this
    /// call revoked, and whether it revoked the token itself.
    fn revoke_token(
        &self,
        token_id: &str,
        now: DateTime<Utc>,
        reason: Option<&str>,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<(Vec<TokenRecord>, bool)>> + Send;

    /// The token `id` and its descendants (parents before children), whatever their status.
    fn subtree(&self, id: &str) -> impl Future<Output = StoreResult<Vec<TokenRecord>>> + Send;

    /// Revokes every active token and session of a member (one `token.revoke` event each,
    /// built from `event`). With `dry_run`, only lists them.
    fn revoke_owner_tokens(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        reason: Option<&str>,
        dry_run: bool,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<Vec<TokenRecord>>> + Send;

    /// Revokes, as leaked, the live token whose current secret (or previous one, inside its
    /// grace period) has the hash `hash`, with `event` (its org and target filled in) in the
    /// same transaction. The token the secret belongs to, if any, and whether this call
    /// revoked it (false for one revoked or expired already: nothing written).
    fn revoke_leaked(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        leak: &LeakPlace,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<Option<(TokenRecord, bool)>>> + Send;

    /// The member's tokens revoked as leaked since `since`, newest first.
    fn recent_leaks(
        &self,
        user_id: i64,
        since: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Vec<LeakNotice>>> + Send;

    /// Replaces the secret of an active token. `NotFound` when it is not active any more.
    fn rotate_token(
        &self,
        rotation: Rotation,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<TokenRecord>> + Send;

    /// `Conflict` when the org has a trust policy of that name.
    fn insert_trust(
        &self,
        trust: NewTrust,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<TrustRecord>> + Send;

    /// The org's trust policies by name; only those for `issuer` when given.
    fn trusts(
        &self,
        org_id: i64,
        issuer: Option<&str>,
    ) -> impl Future<Output = StoreResult<Vec<TrustRecord>>> + Send;

    /// Removes the policy; `NotFound` when there is none of that name.
    fn delete_trust(
        &self,
        org_id: i64,
        name: &str,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<TrustRecord>> + Send;

    /// Mints a token from an exchanged ID token, claiming its `jti` in the same transaction:
    /// None (nothing written) when that `jti` was exchanged already, on any replica.
    fn insert_exchanged_token(
        &self,
        token: NewToken,
        jti: ExchangedJti,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<Option<TokenRecord>>> + Send;

    /// An event with no change attached (failed authentication).
    fn record_event(&self, event: NewEvent) -> impl Future<Output = StoreResult<()>> + Send;

    /// Writes buffered last-used times and access-log rows in one transaction.
    fn flush_usage(
        &self,
        last_used: &[(String, DateTime<Utc>)],
        access: &[AccessRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// The backend chosen at start.
pub(crate) enum Database {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Database::Sqlite($s) => $call.await,
            Database::Postgres($s) => $call.await,
        }
    };
}

/// The hot path's lookup: [`Store::credential_by_hash`], answered from
/// [`Store::current_credential`] when this process knows the answer without a read.
pub(crate) async fn credential(
    store: &impl Store,
    hash: &str,
    now: DateTime<Utc>,
    since: Instant,
) -> StoreResult<Option<Arc<Credential>>> {
    if let Some(hit) = store.current_credential(hash) {
        return Ok(Some(hit));
    }
    // Boxed, and built only on a miss: the backends' lookup futures are kilobytes (PostgreSQL's
    // about 9.6 KB in a release build), and moving one into its box on every request was a
    // tenth of a verify's instructions (docs/performance.md). Inline, it would grow every
    // caller's future instead.
    Box::pin(store.credential_by_hash(hash, now, since)).await
}

impl Database {
    /// Opens (creating if needed) the database named by `--database` and applies migrations.
    pub(crate) async fn open(url: &str) -> Result<Database, OpenError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(postgres::PgStore::open(url).await?));
        }
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        Ok(Database::Sqlite(sqlite::SqliteStore::open(path).await?))
    }

    /// Claims the database for this serving process (SQLite), or starts holding a credential
    /// lease (PostgreSQL).
    pub(crate) fn claim_for_serving(&self) -> Result<(), OpenError> {
        match self {
            Database::Sqlite(s) => s.claim_for_serving(),
            Database::Postgres(s) => {
                s.hold_lease();
                Ok(())
            }
        }
    }

    /// Whether this replica holds a credential lease, and how often it read the epoch instead
    /// (PostgreSQL; None on SQLite).
    pub(crate) fn lease_stats(&self) -> Option<crate::server::metrics::LeaseStats> {
        match self {
            Database::Sqlite(_) => None,
            Database::Postgres(s) => Some(s.lease_stats()),
        }
    }

    /// Closes the connection pool, letting SQLite checkpoint its WAL.
    pub(crate) async fn close(&self) {
        match self {
            Database::Sqlite(s) => s.close().await,
            Database::Postgres(s) => s.close().await,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum OpenError {
    #[error("cannot open the database: {0}")]
    Open(String),
    #[error("cannot apply the database migrations: {0}")]
    Migrate(String),
}

impl Store for Database {
    async fn the_org(&self) -> StoreResult<Option<i64>> {
        dispatch!(self, s => Sql(s).the_org())
    }
    async fn create_org(
        &self,
        name: &str,
        owner: NewUser,
        policy: &OrgPolicy,
    ) -> StoreResult<OrgRecord> {
        dispatch!(self, s => Sql(s).create_org(name, owner, policy))
    }
    async fn org(&self, org_id: i64) -> StoreResult<OrgRecord> {
        dispatch!(self, s => Sql(s).org(org_id))
    }
    async fn set_policy(
        &self,
        org_id: i64,
        policy: &OrgPolicy,
        event: NewEvent,
    ) -> StoreResult<()> {
        dispatch!(self, s => Sql(s).set_policy(org_id, policy, event))
    }
    async fn credential_by_hash(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        since: Instant,
    ) -> StoreResult<Option<Arc<Credential>>> {
        dispatch!(self, s => s.credential_by_hash(hash, now, since))
    }
    fn unconfirmed_credential(&self, hash: &str) -> Option<Arc<Credential>> {
        match self {
            Database::Sqlite(s) => s.unconfirmed_credential(hash),
            Database::Postgres(s) => s.unconfirmed_credential(hash),
        }
    }
    fn current_credential(&self, hash: &str) -> Option<Arc<Credential>> {
        match self {
            Database::Sqlite(s) => s.current_credential(hash),
            // Another replica may have revoked it: only a lookup with an epoch read knows.
            Database::Postgres(_) => None,
        }
    }
    async fn login_account(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        dispatch!(self, s => Sql(s).login_account(email))
    }
    async fn member(&self, org_id: i64, email_or_name: &str) -> StoreResult<Option<UserRecord>> {
        dispatch!(self, s => Sql(s).member(org_id, email_or_name))
    }
    async fn list_members(&self, org_id: i64) -> StoreResult<Vec<UserRecord>> {
        dispatch!(self, s => Sql(s).list_members(org_id))
    }
    async fn add_member(&self, user: NewUser, event: NewEvent) -> StoreResult<UserRecord> {
        dispatch!(self, s => Sql(s).add_member(user, event))
    }
    async fn set_role(&self, user_id: i64, role: Role, event: NewEvent) -> StoreResult<UserRecord> {
        dispatch!(self, s => Sql(s).set_role(user_id, role, event))
    }
    async fn remove_member(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        event: NewEvent,
    ) -> StoreResult<Vec<TokenRecord>> {
        dispatch!(self, s => Sql(s).remove_member(user_id, now, event))
    }
    async fn insert_token(&self, token: NewToken, event: NewEvent) -> StoreResult<TokenRecord> {
        dispatch!(self, s => Sql(s).insert_token(token, event))
    }
    async fn token_by_id(&self, org_id: i64, id: &str) -> StoreResult<Option<TokenRecord>> {
        dispatch!(self, s => Sql(s).token_by_id(org_id, id))
    }
    async fn token_by_name(
        &self,
        user_id: i64,
        name: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<TokenRecord>> {
        dispatch!(self, s => Sql(s).token_by_name(user_id, name, now))
    }
    async fn list_tokens(
        &self,
        filter: &TokenFilter,
        cursor: Option<&Cursor>,
        limit: u32,
    ) -> StoreResult<Vec<TokenRecord>> {
        dispatch!(self, s => Sql(s).list_tokens(filter, cursor, limit))
    }
    async fn revoke_token(
        &self,
        token_id: &str,
        now: DateTime<Utc>,
        reason: Option<&str>,
        event: NewEvent,
    ) -> StoreResult<(Vec<TokenRecord>, bool)> {
        dispatch!(self, s => Sql(s).revoke_token(token_id, now, reason, event))
    }
    async fn subtree(&self, id: &str) -> StoreResult<Vec<TokenRecord>> {
        dispatch!(self, s => Sql(s).subtree(id))
    }
    async fn revoke_owner_tokens(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        reason: Option<&str>,
        dry_run: bool,
        event: NewEvent,
    ) -> StoreResult<Vec<TokenRecord>> {
        dispatch!(self, s => Sql(s).revoke_owner_tokens(user_id, now, reason, dry_run, event))
    }
    async fn revoke_leaked(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        leak: &LeakPlace,
        event: NewEvent,
    ) -> StoreResult<Option<(TokenRecord, bool)>> {
        dispatch!(self, s => Sql(s).revoke_leaked(hash, now, leak, event))
    }
    async fn recent_leaks(
        &self,
        user_id: i64,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<LeakNotice>> {
        dispatch!(self, s => Sql(s).recent_leaks(user_id, since))
    }
    async fn rotate_token(&self, rotation: Rotation, event: NewEvent) -> StoreResult<TokenRecord> {
        dispatch!(self, s => Sql(s).rotate_token(rotation, event))
    }
    async fn insert_trust(&self, trust: NewTrust, event: NewEvent) -> StoreResult<TrustRecord> {
        dispatch!(self, s => Sql(s).insert_trust(trust, event))
    }
    async fn trusts(&self, org_id: i64, issuer: Option<&str>) -> StoreResult<Vec<TrustRecord>> {
        dispatch!(self, s => Sql(s).trusts(org_id, issuer))
    }
    async fn delete_trust(
        &self,
        org_id: i64,
        name: &str,
        event: NewEvent,
    ) -> StoreResult<TrustRecord> {
        dispatch!(self, s => Sql(s).delete_trust(org_id, name, event))
    }
    async fn insert_exchanged_token(
        &self,
        token: NewToken,
        jti: ExchangedJti,
        event: NewEvent,
    ) -> StoreResult<Option<TokenRecord>> {
        dispatch!(self, s => Sql(s).insert_exchanged_token(token, jti, event))
    }
    async fn record_event(&self, event: NewEvent) -> StoreResult<()> {
        dispatch!(self, s => Sql(s).record_event(event))
    }
    async fn flush_usage(
        &self,
        last_used: &[(String, DateTime<Utc>)],
        access: &[AccessRecord],
    ) -> StoreResult<()> {
        dispatch!(self, s => Sql(s).flush_usage(last_used, access))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_junk() {
        let c = Cursor {
            created_at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            id: "tk_abc".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for junk in ["", ".", "x.tk_a", "1.", "1.tk a", "1.tk'--"] {
            assert_eq!(Cursor::decode(junk), None, "{junk}");
        }
    }
}
