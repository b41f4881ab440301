//! Reading the audit and access logs back: listings with keyset pagination, per-token usage
//! statistics, and retention.
//!
//! A trait of its own beside [`super::Store`] (the writes stay there, in the transactions of the
//! changes they describe). The audit events' queries are plain SQL both dialects accept, built
//! with sqlx's `QueryBuilder` (which writes `?` or `$n` placeholders) and decoded through the
//! shared `Columns` row access. The access log differs: PostgreSQL keeps a row per call and
//! answers in SQL; SQLite keeps segments and answers in `sqlite_access`.

use std::future::Future;

use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder, Sqlite};

use super::postgres::PgStore;
use super::rows::{Columns, db_err, micros};
use super::sqlite::SqliteStore;
use super::sqlite_access;
use super::{Database, StoreError, StoreResult};

/// Which audit events a listing wants.
#[derive(Debug, Clone, Default)]
pub(crate) struct EventFilter {
    pub(crate) org_id: i64,
    /// Events by this credential or about this token.
    pub token_id: Option<String>,
    /// With `token_id`: its descendants too (events by them or about them).
    pub descendants: Vec<String>,
    /// Events by this member, or about them (`target` = their label).
    pub(crate) user: Option<(i64, String)>,
    pub(crate) action: Option<String>,
    pub(crate) since: Option<DateTime<Utc>>,
}

/// Which access-log rows a listing wants.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccessFilter {
    pub org_id: i64,
    pub token_id: Option<String>,
    /// With `token_id`: the rows of its descendants too.
    pub descendants: Vec<String>,
    /// Rows of any token or session this member owns.
    pub(crate) user_id: Option<i64>,
    pub(crate) since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub(crate) struct EventRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor: Option<String>,
    pub credential_id: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub detail: serde_json::Value,
    pub root_id: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct AccessEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub credential_id: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub ip: Option<String>,
    pub latency_us: i64,
    pub permission: Option<String>,
    pub root_id: Option<String>,
}

/// One token's access-log rows summed up.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct UsageStats {
    pub(crate) requests: i64,
    /// Answers with a status of 400 or more.
    pub(crate) errors: i64,
    /// `(method, path, count)`, most used first.
    pub(crate) routes: Vec<(String, String, i64)>,
    /// `(permission, count)` of verify and forward-auth checks, most asked first.
    pub(crate) permissions: Vec<(String, i64)>,
    /// Nearest-rank percentiles of the latency, in microseconds (None without requests).
    pub(crate) p50_us: Option<i64>,
    pub(crate) p95_us: Option<i64>,
}

/// How many rows a usage summary lists per group.
pub(crate) const TOP: i64 = 10;

pub(crate) trait AuditStore: Send + Sync {
    /// Newest first, ids below `before_id`.
    fn list_events(
        &self,
        filter: &EventFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<EventRecord>>> + Send;

    /// Newest first, ids below `before_id`.
    fn list_access(
        &self,
        filter: &AccessFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<AccessEntry>>> + Send;

    /// The token's access-log rows since `since` (all of them with None), summed up.
    fn token_usage(
        &self,
        org_id: i64,
        token_id: &str,
        since: Option<DateTime<Utc>>,
    ) -> impl Future<Output = StoreResult<UsageStats>> + Send;

    /// Deletes audit events and access-log rows older than `cutoff`; returns how many of each.
    fn purge_before(
        &self,
        cutoff: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<(u64, u64)>> + Send;
}

fn event_from_row(r: &impl Columns) -> StoreResult<EventRecord> {
    let detail = r.text("detail")?;
    Ok(EventRecord {
        id: r.i64("id")?,
        at: r.time("at")?,
        action: r.text("action")?,
        actor: r.opt_text("actor")?,
        credential_id: r.opt_text("credential_id")?,
        target: r.opt_text("target")?,
        ip: r.opt_text("ip")?,
        detail: serde_json::from_str(&detail)
            .map_err(|e| StoreError::Corrupt(format!("event detail: {e}")))?,
        root_id: r.opt_text("root_id")?,
    })
}

fn access_from_row(r: &impl Columns) -> StoreResult<AccessEntry> {
    let status = r.i64("status")?;
    Ok(AccessEntry {
        id: r.i64("id")?,
        at: r.time("at")?,
        credential_id: r.text("credential_id")?,
        method: r.text("method")?,
        path: r.text("path")?,
        status: u16::try_from(status)
            .map_err(|_| StoreError::Corrupt(format!("status {status}")))?,
        ip: r.opt_text("ip")?,
        latency_us: r.i64("latency_us")?,
        permission: r.opt_text("permission")?,
        root_id: r.opt_text("root_id")?,
    })
}

/// The nearest-rank position (0-based) of percentile `q` among `n` sorted values.
pub(super) fn rank(q: f64, n: i64) -> i64 {
    ((q * n as f64).ceil() as i64 - 1).clamp(0, n.saturating_sub(1))
}

/// The end both log listings share: rows since `since`, older than the cursor `before_id`,
/// newest first, at most `limit`.
fn newest_first_page<DB>(
    q: &mut QueryBuilder<DB>,
    since: Option<DateTime<Utc>>,
    before_id: Option<i64>,
    limit: u32,
) where
    DB: sqlx::Database,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    if let Some(s) = since {
        q.push(" AND at >= ").push_bind(micros(s));
    }
    if let Some(id) = before_id {
        q.push(" AND id < ").push_bind(id);
    }
    q.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(limit));
}

/// A page of the audit events `f` selects, newest first: the same SQL on both backends.
fn events_page<DB>(f: &EventFilter, before_id: Option<i64>, limit: u32) -> QueryBuilder<DB>
where
    DB: sqlx::Database,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let mut q = QueryBuilder::new(
        "SELECT id, at, action, actor, credential_id, target, ip, detail, root_id \
         FROM audit_events WHERE org_id = ",
    );
    q.push_bind(f.org_id);
    if let Some(t) = &f.token_id {
        q.push(" AND (");
        for (i, id) in std::iter::once(t).chain(&f.descendants).enumerate() {
            if i > 0 {
                q.push(" OR ");
            }
            q.push("credential_id = ")
                .push_bind(id.clone())
                .push(" OR target = ")
                .push_bind(id.clone());
        }
        q.push(")");
    }
    if let Some((user_id, label)) = &f.user {
        q.push(" AND (actor_user_id = ")
            .push_bind(*user_id)
            .push(" OR target = ")
            .push_bind(label.clone())
            .push(")");
    }
    if let Some(a) = &f.action {
        q.push(" AND action = ").push_bind(a.clone());
    }
    newest_first_page(&mut q, f.since, before_id, limit);
    q
}

/// `DELETE` of the audit events older than `cutoff`: the same SQL on both backends.
fn events_purge<DB>(cutoff: DateTime<Utc>) -> QueryBuilder<DB>
where
    DB: sqlx::Database,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let mut q = QueryBuilder::new("DELETE FROM audit_events WHERE at < ");
    q.push_bind(micros(cutoff));
    q
}

/// A page of PostgreSQL's access log that `f` selects, newest first. It is read in the table's
/// own (primary key) order, or a token's rows from its index: no index on `org_id` (a database
/// serves one org, migration 0011), and no sort however many rows there are
/// (`postgres_reads_access_pages_newest_first_with_no_sort`). (SQLite keeps its access log in
/// segments: `sqlite_access`.)
fn access_page(f: &AccessFilter, before_id: Option<i64>, limit: u32) -> QueryBuilder<Postgres> {
    let mut q = QueryBuilder::new("");
    push_access_page(&mut q, f, before_id, limit);
    q
}

/// [`access_page`], appended to `q` (which a test starts with `EXPLAIN`).
fn push_access_page(
    q: &mut QueryBuilder<Postgres>,
    f: &AccessFilter,
    before_id: Option<i64>,
    limit: u32,
) {
    q.push(
        "SELECT id, at, credential_id, method, path, status, ip, latency_us, permission, \
         root_id FROM access_log WHERE org_id = ",
    );
    q.push_bind(f.org_id);
    if let Some(t) = &f.token_id {
        if f.descendants.is_empty() {
            q.push(" AND credential_id = ").push_bind(t.clone());
        } else {
            q.push(" AND credential_id IN (").push_bind(t.clone());
            for d in &f.descendants {
                q.push(", ").push_bind(d.clone());
            }
            q.push(")");
        }
    }
    if let Some(user_id) = f.user_id {
        q.push(" AND credential_id IN (SELECT id FROM tokens WHERE user_id = ")
            .push_bind(user_id)
            .push(")");
    }
    newest_first_page(q, f.since, before_id, limit);
}

impl AuditStore for SqliteStore {
    async fn list_events(
        &self,
        f: &EventFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>> {
        let mut q = events_page::<Sqlite>(f, before_id, limit);
        let rows = q.build().fetch_all(self.pool()).await.map_err(db_err)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn list_access(
        &self,
        f: &AccessFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AccessEntry>> {
        sqlite_access::list(self.pool(), f, before_id, limit).await
    }

    async fn token_usage(
        &self,
        org_id: i64,
        token_id: &str,
        since: Option<DateTime<Utc>>,
    ) -> StoreResult<UsageStats> {
        sqlite_access::usage(self.pool(), org_id, token_id, since).await
    }

    async fn purge_before(&self, cutoff: DateTime<Utc>) -> StoreResult<(u64, u64)> {
        let mut q = events_purge::<Sqlite>(cutoff);
        let events = q.build().execute(self.pool()).await.map_err(db_err)?;
        let access = sqlite_access::purge_before(self.pool(), cutoff).await?;
        Ok((events.rows_affected(), access))
    }
}

impl AuditStore for PgStore {
    async fn list_events(
        &self,
        f: &EventFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>> {
        let mut q = events_page::<Postgres>(f, before_id, limit);
        let rows = q.build().fetch_all(self.pool()).await.map_err(db_err)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn list_access(
        &self,
        f: &AccessFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AccessEntry>> {
        let mut q = access_page(f, before_id, limit);
        let rows = q.build().fetch_all(self.pool()).await.map_err(db_err)?;
        rows.iter().map(access_from_row).collect()
    }

    async fn token_usage(
        &self,
        org_id: i64,
        token_id: &str,
        since: Option<DateTime<Utc>>,
    ) -> StoreResult<UsageStats> {
        let since = since.map(micros).unwrap_or(i64::MIN);
        let scope = |q: &mut QueryBuilder<Postgres>| {
            q.push(" FROM access_log WHERE org_id = ")
                .push_bind(org_id)
                .push(" AND credential_id = ")
                .push_bind(token_id.to_string())
                .push(" AND at >= ")
                .push_bind(since);
        };
        let mut q = QueryBuilder::new(
            "SELECT COUNT(*) AS n, COUNT(CASE WHEN status >= 400 THEN 1 END) AS errors",
        );
        scope(&mut q);
        let row = q.build().fetch_one(self.pool()).await.map_err(db_err)?;
        let requests = row.i64("n")?;
        let errors = row.i64("errors")?;
        if requests == 0 {
            return Ok(UsageStats::default());
        }

        let mut q = QueryBuilder::new("SELECT method, path, COUNT(*) AS n");
        scope(&mut q);
        q.push(" GROUP BY method, path ORDER BY n DESC, method, path LIMIT ")
            .push_bind(TOP);
        let routes = q
            .build()
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| Ok((r.text("method")?, r.text("path")?, r.i64("n")?)))
            .collect::<StoreResult<Vec<_>>>()?;

        let mut q = QueryBuilder::new("SELECT permission, COUNT(*) AS n");
        scope(&mut q);
        q.push(
            " AND permission IS NOT NULL GROUP BY permission ORDER BY n DESC, permission LIMIT ",
        )
        .push_bind(TOP);
        let permissions = q
            .build()
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| Ok((r.text("permission")?, r.i64("n")?)))
            .collect::<StoreResult<Vec<_>>>()?;

        let mut percentiles = [None, None];
        for (slot, p) in percentiles.iter_mut().zip([0.50, 0.95]) {
            let mut q = QueryBuilder::new("SELECT latency_us");
            scope(&mut q);
            q.push(" ORDER BY latency_us LIMIT 1 OFFSET ")
                .push_bind(rank(p, requests));
            let row = q
                .build()
                .fetch_optional(self.pool())
                .await
                .map_err(db_err)?;
            *slot = row.map(|r| r.i64("latency_us")).transpose()?;
        }
        let [p50_us, p95_us] = percentiles;
        Ok(UsageStats {
            requests,
            errors,
            routes,
            permissions,
            p50_us,
            p95_us,
        })
    }

    async fn purge_before(&self, cutoff: DateTime<Utc>) -> StoreResult<(u64, u64)> {
        let mut q = events_purge::<Postgres>(cutoff);
        let events = q.build().execute(self.pool()).await.map_err(db_err)?;
        let mut q = QueryBuilder::<Postgres>::new("DELETE FROM access_log WHERE at < ");
        q.push_bind(micros(cutoff));
        let access = q.build().execute(self.pool()).await.map_err(db_err)?;
        Ok((events.rows_affected(), access.rows_affected()))
    }
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Database::Sqlite($s) => $call.await,
            Database::Postgres($s) => $call.await,
        }
    };
}

impl AuditStore for Database {
    async fn list_events(
        &self,
        filter: &EventFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<EventRecord>> {
        dispatch!(self, s => s.list_events(filter, before_id, limit))
    }
    async fn list_access(
        &self,
        filter: &AccessFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<AccessEntry>> {
        dispatch!(self, s => s.list_access(filter, before_id, limit))
    }
    async fn token_usage(
        &self,
        org_id: i64,
        token_id: &str,
        since: Option<DateTime<Utc>>,
    ) -> StoreResult<UsageStats> {
        dispatch!(self, s => s.token_usage(org_id, token_id, since))
    }
    async fn purge_before(&self, cutoff: DateTime<Utc>) -> StoreResult<(u64, u64)> {
        dispatch!(self, s => s.purge_before(cutoff))
    }
}

#[cfg(test)]
mod tests {
    use super::super::parity::{drop_pg, migrated_pg};
    use super::*;
    use chrono::TimeZone;

    /// Every shape of access-log page: the whole org, a token's rows, a member's, each with and
    /// without `since`.
    fn page_shapes(token: &str, since: DateTime<Utc>) -> Vec<AccessFilter> {
        let f = AccessFilter {
            org_id: 1,
            ..Default::default()
        };
        let since = Some(since);
        let token_id = Some(token.to_string());
        vec![
            f.clone(),
            AccessFilter { since, ..f.clone() },
            AccessFilter {
                token_id: token_id.clone(),
                ..f.clone()
            },
            AccessFilter {
                token_id,
                since,
                ..f.clone()
            },
            AccessFilter {
                user_id: Some(1),
                ..f.clone()
            },
            AccessFilter {
                user_id: Some(1),
                since,
                ..f.clone()
            },
        ]
    }

    /// Every shape of access-log page reads newest first with no sort on PostgreSQL, which
    /// plans by its statistics: a log of 60,000 rows, most of them
    /// from two busy tokens, analysed as autovacuum would. Skipped without
    /// `TOKCTL_TEST_DATABASE_URL`.
    #[tokio::test]
    async fn postgres_reads_access_pages_newest_first_with_no_sort() {
        let Some((admin, url, pool)) =
            migrated_pg("postgres_reads_access_pages_newest_first_with_no_sort").await
        else {
            return;
        };
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'access_log' ORDER BY indexname",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            indexes,
            [
                "CREATE INDEX access_at ON public.access_log USING brin (at)",
                "CREATE INDEX access_credential ON public.access_log USING btree (credential_id, id)",
                "CREATE UNIQUE INDEX access_log_pkey ON public.access_log USING btree (id)",
            ]
        );
        sqlx::query(
            "INSERT INTO access_log (org_id, at, credential_id, method, path, status, ip, \
             latency_us) \
             SELECT 1, 1700000000000000 + i * 1000, \
                    CASE WHEN i % 1000 = 0 THEN 'tk_rare' WHEN i % 2 = 0 THEN 'tk_busy' \
                         ELSE 'tk_other' END, \
                    'POST', '/v1/verify', 200, '127.0.0.1', 150 \
             FROM generate_series(1, 60000) AS i",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("ANALYZE access_log")
            .execute(&pool)
            .await
            .unwrap();

        // `since` before every row: the page is found by walking, not by narrowing.
        let since = Utc.timestamp_opt(1_600_000_000, 0).unwrap();
        for token in ["tk_busy", "tk_rare"] {
            for f in page_shapes(token, since) {
                for before_id in [None, Some(50_000)] {
                    let mut q = QueryBuilder::<sqlx::Postgres>::new("EXPLAIN ");
                    push_access_page(&mut q, &f, before_id, 100);
                    let lines: Vec<String> = q.build_query_scalar().fetch_all(&pool).await.unwrap();
                    let plan = format!("{f:?} before {before_id:?}: {}", lines.join("; "));
                    // A sort of the rare token's few rows is cheap; one of a busy token's (or
                    // the whole log's) rows would read them all for every page.
                    let sorted = lines
                        .iter()
                        .filter(|l| {
                            l.trim_start()
                                .trim_start_matches("->")
                                .trim()
                                .starts_with("Sort  ")
                        })
                        .map(|l| estimated_rows(l))
                        .max();
                    assert!(sorted.is_none_or(|n| n <= 1_000), "{plan}");
                    assert!(!plan.contains("Seq Scan on access_log"), "{plan}");
                    if f.token_id.as_deref() == Some("tk_rare") {
                        assert!(plan.contains(" access_credential"), "{plan}");
                    }
                }
            }
        }
        pool.close().await;
        drop_pg(&admin, &url).await;
    }

    /// The planner's estimate of the rows out of a node, from its `EXPLAIN` line.
    fn estimated_rows(line: &str) -> u64 {
        let (_, rest) = line.split_once("rows=").expect("an estimate");
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().expect("a row count")
    }

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(rank(0.5, 1), 0);
        assert_eq!(rank(0.95, 1), 0);
        assert_eq!(rank(0.5, 4), 1);
        assert_eq!(rank(0.5, 5), 2);
        assert_eq!(rank(0.95, 20), 18);
        assert_eq!(rank(0.95, 100), 94);
    }
}
