//! PostgreSQL, for several `tokctl server` replicas on one database.
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
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
// Dynamic SQL here is only ever built from the constant column lists of `rows` and static
// text; every value goes through a bind parameter.
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder, Row};

use super::auth_cache::AuthCache;
use super::copy_text;
use super::epoch::EpochReader;
use super::rows::{
    TOKEN_COLUMNS, USER_COLUMNS, credential_from_row, db_err, json_list, micros, token_from_row,
    token_list_query, user_from_row,
};
use super::{
    AccessRecord, AddressTexts, Credential, Cursor, NewEvent, NewToken, NewUser, OpenError,
    OrgRecord, Rotation, Store, StoreError, StoreResult, TokenFilter, TokenRecord, UserRecord,
};
use crate::api::perms::Role;
use crate::api::types::OrgPolicy;

pub struct PgStore {
    pool: PgPool,
    cache: AuthCache,
    epoch: EpochReader,
}

/// Marks a change of who authenticates as what; part of the writing transaction, so the epoch
/// moves exactly when the change commits.
async fn bump_epoch(conn: &mut PgConnection) -> StoreResult<()> {
    sqlx::query("UPDATE credential_epoch SET epoch = epoch + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

async fn insert_event(conn: &mut PgConnection, e: &NewEvent) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_events (org_id, at, action, actor, actor_user_id, credential_id, \
         target, ip, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.org_id)
    .bind(micros(e.at))
    .bind(e.action)
    .bind(&e.actor)
    .bind(e.actor_user_id)
    .bind(&e.credential_id)
    .bind(&e.target)
    .bind(&e.ip)
    .bind(e.detail.to_string())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn token_in(conn: &mut PgConnection, id: &str, lock: bool) -> StoreResult<TokenRecord> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1{}",
        if lock { " FOR UPDATE OF t" } else { "" }
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    token_from_row(&row)
}

async fn user_in(conn: &mut PgConnection, id: i64) -> StoreResult<UserRecord> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    user_from_row(&row)
}

async fn revoke_all_in(
    conn: &mut PgConnection,
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
        .bind(&t.id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
        let mut e = event.clone();
        e.action = "token.revoke";
        e.target = Some(t.id.clone());
        insert_event(conn, &e).await?;
    }
    if !tokens.is_empty() {
        bump_epoch(conn).await?;
    }
    Ok(())
}

async fn active_tokens_of(
    conn: &mut PgConnection,
    user_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<Vec<TokenRecord>> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.user_id = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) \
         ORDER BY t.created_at DESC, t.id DESC FOR UPDATE OF t"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(user_id)
        .bind(micros(now))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    rows.iter().map(token_from_row).collect()
}

async fn reread(conn: &mut PgConnection, tokens: &[TokenRecord]) -> StoreResult<Vec<TokenRecord>> {
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        out.push(token_in(conn, &t.id, false).await?);
    }
    Ok(out)
}

impl PgStore {
    pub async fn open(url: &str) -> Result<PgStore, OpenError> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| OpenError::Open(e.to_string()))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // Fail fast when the database is down: requests answer 503 instead of hanging.
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await
            .map_err(|e| OpenError::Open(e.to_string()))?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| OpenError::Migrate(e.to_string()))?;
        Ok(PgStore {
            epoch: EpochReader::spawn(pool.clone()),
            pool,
            cache: AuthCache::default(),
        })
    }

    async fn credential_from_db(
        &self,
        hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Credential>> {
        let sql = format!(
            "(SELECT {TOKEN_COLUMNS}, {USER_COLUMNS}, o.name AS org_name, FALSE AS via_prev FROM tokens t \
             JOIN users u ON u.id = t.user_id JOIN orgs o ON o.id = t.org_id \
             WHERE t.secret_hash = $1) \
             UNION ALL \
             (SELECT {TOKEN_COLUMNS}, {USER_COLUMNS}, o.name AS org_name, TRUE AS via_prev FROM tokens t \
             JOIN users u ON u.id = t.user_id JOIN orgs o ON o.id = t.org_id \
             WHERE t.prev_secret_hash = $1 AND t.prev_expires_at > $2) \
             LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(hash)
            .bind(micros(now))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(credential_from_row).transpose()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl Store for PgStore {
    async fn the_org(&self) -> StoreResult<Option<i64>> {
        sqlx::query_scalar("SELECT MIN(id) FROM orgs")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn create_org(
        &self,
        name: &str,
        owner: NewUser,
        policy: &OrgPolicy,
    ) -> StoreResult<OrgRecord> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // Two `server init`s at once: the second waits here, then sees the first's org.
        sqlx::query("LOCK TABLE orgs IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
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
        .bind(&owner.email)
        .bind(&owner.name)
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
        };
        insert_event(&mut tx, &event).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(OrgRecord {
            id: org_id,
            name: name.to_string(),
            policy: policy.clone(),
        })
    }

    async fn org(&self, org_id: i64) -> StoreResult<OrgRecord> {
        let row = sqlx::query("SELECT id, name, policy FROM orgs WHERE id = $1")
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        let policy: String = row.try_get("policy").map_err(db_err)?;
        Ok(OrgRecord {
            id: row.try_get("id").map_err(db_err)?,
            name: row.try_get("name").map_err(db_err)?,
            policy: serde_json::from_str(&policy)
                .map_err(|e| StoreError::Corrupt(format!("org policy: {e}")))?,
        })
    }

    async fn set_policy(
        &self,
        org_id: i64,
        policy: &OrgPolicy,
        event: NewEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let json = serde_json::to_string(policy).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE orgs SET policy = $1 WHERE id = $2")
            .bind(json)
            .bind(org_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        insert_event(&mut tx, &event).await?;
        bump_epoch(&mut tx).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn credential_by_hash(
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
        let found = self.credential_from_db(hash, now).await?.map(Arc::new);
        if let Some(c) = &found {
            self.cache.insert(hash, Arc::clone(c), epoch);
        }
        Ok(found)
    }

    fn unconfirmed_credential(&self, hash: &str) -> Option<Arc<Credential>> {
        self.cache.get(hash)
    }

    async fn login_account(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE (lower(u.email) = lower($1) \
             OR (u.service AND u.name = $1)) AND u.removed_at IS NULL \
             ORDER BY u.service LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(email)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn member(&self, org_id: i64, email_or_name: &str) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = $1 AND u.removed_at IS NULL \
             AND (lower(u.email) = lower($2) OR u.name = $2) LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(org_id)
            .bind(email_or_name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn list_members(&self, org_id: i64) -> StoreResult<Vec<UserRecord>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = $1 AND u.removed_at IS NULL \
             ORDER BY u.service, u.name"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(org_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn add_member(&self, user: NewUser, event: NewEvent) -> StoreResult<UserRecord> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (org_id, email, name, role, service, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(user.org_id)
        .bind(&user.email)
        .bind(&user.name)
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
        insert_event(&mut tx, &event).await?;
        let record = user_in(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(record)
    }

    async fn set_role(&self, user_id: i64, role: Role, event: NewEvent) -> StoreResult<UserRecord> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let done = sqlx::query("UPDATE users SET role = $1 WHERE id = $2 AND removed_at IS NULL")
            .bind(role.as_str())
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        insert_event(&mut tx, &event).await?;
        bump_epoch(&mut tx).await?;
        let record = user_in(&mut tx, user_id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(record)
    }

    async fn remove_member(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        event: NewEvent,
    ) -> StoreResult<Vec<TokenRecord>> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let done =
            sqlx::query("UPDATE users SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL")
                .bind(micros(now))
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let tokens = active_tokens_of(&mut tx, user_id, now).await?;
        revoke_all_in(&mut tx, &tokens, now, Some("member removed"), &event).await?;
        insert_event(&mut tx, &event).await?;
        bump_epoch(&mut tx).await?;
        let revoked = reread(&mut tx, &tokens).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(revoked)
    }

    async fn insert_token(&self, t: NewToken, event: NewEvent) -> StoreResult<TokenRecord> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        if t.unique_name {
            sqlx::query(
                "UPDATE tokens SET active_name = NULL WHERE user_id = $1 AND active_name = $2 \
                 AND expires_at IS NOT NULL AND expires_at <= $3",
            )
            .bind(t.user_id)
            .bind(&t.name)
            .bind(micros(t.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        sqlx::query(
            "INSERT INTO tokens (id, org_id, user_id, name, active_name, kind, scopes, secret_hash, \
             created_at, issued_at, expires_at, per_minute, per_hour, allowed_cidrs, description, \
             created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(&t.id)
        .bind(t.org_id)
        .bind(t.user_id)
        .bind(&t.name)
        .bind(t.unique_name.then_some(&t.name))
        .bind(t.kind.as_str())
        .bind(json_list(&t.scopes))
        .bind(&t.secret_hash)
        .bind(micros(t.created_at))
        .bind(micros(t.created_at))
        .bind(t.expires_at.map(micros))
        .bind(t.rate_limit.per_minute as i64)
        .bind(t.rate_limit.per_hour as i64)
        .bind(json_list(&t.allowed_cidrs))
        .bind(&t.description)
        .bind(t.created_by)
        .execute(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!(
                "an active token named `{}` exists already",
                t.name
            )),
            other => other,
        })?;
        insert_event(&mut tx, &event).await?;
        let record = token_in(&mut tx, &t.id, false).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(record)
    }

    async fn token_by_id(&self, org_id: i64, id: &str) -> StoreResult<Option<TokenRecord>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.id = $1 AND t.org_id = $2"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn token_by_name(
        &self,
        user_id: i64,
        name: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<TokenRecord>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.user_id = $1 AND t.name = $2 \
             ORDER BY (t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $3)) DESC, \
             COALESCE(t.revoked_at, t.expires_at, t.created_at) DESC, t.created_at DESC LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(user_id)
            .bind(name)
            .bind(micros(now))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn list_tokens(
        &self,
        f: &TokenFilter,
        cursor: Option<&Cursor>,
        limit: u32,
    ) -> StoreResult<Vec<TokenRecord>> {
        let mut q: QueryBuilder<Postgres> = token_list_query(f, cursor, limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(token_from_row).collect()
    }

    async fn revoke_token(
        &self,
        token_id: &str,
        now: DateTime<Utc>,
        reason: Option<&str>,
        event: NewEvent,
    ) -> StoreResult<(TokenRecord, bool)> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let current = token_in(&mut tx, token_id, true).await?;
        if current.revoked_at.is_some() {
            return Ok((current, false));
        }
        revoke_all_in(&mut tx, std::slice::from_ref(&current), now, reason, &event).await?;
        let record = token_in(&mut tx, token_id, false).await?;
        tx.commit().await.map_err(db_err)?;
        Ok((record, true))
    }

    async fn revoke_owner_tokens(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        reason: Option<&str>,
        dry_run: bool,
        event: NewEvent,
    ) -> StoreResult<Vec<TokenRecord>> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let tokens = active_tokens_of(&mut tx, user_id, now).await?;
        if dry_run {
            return Ok(tokens);
        }
        revoke_all_in(&mut tx, &tokens, now, reason, &event).await?;
        let revoked = reread(&mut tx, &tokens).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(revoked)
    }

    async fn rotate_token(&self, r: Rotation, event: NewEvent) -> StoreResult<TokenRecord> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let done = sqlx::query(
            "UPDATE tokens SET \
               prev_secret_hash = CASE WHEN $1::BIGINT IS NULL THEN NULL ELSE secret_hash END, \
               prev_expires_at = $1, secret_hash = $2, issued_at = $3, expires_at = $4 \
             WHERE id = $5 AND revoked_at IS NULL",
        )
        .bind(r.grace_until.map(micros))
        .bind(&r.new_hash)
        .bind(micros(r.issued_at))
        .bind(r.expires_at.map(micros))
        .bind(&r.token_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        insert_event(&mut tx, &event).await?;
        bump_epoch(&mut tx).await?;
        let record = token_in(&mut tx, &r.token_id, false).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(record)
    }

    async fn record_event(&self, event: NewEvent) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        insert_event(&mut conn, &event).await
    }

    async fn flush_usage(
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
        tx.commit().await.map_err(db_err)?;
        self.cache.touch(last_used);
        Ok(())
    }
}
