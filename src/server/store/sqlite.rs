//! The embedded default: SQLite in WAL mode through sqlx.
//!
//! Writes open `BEGIN IMMEDIATE` transactions so two writers queue on the busy timeout
//! instead of failing with SQLITE_BUSY halfway through a read-then-write.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
// Dynamic SQL here is only ever built from the constant column lists of `rows` and static text;
// every value goes through a bind parameter.
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Sqlite};

use super::auth_cache::AuthCache;
use super::rows::{
    TOKEN_COLUMNS, USER_COLUMNS, credential_from_row, db_err, json_list, micros, token_from_row,
    token_list_query, user_from_row,
};
use super::{
    AccessRecord, AddressTexts, Credential, Cursor, NewEvent, NewToken, NewUser, OpenError,
    OrgRecord, Rotation, Store, StoreError, StoreResult, TokenFilter, TokenRecord, UserRecord,
};
use crate::api::perms::{Permission, Role};
use crate::api::types::OrgPolicy;

pub struct SqliteStore {
    pool: SqlitePool,
    path: String,
    /// Set once this process owns the file for serving; only then is the cache used.
    owner_lock: std::sync::OnceLock<std::fs::File>,
    cache: AuthCache,
}

async fn insert_event(conn: &mut SqliteConnection, e: &NewEvent) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_events (org_id, at, action, actor, actor_user_id, credential_id, \
         target, ip, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

async fn token_in(conn: &mut SqliteConnection, id: &str) -> StoreResult<TokenRecord> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    token_from_row(&row)
}

async fn user_in(conn: &mut SqliteConnection, id: i64) -> StoreResult<UserRecord> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    user_from_row(&row)
}

/// Revokes the given active tokens, one `token.revoke` event each, inside the caller's transaction.
async fn revoke_all_in(
    conn: &mut SqliteConnection,
    tokens: &[TokenRecord],
    now: DateTime<Utc>,
    reason: Option<&str>,
    event: &NewEvent,
) -> StoreResult<()> {
    for t in tokens {
        sqlx::query(
            "UPDATE tokens SET revoked_at = ?, revoke_reason = ?, active_name = NULL, \
             prev_secret_hash = NULL, prev_expires_at = NULL WHERE id = ? AND revoked_at IS NULL",
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
    Ok(())
}

async fn active_tokens_of(
    conn: &mut SqliteConnection,
    user_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<Vec<TokenRecord>> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.user_id = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?) \
         ORDER BY t.created_at DESC, t.id DESC"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(user_id)
        .bind(micros(now))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    rows.iter().map(token_from_row).collect()
}

impl SqliteStore {
    pub async fn open(path: &str) -> Result<SqliteStore, OpenError> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(|e| OpenError::Open(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL survives a process crash (kill -9); only power loss can lose the
            // last transactions, a trade every WAL deployment makes for write speed.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| OpenError::Open(e.to_string()))?;
        sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| OpenError::Migrate(e.to_string()))?;
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
    pub fn claim_for_serving(&self) -> Result<(), OpenError> {
        let lock_path = format!("{}.lock", self.path);
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        // Private like the database beside it (src/server/db_files.rs).
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

    async fn credential_from_db(
        &self,
        hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Credential>> {
        // Two indexed lookups: the current secret, or the previous one inside its grace period.
        let sql = format!(
            "SELECT {TOKEN_COLUMNS}, {USER_COLUMNS}, o.name AS org_name, 0 AS via_prev FROM tokens t \
             JOIN users u ON u.id = t.user_id JOIN orgs o ON o.id = t.org_id \
             WHERE t.secret_hash = ?1 \
             UNION ALL \
             SELECT {TOKEN_COLUMNS}, {USER_COLUMNS}, o.name AS org_name, 1 AS via_prev FROM tokens t \
             JOIN users u ON u.id = t.user_id JOIN orgs o ON o.id = t.org_id \
             WHERE t.prev_secret_hash = ?1 AND t.prev_expires_at > ?2 \
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

    fn cached(&self) -> bool {
        self.owner_lock.get().is_some()
    }

    /// After a committed write that can change who is authenticated as what.
    fn changed(&self) {
        self.cache.invalidate();
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'_, Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_err)
    }
}

impl Store for SqliteStore {
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
        let mut tx = self.begin_write().await?;
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
            "INSERT INTO orgs (name, policy, created_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(name)
        .bind(policy_json)
        .bind(micros(owner.created_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let user_id: i64 = sqlx::query_scalar(
            "INSERT INTO users (org_id, email, name, role, service, password_hash, created_at) \
             VALUES (?, ?, ?, ?, 0, ?, ?) RETURNING id",
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
        let row = sqlx::query("SELECT id, name, policy FROM orgs WHERE id = ?")
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
        let mut tx = self.begin_write().await?;
        let json = serde_json::to_string(policy).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE orgs SET policy = ? WHERE id = ?")
            .bind(json)
            .bind(org_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        insert_event(&mut tx, &event).await?;
        // Invalidate even when commit reports an error: it may have committed anyway.
        let committed = tx.commit().await;
        self.changed();
        committed.map_err(db_err)?;
        Ok(())
    }

    async fn credential_by_hash(
        &self,
        hash: &str,
        now: DateTime<Utc>,
        // Every change goes through this process and clears the cache before it is
        // acknowledged, so whatever the cache holds is current.
        _since: Instant,
    ) -> StoreResult<Option<Arc<Credential>>> {
        if !self.cached() {
            return Ok(self.credential_from_db(hash, now).await?.map(Arc::new));
        }
        if let Some(hit) = self.cache.get(hash) {
            return Ok(Some(hit));
        }
        let generation = self.cache.generation();
        let found = self.credential_from_db(hash, now).await?.map(Arc::new);
        if let Some(c) = &found {
            self.cache.insert(hash, Arc::clone(c), generation);
        }
        Ok(found)
    }

    async fn login_account(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE (lower(u.email) = lower(?1) \
             OR (u.service = 1 AND u.name = ?1)) AND u.removed_at IS NULL \
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
            "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = ? AND u.removed_at IS NULL \
             AND (lower(u.email) = lower(?2) OR u.name = ?2) LIMIT 1"
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
            "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = ? AND u.removed_at IS NULL \
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
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (org_id, email, name, role, service, password_hash, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE users SET role = ? WHERE id = ? AND removed_at IS NULL")
            .bind(role.as_str())
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        insert_event(&mut tx, &event).await?;
        let record = user_in(&mut tx, user_id).await?;
        // Invalidate even when commit reports an error: it may have committed anyway.
        let committed = tx.commit().await;
        self.changed();
        committed.map_err(db_err)?;
        Ok(record)
    }

    async fn remove_member(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
        event: NewEvent,
    ) -> StoreResult<Vec<TokenRecord>> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE users SET removed_at = ? WHERE id = ? AND removed_at IS NULL")
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
        let mut revoked = Vec::with_capacity(tokens.len());
        for t in &tokens {
            revoked.push(token_in(&mut tx, &t.id).await?);
        }
        // Invalidate even when commit reports an error: it may have committed anyway.
        let committed = tx.commit().await;
        self.changed();
        committed.map_err(db_err)?;
        Ok(revoked)
    }

    async fn insert_token(&self, t: NewToken, event: NewEvent) -> StoreResult<TokenRecord> {
        let mut tx = self.begin_write().await?;
        if t.unique_name {
            // An expired token keeps its name only until someone wants the name again.
            sqlx::query(
                "UPDATE tokens SET active_name = NULL WHERE user_id = ? AND active_name = ? \
                 AND expires_at IS NOT NULL AND expires_at <= ?",
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
             created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        let record = token_in(&mut tx, &t.id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(record)
    }

    async fn token_by_id(&self, org_id: i64, id: &str) -> StoreResult<Option<TokenRecord>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.id = ? AND t.org_id = ?"
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
        // Active first; else the most recently revoked or expired of that name.
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.user_id = ? AND t.name = ? \
             ORDER BY (t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)) DESC, \
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
        let mut q: QueryBuilder<Sqlite> = token_list_query(f, cursor, limit);
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
        let mut tx = self.begin_write().await?;
        let current = token_in(&mut tx, token_id).await?;
        if current.revoked_at.is_some() {
            return Ok((current, false));
        }
        revoke_all_in(&mut tx, std::slice::from_ref(&current), now, reason, &event).await?;
        let record = token_in(&mut tx, token_id).await?;
        // Invalidate even when commit reports an error: it may have committed anyway.
        let committed = tx.commit().await;
        self.changed();
        committed.map_err(db_err)?;
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
        let mut tx = self.begin_write().await?;
        let tokens = active_tokens_of(&mut tx, user_id, now).await?;
        if dry_run {
            return Ok(tokens);
        }
        revoke_all_in(&mut tx, &tokens, now, reason, &event).await?;
        let mut revoked = Vec::with_capacity(tokens.len());
        for t in &tokens {
            revoked.push(token_in(&mut tx, &t.id).await?);
        }
        // Invalidate even when commit reports an error: it may have committed anyway.
        let committed = tx.commit().await;
        self.changed();
        committed.map_err(db_err)?;
        Ok(revoked)
    }

    async fn rotate_token(&self, r: Rotation, event: NewEvent) -> StoreResult<TokenRecord> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE tokens SET \
               prev_secret_hash = CASE WHEN ?1 IS NULL THEN NULL ELSE secret_hash END, \
               prev_expires_at = ?1, secret_hash = ?2, issued_at = ?3, expires_at = ?4 \
             WHERE id = ?5 AND revoked_at IS NULL",
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
        let record = token_in(&mut tx, &r.token_id).await?;
        // Invalidate even when commit reports an error: it may have committed anyway.
        let committed = tx.commit().await;
        self.changed();
        committed.map_err(db_err)?;
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
        // Rows go in by statements of a few fixed lengths, so each is prepared once and cached;
        // a VALUES list as long as the batch was a new statement to parse at nearly every flush
        // (its length differs): a quarter of the flush's cost, measured with callgrind. The text
        // is written once per length, not placeholder by placeholder for every row.
        let mut rest = access;
        let mut addresses = AddressTexts::default();
        for len in [256, 16, 1] {
            if rest.len() < len {
                continue;
            }
            let sql = insert_access_sql(len);
            while rest.len() >= len {
                let (chunk, tail) = rest.split_at(len);
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for a in chunk {
                    q = q
                        .bind(a.org_id)
                        .bind(micros(a.at))
                        .bind(&a.credential_id)
                        .bind(a.method.as_ref())
                        .bind(a.path.as_ref())
                        .bind(i64::from(a.status))
                        .bind(addresses.text(a.ip))
                        .bind(a.latency_us)
                        .bind(a.permission.map(Permission::as_str));
                }
                q.execute(&mut *tx).await.map_err(db_err)?;
                rest = tail;
            }
        }
        tx.commit().await.map_err(db_err)?;
        self.cache.touch(last_used);
        Ok(())
    }
}

/// `INSERT INTO access_log … VALUES` for `rows` rows, in the bind order of `flush_usage`.
fn insert_access_sql(rows: usize) -> String {
    let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";
    let mut sql = String::from(
        "INSERT INTO access_log (org_id, at, credential_id, method, path, status, ip, \
         latency_us, permission) VALUES ",
    );
    sql.push_str(&vec![row; rows].join(", "));
    sql
}
