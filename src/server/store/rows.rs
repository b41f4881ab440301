//! Row decoding shared by both backends: the same columns, read through [`Columns`], become
//! the same records. Times are microseconds since the epoch in both schemas.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use sqlx::{QueryBuilder, Row};

use super::{Credential, Cursor, StoreError, StoreResult, TokenFilter, TokenRecord, UserRecord};
use crate::api::perms::Role;
use crate::api::secret::TokenType;
use crate::api::types::RateLimit;
use crate::api::types::TokenStatus;

/// Token columns, with the owner's label joined in; aliases shared by both dialects.
pub(crate) const TOKEN_COLUMNS: &str = "t.id, t.org_id, t.user_id, COALESCE(u.email, u.name) AS owner, \
     t.name, t.kind, t.scopes, t.created_at, t.issued_at, t.expires_at, t.last_used_at, \
     t.revoked_at, t.revoke_reason, t.per_minute, t.per_hour, t.allowed_cidrs, t.description, \
     t.prev_expires_at, t.parent_id, t.depth, t.audience, t.via";

/// User columns, aliased so they can sit beside [`TOKEN_COLUMNS`] in one row.
pub(crate) const USER_COLUMNS: &str = "u.id AS u_id, u.org_id AS u_org_id, u.email, u.name AS u_name, \
     u.role, u.service, u.password_hash, u.created_at AS u_created_at, u.removed_at";

pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict("already exists".into())
        }
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Unavailable(e.to_string()),
    }
}

pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn time(v: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(v).ok_or_else(|| StoreError::Corrupt(format!("time {v}")))
}

pub(crate) fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn parse_list(s: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("list column: {e}")))
}

/// Typed column access over either backend's row type.
pub(crate) trait Columns {
    fn i64(&self, col: &str) -> StoreResult<i64>;
    fn opt_i64(&self, col: &str) -> StoreResult<Option<i64>>;
    fn text(&self, col: &str) -> StoreResult<String>;
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>>;
    fn flag(&self, col: &str) -> StoreResult<bool>;

    fn time(&self, col: &str) -> StoreResult<DateTime<Utc>> {
        time(self.i64(col)?)
    }
    fn opt_time(&self, col: &str) -> StoreResult<Option<DateTime<Utc>>> {
        self.opt_i64(col)?.map(time).transpose()
    }
}

macro_rules! columns_for {
    ($row:ty) => {
        impl Columns for $row {
            fn i64(&self, col: &str) -> StoreResult<i64> {
                self.try_get(col).map_err(db_err)
            }
            fn opt_i64(&self, col: &str) -> StoreResult<Option<i64>> {
                self.try_get(col).map_err(db_err)
            }
            fn text(&self, col: &str) -> StoreResult<String> {
                self.try_get(col).map_err(db_err)
            }
            fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
                self.try_get(col).map_err(db_err)
            }
            fn flag(&self, col: &str) -> StoreResult<bool> {
                self.try_get(col).map_err(db_err)
            }
        }
    };
}

columns_for!(sqlx::sqlite::SqliteRow);
columns_for!(sqlx::postgres::PgRow);

pub(crate) fn token_from_row(r: &impl Columns) -> StoreResult<TokenRecord> {
    let kind = r.text("kind")?;
    Ok(TokenRecord {
        id: r.text("id")?,
        org_id: r.i64("org_id")?,
        user_id: r.i64("user_id")?,
        owner: r.text("owner")?,
        name: r.text("name")?,
        kind: TokenType::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("token type {kind}")))?,
        scopes: parse_list(&r.text("scopes")?)?,
        created_at: r.time("created_at")?,
        issued_at: r.time("issued_at")?,
        expires_at: r.opt_time("expires_at")?,
        last_used_at: r.opt_time("last_used_at")?,
        revoked_at: r.opt_time("revoked_at")?,
        revoke_reason: r.opt_text("revoke_reason")?,
        rate_limit: RateLimit {
            per_minute: u32::try_from(r.i64("per_minute")?).unwrap_or(u32::MAX),
            per_hour: u32::try_from(r.i64("per_hour")?).unwrap_or(u32::MAX),
        },
        allowed_cidrs: parse_list(&r.text("allowed_cidrs")?)?,
        description: r.opt_text("description")?,
        prev_expires_at: r.opt_time("prev_expires_at")?,
        parent_id: r.opt_text("parent_id")?,
        depth: u32::try_from(r.i64("depth")?).unwrap_or(u32::MAX),
        audience: parse_list(&r.text("audience")?)?,
        via: r
            .opt_text("via")?
            .map(|v| serde_json::from_str(&v))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("token via: {e}")))?,
    })
}

/// A credential lookup's row: the token and user columns, `org_name`, and `via_prev` (whether
/// the previous secret matched).
pub(crate) fn credential_from_row(r: &impl Columns) -> StoreResult<Credential> {
    Ok(Credential {
        token: token_from_row(r)?,
        user: user_from_row(r)?,
        org_name: r.text("org_name")?,
        via_previous: r.flag("via_prev")?,
        info_json: Default::default(),
        chain: Default::default(),
    })
}

pub(crate) fn user_from_row(r: &impl Columns) -> StoreResult<UserRecord> {
    let role = r.text("role")?;
    Ok(UserRecord {
        id: r.i64("u_id")?,
        org_id: r.i64("u_org_id")?,
        email: r.opt_text("email")?,
        name: r.text("u_name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
        service: r.flag("service")?,
        password_hash: r.opt_text("password_hash")?.map(SecretString::from),
        created_at: r.time("u_created_at")?,
        removed_at: r.opt_time("removed_at")?,
    })
}

/// The listing query of [`super::Store::list_tokens`], in the SQL both dialects share: filters,
/// keyset position `(created_at, id) < cursor`, newest first. Values are all bound.
pub(crate) fn token_list_query<DB>(
    f: &TokenFilter,
    cursor: Option<&Cursor>,
    limit: u32,
) -> QueryBuilder<DB>
where
    DB: sqlx::Database,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let now = micros(f.now);
    let mut q: QueryBuilder<DB> = QueryBuilder::new(format!(
        "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.org_id = "
    ));
    q.push_bind(f.org_id);
    if let Some(user_id) = f.user_id {
        q.push(" AND t.user_id = ").push_bind(user_id);
    }
    match f.status {
        Some(TokenStatus::Active) => {
            q.push(" AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ")
                .push_bind(now)
                .push(")");
        }
        Some(TokenStatus::Expired) => {
            q.push(" AND t.revoked_at IS NULL AND t.expires_at <= ")
                .push_bind(now);
        }
        Some(TokenStatus::Revoked) => {
            q.push(" AND t.revoked_at IS NOT NULL");
        }
        None => {}
    }
    match f.kind {
        Some(kind) => {
            q.push(" AND t.kind = ")
                .push_bind(kind.as_str().to_string());
        }
        None if !f.include_sessions => {
            q.push(" AND t.kind <> 'ses'");
        }
        None => {}
    }
    if let Some(before) = f.expiring_before {
        q.push(" AND t.revoked_at IS NULL AND t.expires_at > ")
            .push_bind(now)
            .push(" AND t.expires_at <= ")
            .push_bind(micros(before));
    }
    if let Some(since) = f.unused_since {
        q.push(" AND COALESCE(t.last_used_at, t.created_at) < ")
            .push_bind(micros(since));
    }
    if let Some(c) = cursor {
        q.push(" AND (t.created_at, t.id) < (")
            .push_bind(micros(c.created_at))
            .push(", ")
            .push_bind(c.id.clone())
            .push(")");
    }
    q.push(" ORDER BY t.created_at DESC, t.id DESC LIMIT ")
        .push_bind(limit as i64);
    q
}

/// Trust policy columns, with the owner's and the adder's labels joined in.
pub(super) const TRUST_COLUMNS: &str = "p.id, p.org_id, p.name, p.issuer, p.audience, p.subject, \
     p.claims, p.owner_id, COALESCE(o.email, o.name) AS owner, p.scopes, p.lifetime_secs, \
     p.per_minute, p.per_hour, p.allowed_cidrs, p.jwks, p.created_at, \
     COALESCE(c.email, c.name) AS created_by_label";

/// The joins [`TRUST_COLUMNS`] reads through.
pub(super) const TRUST_FROM: &str = "trust_policies p JOIN users o ON o.id = p.owner_id \
     LEFT JOIN users c ON c.id = p.created_by";

pub(super) fn trust_from_row(r: &impl Columns) -> StoreResult<super::TrustRecord> {
    Ok(super::TrustRecord {
        id: r.i64("id")?,
        org_id: r.i64("org_id")?,
        name: r.text("name")?,
        issuer: r.text("issuer")?,
        audience: r.text("audience")?,
        subject: r.text("subject")?,
        claims: serde_json::from_str(&r.text("claims")?)
            .map_err(|e| StoreError::Corrupt(format!("trust claims: {e}")))?,
        owner_id: r.i64("owner_id")?,
        owner: r.text("owner")?,
        scopes: parse_list(&r.text("scopes")?)?,
        lifetime: chrono::Duration::seconds(r.i64("lifetime_secs")?),
        rate_limit: RateLimit {
            per_minute: u32::try_from(r.i64("per_minute")?).unwrap_or(u32::MAX),
            per_hour: u32::try_from(r.i64("per_hour")?).unwrap_or(u32::MAX),
        },
        allowed_cidrs: parse_list(&r.text("allowed_cidrs")?)?,
        jwks: r.opt_text("jwks")?,
        created_at: r.time("created_at")?,
        created_by: r.opt_text("created_by_label")?,
    })
}
