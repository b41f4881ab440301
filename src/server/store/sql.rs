//! The [`super::Store`] operations, written once for both backends.
//!
//! Every statement here is plain SQL that SQLite and PostgreSQL both take, with `$n`
//! placeholders (sqlx binds them on SQLite too). What differs is asked of the [`Backend`]; the
//! list of those differences is in [`super::backend`]. Dynamic SQL is only ever built from the
//! constant column lists of `rows` and static text; every value goes through a bind parameter.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use sqlx::{AssertSqlSafe, Decode, Encode, Executor, IntoArguments, QueryBuilder, Type};

use super::backend::{Backend, Conn, RowsAffected};
use super::chain::{self, Chain};
use super::rows::{
    Columns, TOKEN_COLUMNS, TRUST_COLUMNS, TRUST_FROM, USER_COLUMNS, credential_from_row, db_err,
    json_list, micros, token_from_row, token_list_query, trust_from_row, user_from_row,
};
use super::{
    AccessRecord, Credential, Cursor, ExchangedJti, LeakPlace, NewEvent, NewToken, NewTrust,
    NewUser, OrgRecord, Rotation, StoreError, StoreResult, TokenFilter, TokenRecord, TrustRecord,
    UserRecord,
};
use crate::api::leaks::LeakNotice;
use crate::api::perms::Role;
use crate::api::types::OrgPolicy;

type Query<'q, B> = sqlx::query::Query<'q, <B as Backend>::Db, Arguments<B>>;
type Arguments<B> = <<B as Backend>::Db as sqlx::Database>::Arguments;
type Row<B> = <<B as Backend>::Db as sqlx::Database>::Row;

/// The store `B`, seen through the statements both backends share.
pub(crate) struct Sql<'a, B>(pub(crate) &'a B);

/// The hot path's statement: the current secret, or the previous one inside its grace period
/// (two indexed lookups). Written once per process, so a lookup formats nothing.
static CREDENTIAL_BY_HASH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {TOKEN_COLUMNS}, {USER_COLUMNS}, o.name AS org_name, FALSE AS via_prev FROM tokens t \
         JOIN users u ON u.id = t.user_id JOIN orgs o ON o.id = t.org_id \
         WHERE t.secret_hash = $1 \
         UNION ALL \
         SELECT {TOKEN_COLUMNS}, {USER_COLUMNS}, o.name AS org_name, TRUE AS via_prev FROM tokens t \
         JOIN users u ON u.id = t.user_id JOIN orgs o ON o.id = t.org_id \
         WHERE t.prev_secret_hash = $1 AND t.prev_expires_at > $2 \
         LIMIT 1"
    )
});

/// A token and its ancestors, with their owners, root first: the recursive walk up the
/// `parent_id` links, bounded by `$2` steps.
static ANCESTORS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH RECURSIVE up(id, parent_id, n) AS ( \
           SELECT id, parent_id, CAST(0 AS BIGINT) FROM tokens WHERE id = $1 \
           UNION ALL \
           SELECT t.id, t.parent_id, up.n + 1 FROM tokens t JOIN up ON t.id = up.parent_id \
           WHERE up.n < $2) \
         SELECT {TOKEN_COLUMNS}, {USER_COLUMNS} FROM up JOIN tokens t ON t.id = up.id \
         JOIN users u ON u.id = t.user_id ORDER BY up.n DESC"
    )
});

/// A token's descendants, parents before children: the recursive walk down the `parent_id`
/// links, bounded by `$2` levels.
const DESCENDANTS: &str = "WITH RECURSIVE down(id, n) AS ( \
       SELECT id, CAST(1 AS BIGINT) FROM tokens WHERE parent_id = $1 \
       UNION ALL \
       SELECT t.id, down.n + 1 FROM tokens t JOIN down ON t.parent_id = down.id WHERE down.n < $2) \
     SELECT id FROM down ORDER BY n, id";

impl<B> Sql<'_, B>
where
    B: Backend,
    for<'c> &'c mut Conn<B>: Executor<'c, Database = B::Db>,
    Arguments<B>: IntoArguments<B::Db>,
    for<'t> i64: Encode<'t, B::Db> + Decode<'t, B::Db> + Type<B::Db>,
    for<'t> Option<i64>: Encode<'t, B::Db> + Decode<'t, B::Db> + Type<B::Db>,
    for<'t> &'t str: Encode<'t, B::Db> + Type<B::Db>,
    for<'t> Option<&'t str>: Encode<'t, B::Db> + Type<B::Db>,
    for<'t> String: Encode<'t, B::Db> + Type<B::Db>,
    for<'t> bool: Encode<'t, B::Db> + Type<B::Db>,
    usize: sqlx::ColumnIndex<Row<B>>,
{
    /// Commits a change that can alter who authenticates as what: the one place the backends'
    /// credential caches hear of changes.
    pub(crate) async fn commit_change(
        &self,
        mut tx: sqlx::Transaction<'_, B::Db>,
    ) -> StoreResult<()> {
        let mark = B::mark_changed(&mut tx).await?;
        let committed = tx.commit().await;
        self.0.settle_change(mark).await;
        committed.map_err(db_err)
    }

    pub(crate) async fn credential_from_db(
        &self,
        hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Credential>> {
        let sql = AssertSqlSafe(Cow::Borrowed(CREDENTIAL_BY_HASH.as_str()));
        let q = sqlx::query(sql).bind(hash).bind(micros(now));
        let Some(mut cred) = Self::optional(q, self.0.pool(), credential_from_row).await? else {
            return Ok(None);
        };
        // A root (most tokens) costs nothing more; a child one more indexed read.
        let ancestors = match cred.token.parent_id.as_deref() {
            None => Vec::new(),
            Some(parent) => {
                let mut conn = self.0.pool().acquire().await.map_err(db_err)?;
                Self::ancestors_in(&mut conn, parent).await?
            }
        };
        cred.chain = Chain::of(&cred.token, &ancestors);
        Ok(Some(cred))
    }

    /// `id` and its ancestors with their owners, root first (at most
    /// [`chain::MAX_FOLLOWED`] of them).
    async fn ancestors_in(
        conn: &mut Conn<B>,
        id: &str,
    ) -> StoreResult<Vec<(TokenRecord, UserRecord)>> {
        let q = sqlx::query(AssertSqlSafe(Cow::Borrowed(ANCESTORS.as_str())))
            .bind(id)
            .bind(i64::from(chain::MAX_FOLLOWED));
        Self::all(q, &mut *conn, |r| {
            Ok((token_from_row(r)?, user_from_row(r)?))
        })
        .await
    }

    /// The ids of `id`'s descendants (not `id` itself), parents before children.
    async fn descendants_in(conn: &mut Conn<B>, id: &str) -> StoreResult<Vec<String>> {
        let q = sqlx::query(AssertSqlSafe(Cow::Borrowed(DESCENDANTS)))
            .bind(id)
            .bind(i64::from(chain::MAX_FOLLOWED));
        Self::all(q, &mut *conn, |r| r.text("id")).await
    }

    /// The tokens of `id`'s subtree (itself first, then parents before children).
    pub(super) async fn subtree(&self, id: &str) -> StoreResult<Vec<TokenRecord>> {
        let mut conn = self.0.pool().acquire().await.map_err(db_err)?;
        let mut out = vec![Self::token_in(&mut conn, id, false).await?];
        for d in Self::descendants_in(&mut conn, id).await? {
            out.push(Self::token_in(&mut conn, &d, false).await?);
        }
        Ok(out)
    }

    /// Reads a credential missing from the cache and keeps it under `generation`, the cache's
    /// generation read before the query (an answer that raced a change is not kept).
    pub(crate) async fn fetch_into_cache(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        generation: u64,
    ) -> StoreResult<Option<Arc<Credential>>> {
        let found = self.credential_from_db(hash, now).await?.map(Arc::new);
        if let Some(c) = &found {
            self.0.cache().insert(hash, Arc::clone(c), generation);
        }
        Ok(found)
    }

    pub(crate) async fn flush_usage(
        &self,
        last_used: &[(String, DateTime<Utc>)],
        access: &[AccessRecord],
    ) -> StoreResult<()> {
        self.0.write_usage(last_used, access).await?;
        self.0.cache().touch(last_used);
        Ok(())
    }

    pub(crate) async fn the_org(&self) -> StoreResult<Option<i64>> {
        sqlx::query_scalar("SELECT MIN(id) FROM orgs")
            .fetch_one(self.0.pool())
            .await
            .map_err(db_err)
    }

    pub(crate) async fn create_org(
        &self,
        name: &str,
        owner: NewUser,
        policy: &OrgPolicy,
    ) -> StoreResult<OrgRecord> {
        let mut tx = self.0.begin_write().await?;
        if let Some(lock) = B::CREATE_ORG_LOCK {
            // Two `server init`s at once: the second waits here, then sees the first's org.
            sqlx::query(lock).execute(&mut *tx).await.map_err(db_err)?;
        }
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orgs")
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        if n > 0 {
            return Err(StoreError::Conflict(
                "this database already has an org".into(),
            ));
        }
        let policy_json =
            serde_json::to_string(policy).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let org_id: i64 = sqlx::query_scalar(
            "INSERT INTO orgs (name, policy, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(policy_json)
        .bind(micros(owner.created_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let user_id: i64 = sqlx::query_scalar(
            "INSERT INTO users (org_id, email, name, role, service, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, FALSE, $5, $6) RETURNING id",
        )
        .bind(org_id)
        .bind(owner.email.as_deref())
        .bind(owner.name.as_str())
        .bind(owner.role.as_str())
        .bind(
            owner
                .password_hash
                .as_ref()
                .map(ExposeSecret::expose_secret),
        )
        .bind(micros(owner.created_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let event = NewEvent {
            org_id,
            at: owner.created_at,
            action: "user.add",
            actor: None,
            actor_user_id: None,
            credential_id: None,
            target: Some(owner.name.clone()),
            ip: None,
            detail: serde_json::json!({"role": owner.role, "via": "server init", "user_id": user_id}),
            root_id: None,
        };
        Self::insert_event(&mut tx, &event).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(OrgRecord {
            id: org_id,
            name: name.to_string(),
            policy: policy.clone(),
        })
    }

    pub(crate) async fn org(&self, org_id: i64) -> StoreResult<OrgRecord> {
        let row = sqlx::query("SELECT id, name, policy FROM orgs WHERE id = $1")
            .bind(org_id)
            .fetch_optional(self.0.pool())
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        Ok(OrgRecord {
            id: row.i64("id")?,
            name: row.text("name")?,
            policy: serde_json::from_str(&row.text("policy")?)
                .map_err(|e| StoreError::Corrupt(format!("org policy: {e}")))?,
        })
    }

    pub(crate) async fn set_policy(
        &self,
        org_id: i64,
        policy: &OrgPolicy,
        event: NewEvent,
    ) -> StoreResult<()> {
        let mut tx = self.0.begin_write().await?;
        let json = serde_json::to_string(policy).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE orgs SET policy = $1 WHERE id = $2")
            .bind(json)
            .bind(org_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        Self::insert_event(&mut tx, &event).await?;
        self.commit_change(tx).await
    }

    pub(crate) async fn login_account(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE (lower(u.email) = lower($1) \
             OR (u.service AND u.name = $1)) AND u.removed_at IS NULL \
             ORDER BY u.service LIMIT 1"
        );
        let q = sqlx::query(AssertSqlSafe(sql)).bind(email);
        Self::optional(q, self.0.pool(), user_from_row).await
    }

    pub(crate) async fn member(
        &self,
        org_id: i64,
        email_or_name: &str,
    ) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = $1 AND u.removed_at IS NULL \
             AND (lower(u.email) = lower($2) OR u.name = $2) LIMIT 1"
        );
        let q = sqlx::query(AssertSqlSafe(sql))
            .bind(org_id)
            .bind(email_or_name);
        Self::optional(q, self.0.pool(), user_from_row).await
    }

    pub(crate) async fn list_members(&self, org_id: i64) -> StoreResult<Vec<UserRecord>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = $1 AND u.removed_at IS NULL \
             ORDER BY u.service, u.name"
        );
        let q = sqlx::query(AssertSqlSafe(sql)).bind(org_id);
        Self::all(q, self.0.pool(), user_from_row).await
    }

    pub(crate) async fn add_member(
        &self,
        user: NewUser,
        event: NewEvent,
    ) -> StoreResult<UserRecord> {
        let mut tx = self.0.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (org_id, email, name, role, service, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(user.org_id)
        .bind(user.email.as_deref())
        .bind(user.name.as_str())
        .bind(user.role.as_str())
        .bind(user.service)
        .bind(user.password_hash.as_ref().map(ExposeSecret::expose_secret))
        .bind(micros(user.created_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("a member named `{}` exists already", user.name))
            }
            other => other,
        })?;
        Self::insert_event(&mut tx, &event).await?;
        let record = Self::user_in(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(record)
    }

    pub(crate) async fn set_role(
        &self,
        user_id: i64,
        role: Role,
        event: NewEvent,
    ) -> StoreResult<UserRecord> {
        let mut tx = self.0.begin_write().await?;
        let q = sqlx::query("UPDATE users SET role = $1 WHERE id = $2 AND removed_at IS NULL")
            .bind(role.as_str())
            .bind(user_id);
        Self::change_one(q, &mut tx).await?;
        Self::insert_event(&mut tx, &event).await?;
        let record = Self::user_in(&mut tx, user_id).await?;
        self.commit_change(tx).await?;
        Ok(record)
    }

    pub(crate) async fn remove_member(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        event: NewEvent,
    ) -> StoreResult<Vec<TokenRecord>> {
        let mut tx = self.0.begin_write().await?;
        let q =
            sqlx::query("UPDATE users SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL")
                .bind(micros(now))
                .bind(user_id);
        Self::change_one(q, &mut tx).await?;
        let tokens = Self::active_tokens_of(&mut tx, user_id, now).await?;
        Self::revoke_all_in(&mut tx, &tokens, now, Some("member removed"), &event).await?;
        Self::insert_event(&mut tx, &event).await?;
        let revoked = Self::reread(&mut tx, &tokens).await?;
        self.commit_change(tx).await?;
        Ok(revoked)
    }

    pub(crate) async fn insert_token(
        &self,
        t: NewToken,
        event: NewEvent,
    ) -> StoreResult<TokenRecord> {
        let mut tx = self.0.begin_write().await?;
        if let Some((parent, _)) = &t.parent {
            // Locked: a revoke of the parent either committed before (then it is refused here)
            // or waits for this insert (then its cascade sees the child).
            let p = Self::token_in(&mut tx, parent, true).await?;
            if p.revoked_at.is_some() || p.expires_at.is_some_and(|e| e <= t.created_at) {
                return Err(StoreError::ParentEnded);
            }
        }
        Self::insert_token_in(&mut tx, &t).await?;
        Self::insert_event(&mut tx, &event).await?;
        let record = Self::token_in(&mut tx, &t.id, false).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(record)
    }

    /// Writes a new token row inside the caller's transaction.
    async fn insert_token_in(conn: &mut Conn<B>, t: &NewToken) -> StoreResult<()> {
        if t.unique_name {
            // An expired token keeps its name only until someone wants the name again.
            sqlx::query(
                "UPDATE tokens SET active_name = NULL WHERE user_id = $1 AND active_name = $2 \
                 AND expires_at IS NOT NULL AND expires_at <= $3",
            )
            .bind(t.user_id)
            .bind(t.name.as_str())
            .bind(micros(t.created_at))
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        }
        let via = t
            .via
            .as_ref()
            .map(|v| serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()?;
        sqlx::query(
            "INSERT INTO tokens (id, org_id, user_id, name, active_name, kind, scopes, secret_hash, \
             created_at, issued_at, expires_at, per_minute, per_hour, allowed_cidrs, description, \
             created_by, parent_id, depth, audience, via) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
             $20)",
        )
        .bind(t.id.as_str())
        .bind(t.org_id)
        .bind(t.user_id)
        .bind(t.name.as_str())
        .bind(t.unique_name.then_some(t.name.as_str()))
        .bind(t.kind.as_str())
        .bind(json_list(&t.scopes))
        .bind(t.secret_hash.as_str())
        .bind(micros(t.created_at))
        .bind(micros(t.created_at))
        .bind(t.expires_at.map(micros))
        .bind(t.rate_limit.per_minute as i64)
        .bind(t.rate_limit.per_hour as i64)
        .bind(json_list(&t.allowed_cidrs))
        .bind(t.description.as_deref())
        .bind(t.created_by)
        .bind(t.parent.as_ref().map(|(p, _)| p.as_str()))
        .bind(t.parent.as_ref().map_or(0, |(_, d)| i64::from(*d)))
        .bind(json_list(&t.audience))
        .bind(via.as_deref())
        .execute(&mut *conn)
        .await
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!(
                "an active token named `{}` exists already",
                t.name
            )),
            other => other,
        })?;
        Ok(())
    }

    pub(super) async fn insert_exchanged_token(
        &self,
        t: NewToken,
        jti: ExchangedJti,
        event: NewEvent,
    ) -> StoreResult<Option<TokenRecord>> {
        let mut tx = self.0.begin_write().await?;
        // IDs of tokens that can no longer be presented need no row.
        sqlx::query("DELETE FROM exchanged_jtis WHERE expires_at < $1")
            .bind(micros(t.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        // The key is the claim: a second replica inserting the same `jti` waits for this
        // transaction and then inserts nothing.
        let claimed = sqlx::query(
            "INSERT INTO exchanged_jtis (issuer, jti, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (issuer, jti) DO NOTHING",
        )
        .bind(jti.issuer.as_str())
        .bind(jti.jti.as_str())
        .bind(micros(jti.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
        if claimed == 0 {
            return Ok(None);
        }
        Self::insert_token_in(&mut tx, &t).await?;
        Self::insert_event(&mut tx, &event).await?;
        let record = Self::token_in(&mut tx, &t.id, false).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some(record))
    }

    pub(super) async fn insert_trust(
        &self,
        p: NewTrust,
        event: NewEvent,
    ) -> StoreResult<TrustRecord> {
        let mut tx = self.0.begin_write().await?;
        let claims =
            serde_json::to_string(&p.claims).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO trust_policies (org_id, name, issuer, audience, subject, claims, owner_id, \
             scopes, lifetime_secs, per_minute, per_hour, allowed_cidrs, jwks, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        )
        .bind(p.org_id)
        .bind(p.name.as_str())
        .bind(p.issuer.as_str())
        .bind(p.audience.as_str())
        .bind(p.subject.as_str())
        .bind(claims)
        .bind(p.owner_id)
        .bind(json_list(&p.scopes))
        .bind(p.lifetime.num_seconds())
        .bind(p.rate_limit.per_minute as i64)
        .bind(p.rate_limit.per_hour as i64)
        .bind(json_list(&p.allowed_cidrs))
        .bind(p.jwks.as_deref())
        .bind(micros(p.created_at))
        .bind(p.created_by)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("a trust policy named `{}` exists already", p.name))
            }
            other => other,
        })?;
        Self::insert_event(&mut tx, &event).await?;
        let sql = format!("SELECT {TRUST_COLUMNS} FROM {TRUST_FROM} WHERE p.id = $1");
        let q = sqlx::query(AssertSqlSafe(sql)).bind(id);
        let record = Self::optional(q, &mut *tx, trust_from_row)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.map_err(db_err)?;
        Ok(record)
    }

    pub(super) async fn trusts(
        &self,
        org_id: i64,
        issuer: Option<&str>,
    ) -> StoreResult<Vec<TrustRecord>> {
        let sql = format!(
            "SELECT {TRUST_COLUMNS} FROM {TRUST_FROM} WHERE p.org_id = $1 \
             AND ($2 IS NULL OR p.issuer = $2) ORDER BY p.name"
        );
        let q = sqlx::query(AssertSqlSafe(sql)).bind(org_id).bind(issuer);
        Self::all(q, self.0.pool(), trust_from_row).await
    }

    pub(super) async fn delete_trust(
        &self,
        org_id: i64,
        name: &str,
        event: NewEvent,
    ) -> StoreResult<TrustRecord> {
        let mut tx = self.0.begin_write().await?;
        let sql =
            format!("SELECT {TRUST_COLUMNS} FROM {TRUST_FROM} WHERE p.org_id = $1 AND p.name = $2");
        let q = sqlx::query(AssertSqlSafe(sql)).bind(org_id).bind(name);
        let record = Self::optional(q, &mut *tx, trust_from_row)
            .await?
            .ok_or(StoreError::NotFound)?;
        let q = sqlx::query("DELETE FROM trust_policies WHERE id = $1").bind(record.id);
        Self::change_one(q, &mut tx).await?;
        Self::insert_event(&mut tx, &event).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(record)
    }

    pub(crate) async fn token_by_id(
        &self,
        org_id: i64,
        id: &str,
    ) -> StoreResult<Option<TokenRecord>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.id = $1 AND t.org_id = $2"
        );
        let q = sqlx::query(AssertSqlSafe(sql)).bind(id).bind(org_id);
        Self::optional(q, self.0.pool(), token_from_row).await
    }

    pub(crate) async fn token_by_name(
        &self,
        user_id: i64,
        name: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<TokenRecord>> {
        // Active first; else the most recently revoked or expired of that name.
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.user_id = $1 AND t.name = $2 \
             ORDER BY (t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $3)) DESC, \
             COALESCE(t.revoked_at, t.expires_at, t.created_at) DESC, t.created_at DESC LIMIT 1"
        );
        let q = sqlx::query(AssertSqlSafe(sql))
            .bind(user_id)
            .bind(name)
            .bind(micros(now));
        Self::optional(q, self.0.pool(), token_from_row).await
    }

    pub(crate) async fn list_tokens(
        &self,
        f: &TokenFilter,
        cursor: Option<&Cursor>,
        limit: u32,
    ) -> StoreResult<Vec<TokenRecord>> {
        let mut q: QueryBuilder<B::Db> = token_list_query(f, cursor, limit);
        Self::all(q.build(), self.0.pool(), token_from_row).await
    }

    pub(crate) async fn revoke_token(
        &self,
        token_id: &str,
        now: DateTime<Utc>,
        reason: Option<&str>,
        event: NewEvent,
    ) -> StoreResult<(Vec<TokenRecord>, bool)> {
        let mut tx = self.0.begin_write().await?;
        let current = Self::token_in(&mut tx, token_id, true).await?;
        let newly = current.revoked_at.is_none();
        if newly {
            Self::revoke_all_in(&mut tx, std::slice::from_ref(&current), now, reason, &event)
                .await?;
        }
        // The subtree, also under a root revoked before (a child minted in a race then, or
        // one left by an older release).
        let cascade = Self::revoke_subtree_in(&mut tx, token_id, now, reason, &event).await?;
        let mut revoked = vec![Self::token_in(&mut tx, token_id, false).await?];
        revoked.extend(Self::reread(&mut tx, &cascade).await?);
        if newly || !cascade.is_empty() {
            self.commit_change(tx).await?;
        }
        Ok((revoked, newly))
    }

    pub(crate) async fn revoke_owner_tokens(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        reason: Option<&str>,
        dry_run: bool,
        event: NewEvent,
    ) -> StoreResult<Vec<TokenRecord>> {
        let mut tx = self.0.begin_write().await?;
        let tokens = Self::active_tokens_of(&mut tx, user_id, now).await?;
        if dry_run {
            return Ok(tokens);
        }
        Self::revoke_all_in(&mut tx, &tokens, now, reason, &event).await?;
        let revoked = Self::reread(&mut tx, &tokens).await?;
        if tokens.is_empty() {
            // Nothing changed that a cache could hold.
            tx.commit().await.map_err(db_err)?;
        } else {
            self.commit_change(tx).await?;
        }
        Ok(revoked)
    }

    /// Reports a leaked secret: its token (found by current or grace-period previous secret)
    /// revoked with reason `leaked`, with its subtree, in one transaction with `event`.
    /// `None` when the secret is nobody's; the flag says whether this call revoked it.
    pub(crate) async fn revoke_leaked(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        leak: &LeakPlace,
        mut event: NewEvent,
    ) -> StoreResult<Option<(TokenRecord, bool)>> {
        // The current secret, or the previous one while its grace period runs: both let the
        // finder in, so both are the token's leak. Looked up outside a write transaction
        // first: most reported secrets are nobody's, and they must not queue for the writer.
        let find = "SELECT id FROM tokens WHERE secret_hash = $1 \
             UNION ALL SELECT id FROM tokens WHERE prev_secret_hash = $1 AND prev_expires_at > $2 \
             LIMIT 1";
        let q = sqlx::query(find).bind(hash).bind(micros(now));
        if Self::optional(q, self.0.pool(), |r| r.text("id"))
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let mut tx = self.0.begin_write().await?;
        // Again inside the transaction: a rotation may have replaced the secret meanwhile.
        let q = sqlx::query(find).bind(hash).bind(micros(now));
        let id = Self::optional(q, &mut *tx, |r| r.text("id")).await?;
        let Some(id) = id else {
            return Ok(None);
        };
        let token = Self::token_in(&mut tx, &id, true).await?;
        if token.status(now) != crate::api::types::TokenStatus::Active {
            // Revoked or expired already: a replayed report changes nothing.
            return Ok(Some((token, false)));
        }
        let q = sqlx::query(
            "UPDATE tokens SET revoked_at = $1, revoke_reason = $2, leak_url = $3, leak_source = $4, \
             active_name = NULL, prev_secret_hash = NULL, prev_expires_at = NULL \
             WHERE id = $5 AND revoked_at IS NULL",
        )
        .bind(micros(now))
        .bind(crate::api::leaks::LEAKED)
        .bind(leak.url.as_deref())
        .bind(leak.source.as_deref())
        .bind(id.as_str());
        Self::change_one(q, &mut tx).await?;
        event.org_id = token.org_id;
        event.target = Some(id.clone());
        Self::insert_event(&mut tx, &event).await?;
        // Whatever the leaked secret delegated ends with it (docs/delegation.md); those tokens
        // did not leak themselves, so their reason says whose did.
        Self::revoke_subtree_in(
            &mut tx,
            &id,
            now,
            Some(crate::api::leaks::LEAKED_ANCESTOR),
            &event,
        )
        .await?;
        let record = Self::token_in(&mut tx, &id, false).await?;
        self.commit_change(tx).await?;
        Ok(Some((record, true)))
    }

    pub(crate) async fn recent_leaks(
        &self,
        user_id: i64,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<LeakNotice>> {
        let q = sqlx::query(
            "SELECT id, name, revoked_at, leak_url, leak_source FROM tokens \
             WHERE user_id = $1 AND revoke_reason = 'leaked' AND revoked_at >= $2 \
             ORDER BY revoked_at DESC, id DESC LIMIT 20",
        )
        .bind(user_id)
        .bind(micros(since));
        Self::all(q, self.0.pool(), |r| {
            Ok(LeakNotice {
                id: r.text("id")?,
                name: r.text("name")?,
                leaked_at: r.time("revoked_at")?,
                url: r.opt_text("leak_url")?,
                source: r.opt_text("leak_source")?,
            })
        })
        .await
    }

    pub(crate) async fn rotate_token(
        &self,
        r: Rotation,
        event: NewEvent,
    ) -> StoreResult<TokenRecord> {
        let mut tx = self.0.begin_write().await?;
        // The CAST gives PostgreSQL the parameter's type where only `IS NULL` uses it.
        let q = sqlx::query(
            "UPDATE tokens SET \
               prev_secret_hash = CASE WHEN CAST($1 AS BIGINT) IS NULL THEN NULL ELSE secret_hash END, \
               prev_expires_at = $1, secret_hash = $2, issued_at = $3, expires_at = $4 \
             WHERE id = $5 AND revoked_at IS NULL",
        )
        .bind(r.grace_until.map(micros))
        .bind(r.new_hash.as_str())
        .bind(micros(r.issued_at))
        .bind(r.expires_at.map(micros))
        .bind(r.token_id.as_str());
        Self::change_one(q, &mut tx).await?;
        Self::insert_event(&mut tx, &event).await?;
        let record = Self::token_in(&mut tx, &r.token_id, false).await?;
        self.commit_change(tx).await?;
        Ok(record)
    }

    pub(crate) async fn record_event(&self, event: NewEvent) -> StoreResult<()> {
        let mut conn = self.0.pool().acquire().await.map_err(db_err)?;
        Self::insert_event(&mut conn, &event).await
    }

    /// The row `q` finds on `on`, decoded, if there is one.
    async fn optional<'c, T>(
        q: Query<'_, B>,
        on: impl Executor<'c, Database = B::Db>,
        decode: fn(&Row<B>) -> StoreResult<T>,
    ) -> StoreResult<Option<T>> {
        let row = q.fetch_optional(on).await.map_err(db_err)?;
        row.as_ref().map(decode).transpose()
    }

    /// Every row `q` finds on `on`, decoded.
    async fn all<'c, T>(
        q: Query<'_, B>,
        on: impl Executor<'c, Database = B::Db>,
        decode: fn(&Row<B>) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let rows = q.fetch_all(on).await.map_err(db_err)?;
        rows.iter().map(decode).collect()
    }

    /// Runs a statement that changes one row; `NotFound` when it matched none.
    async fn change_one(q: Query<'_, B>, conn: &mut Conn<B>) -> StoreResult<()> {
        let done = q.execute(&mut *conn).await.map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn insert_event(conn: &mut Conn<B>, e: &NewEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_events (org_id, at, action, actor, actor_user_id, credential_id, \
             target, ip, detail, root_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(e.org_id)
        .bind(micros(e.at))
        .bind(e.action)
        .bind(e.actor.as_deref())
        .bind(e.actor_user_id)
        .bind(e.credential_id.as_deref())
        .bind(e.target.as_deref())
        .bind(e.ip.as_deref())
        .bind(e.detail.to_string())
        .bind(e.root_id.as_deref())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// The token, read in a transaction; `lock` for one the transaction goes on to change.
    async fn token_in(conn: &mut Conn<B>, id: &str, lock: bool) -> StoreResult<TokenRecord> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1{}",
            if lock { B::LOCK_READ_ROWS } else { "" }
        );
        let q = sqlx::query(AssertSqlSafe(sql)).bind(id);
        Self::optional(q, &mut *conn, token_from_row)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn user_in(conn: &mut Conn<B>, id: i64) -> StoreResult<UserRecord> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        let q = sqlx::query(AssertSqlSafe(sql)).bind(id);
        Self::optional(q, &mut *conn, user_from_row)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Revokes every active descendant of `token_id` inside the caller's transaction, one
    /// `token.revoke` event each naming it (`detail.cascade_of`): pass after pass until one
    /// finds nothing active. Each pass reads after the previous one's row locks, so a child
    /// whose mint held its parent's lock is seen by the next pass.
    async fn revoke_subtree_in(
        conn: &mut Conn<B>,
        token_id: &str,
        now: DateTime<Utc>,
        reason: Option<&str>,
        event: &NewEvent,
    ) -> StoreResult<Vec<TokenRecord>> {
        let mut cascade = Vec::new();
        loop {
            let mut found = Vec::new();
            for id in Self::descendants_in(conn, token_id).await? {
                let t = Self::token_in(conn, &id, true).await?;
                if t.revoked_at.is_none() {
                    found.push(t);
                }
            }
            if found.is_empty() {
                return Ok(cascade);
            }
            let mut e = event.clone();
            e.detail["cascade_of"] = serde_json::Value::String(token_id.to_string());
            Self::revoke_all_in(conn, &found, now, reason, &e).await?;
            cascade.extend(found);
        }
    }

    /// Revokes the given active tokens, one `token.revoke` event each, inside the caller's
    /// transaction.
    async fn revoke_all_in(
        conn: &mut Conn<B>,
        tokens: &[TokenRecord],
        now: DateTime<Utc>,
        reason: Option<&str>,
        event: &NewEvent,
    ) -> StoreResult<()> {
        for t in tokens {
            sqlx::query(
                "UPDATE tokens SET revoked_at = $1, revoke_reason = $2, active_name = NULL, \
                 prev_secret_hash = NULL, prev_expires_at = NULL WHERE id = $3 AND revoked_at IS NULL",
            )
            .bind(micros(now))
            .bind(reason)
            .bind(t.id.as_str())
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
            let mut e = event.clone();
            e.action = "token.revoke";
            e.target = Some(t.id.clone());
            Self::insert_event(conn, &e).await?;
        }
        Ok(())
    }

    /// The member's active tokens, newest first, locked for the change that reads them.
    async fn active_tokens_of(
        conn: &mut Conn<B>,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<TokenRecord>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.user_id = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) \
             ORDER BY t.created_at DESC, t.id DESC{}",
            B::LOCK_READ_ROWS
        );
        let q = sqlx::query(AssertSqlSafe(sql))
            .bind(user_id)
            .bind(micros(now));
        Self::all(q, &mut *conn, token_from_row).await
    }

    /// The tokens as the transaction has left them.
    async fn reread(conn: &mut Conn<B>, tokens: &[TokenRecord]) -> StoreResult<Vec<TokenRecord>> {
        let mut out = Vec::with_capacity(tokens.len());
        for t in tokens {
            out.push(Self::token_in(conn, &t.id, false).await?);
        }
        Ok(out)
    }
}
