//! The SQLite access log, kept in segments: each flush packs its rows into blobs of up to
//! 4,096 rows (`access_codec`), one `access_segments` row each, plus one
//! `access_segment_credentials` entry per token that has rows in the segment.
//!
//! Why not a row per call, as on PostgreSQL: a verify writes two rows, and with a table and two
//! indexes (by token, by time) each row cost three B-tree inserts and ten bound values. That
//! was about 5 µs of a verify's 16 µs of server CPU, nearly half of what the call cost beyond
//! `GET /healthz` (docs/performance.md, "Verify against /healthz"). A segment costs one insert
//! per flush, and an index entry per token per flush instead of per call.
//!
//! What reads pay instead: a page or a token's usage decodes whole segments (found through the
//! token index, newest first) and filters their rows here, and retention drops whole segments,
//! so a row can outlive the cutoff until the newest row of its flush passes it.
//! [`adopt_row_table`] moves the rows of the table this replaced into segments, once.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row as _, Sqlite, SqliteConnection, SqlitePool};

use super::access_codec::{self, ROWS_PER_SEGMENT, Row, segment_of};
use super::audit::{AccessEntry, AccessFilter, TOP, UsageStats, rank};
use super::rows::{db_err, json_list, micros};
use super::{AccessRecord, AddressTexts, OpenError, StoreResult};

/// Segments a page reads per step: a page usually ends within the first.
const PAGE_STEP: i64 = 8;
/// Segments a usage summary reads per step: it reads all of a token's.
const USAGE_STEP: i64 = 128;

/// Writes `access` as segments, inside the caller's transaction.
pub(super) async fn write(tx: &mut SqliteConnection, access: &[AccessRecord]) -> StoreResult<()> {
    let mut addresses = AddressTexts::default();
    let rows: Vec<Row<'_>> = access.iter().map(|r| Row::of(r, &mut addresses)).collect();
    insert(tx, &rows).await
}

async fn insert(tx: &mut SqliteConnection, rows: &[Row<'_>]) -> StoreResult<()> {
    for s in access_codec::encode(rows) {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO access_segments (org_id, min_at, max_at, rows, body) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(s.org_id)
        .bind(s.min_at)
        .bind(s.max_at)
        .bind(s.rows)
        .bind(s.body)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        // One statement for all the segment's tokens, however many.
        sqlx::query(
            "INSERT INTO access_segment_credentials (segment_id, credential_id) \
             SELECT ?, value FROM json_each(?)",
        )
        .bind(id)
        .bind(json_list(&s.credentials))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// A segment as read back: enough to decode it.
struct Stored {
    id: i64,
    min_at: i64,
    rows: i64,
    body: Vec<u8>,
}

/// Which segments a walk reads, newest first: an org's, optionally only those listing one of
/// `credentials` or holding rows at or after `since`.
struct Walk<'a> {
    org_id: i64,
    credentials: Option<&'a HashSet<String>>,
    since: Option<i64>,
    /// Segments per step.
    step: i64,
}

impl Walk<'_> {
    /// Calls `each` with the rows `wanted` accepts of every segment at or below `upper`, newest
    /// segment first, until it says stop. Every step reads a bounded number of segments and
    /// index entries, however long the log.
    async fn run(
        &self,
        pool: &SqlitePool,
        mut upper: i64,
        wanted: impl Fn(&str) -> bool,
        mut each: impl FnMut(Vec<AccessEntry>) -> bool,
    ) -> StoreResult<()> {
        loop {
            let (segments, next) = match self.credentials {
                None => self.newest(pool, upper).await?,
                Some(credentials) => self.newest_of(pool, credentials, upper).await?,
            };
            for s in segments {
                let rows = access_codec::decode(s.id, s.min_at, s.rows, &s.body, &wanted)?;
                if !each(rows) {
                    return Ok(());
                }
            }
            match next {
                Some(next) => upper = next,
                None => return Ok(()),
            }
        }
    }

    /// The org's next segments at or below `upper`, and where the step after starts (None:
    /// there are no more).
    async fn newest(
        &self,
        pool: &SqlitePool,
        upper: i64,
    ) -> StoreResult<(Vec<Stored>, Option<i64>)> {
        let mut q = self.segments();
        q.push(" AND id <= ").push_bind(upper);
        q.push(" ORDER BY id DESC LIMIT ").push_bind(self.step);
        let segments = fetch(pool, q).await?;
        let next = match segments.last() {
            Some(last) if segments.len() as i64 == self.step => Some(last.id - 1),
            _ => None,
        };
        Ok((segments, next))
    }

    /// The next segments at or below `upper` that list one of `credentials`. Each credential's
    /// newest `step` entries come from its index range; the newest `step` of them all are read,
    /// and the next step starts below the oldest of those. (One `IN (subquery)` would build the
    /// list of every segment of the token again at each step.)
    async fn newest_of(
        &self,
        pool: &SqlitePool,
        credentials: &HashSet<String>,
        upper: i64,
    ) -> StoreResult<(Vec<Stored>, Option<i64>)> {
        let mut ids = Vec::new();
        for c in credentials {
            let found: Vec<i64> = sqlx::query_scalar(
                "SELECT segment_id FROM access_segment_credentials \
                 WHERE credential_id = ? AND segment_id <= ? ORDER BY segment_id DESC LIMIT ?",
            )
            .bind(c)
            .bind(upper)
            .bind(self.step)
            .fetch_all(pool)
            .await
            .map_err(db_err)?;
            ids.extend(found);
        }
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup();
        ids.truncate(self.step as usize);
        let Some(&oldest) = ids.last() else {
            return Ok((Vec::new(), None));
        };
        let mut q = self.segments();
        q.push(" AND id IN (");
        let mut list = q.separated(", ");
        for id in &ids {
            list.push_bind(*id);
        }
        q.push(") ORDER BY id DESC");
        Ok((fetch(pool, q).await?, Some(oldest - 1)))
    }

    /// `SELECT` of the org's segments, narrowed by `since`; the caller adds which ones.
    fn segments(&self) -> QueryBuilder<Sqlite> {
        let mut q =
            QueryBuilder::new("SELECT id, min_at, rows, body FROM access_segments WHERE org_id = ");
        q.push_bind(self.org_id);
        if let Some(since) = self.since {
            q.push(" AND max_at >= ").push_bind(since);
        }
        q
    }
}

async fn fetch(pool: &SqlitePool, mut q: QueryBuilder<Sqlite>) -> StoreResult<Vec<Stored>> {
    let rows = q.build().fetch_all(pool).await.map_err(db_err)?;
    rows.iter()
        .map(|r| {
            Ok(Stored {
                id: r.try_get("id").map_err(db_err)?,
                min_at: r.try_get("min_at").map_err(db_err)?,
                rows: r.try_get("rows").map_err(db_err)?,
                body: r.try_get("body").map_err(db_err)?,
            })
        })
        .collect()
}

/// See [`super::audit::AuditStore::list_access`].
pub(super) async fn list(
    pool: &SqlitePool,
    f: &AccessFilter,
    before_id: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<AccessEntry>> {
    // Rows below the cursor live in its segment or older ones.
    let Some(last) = before_id.map_or(Some(i64::MAX), |id| id.checked_sub(1)) else {
        return Ok(Vec::new());
    };
    if last < 0 || limit == 0 {
        return Ok(Vec::new());
    }
    let tokens: Option<HashSet<String>> = f
        .token_id
        .as_ref()
        .map(|t| std::iter::once(t).chain(&f.descendants).cloned().collect());
    let members: Option<HashSet<String>> = match f.user_id {
        Some(user_id) => Some(
            sqlx::query_scalar("SELECT id FROM tokens WHERE user_id = ?")
                .bind(user_id)
                .fetch_all(pool)
                .await
                .map_err(db_err)?
                .into_iter()
                .collect(),
        ),
        None => None,
    };
    let since = f.since.map(micros);
    let walk = Walk {
        org_id: f.org_id,
        credentials: tokens.as_ref(),
        since,
        step: PAGE_STEP,
    };
    let wanted = |c: &str| {
        tokens.as_ref().is_none_or(|t| t.contains(c))
            && members.as_ref().is_none_or(|m| m.contains(c))
    };
    let limit = limit as usize;
    let mut page = Vec::new();
    walk.run(pool, segment_of(last), wanted, |rows| {
        let kept = rows
            .into_iter()
            .rev()
            .filter(|e| e.id <= last && since.is_none_or(|s| micros(e.at) >= s));
        page.extend(kept.take(limit - page.len()));
        page.len() < limit
    })
    .await?;
    Ok(page)
}

/// See [`super::audit::AuditStore::token_usage`].
pub(super) async fn usage(
    pool: &SqlitePool,
    org_id: i64,
    token_id: &str,
    since: Option<DateTime<Utc>>,
) -> StoreResult<UsageStats> {
    let since = since.map(micros);
    let token = HashSet::from([token_id.to_owned()]);
    let walk = Walk {
        org_id,
        credentials: Some(&token),
        since,
        step: USAGE_STEP,
    };
    let mut errors = 0;
    let mut routes: HashMap<(String, String), i64> = HashMap::new();
    let mut permissions: HashMap<String, i64> = HashMap::new();
    let mut latencies = Vec::new();
    walk.run(
        pool,
        i64::MAX,
        |c| c == token_id,
        |rows| {
            for e in rows {
                if since.is_some_and(|s| micros(e.at) < s) {
                    continue;
                }
                errors += i64::from(e.status >= 400);
                *routes.entry((e.method, e.path)).or_default() += 1;
                if let Some(p) = e.permission {
                    *permissions.entry(p).or_default() += 1;
                }
                latencies.push(e.latency_us);
            }
            true
        },
    )
    .await?;
    let requests = latencies.len() as i64;
    if requests == 0 {
        return Ok(UsageStats::default());
    }
    // Most used first, ties in byte order: what `ORDER BY n DESC, method, path` gives.
    let mut routes: Vec<_> = routes.into_iter().map(|((m, p), n)| (m, p, n)).collect();
    routes.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1))));
    routes.truncate(TOP as usize);
    let mut permissions: Vec<_> = permissions.into_iter().collect();
    permissions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    permissions.truncate(TOP as usize);
    latencies.sort_unstable();
    let at_rank = |q| latencies[rank(q, requests) as usize];
    Ok(UsageStats {
        requests,
        errors,
        routes,
        permissions,
        p50_us: Some(at_rank(0.50)),
        p95_us: Some(at_rank(0.95)),
    })
}

/// Drops the segments whose newest row is older than `cutoff`; returns how many rows went.
pub(super) async fn purge_before(pool: &SqlitePool, cutoff: DateTime<Utc>) -> StoreResult<u64> {
    let cutoff = micros(cutoff);
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
    sqlx::query(
        "DELETE FROM access_segment_credentials WHERE segment_id IN \
         (SELECT id FROM access_segments WHERE max_at < ?)",
    )
    .bind(cutoff)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    let rows: Vec<i64> =
        sqlx::query_scalar("DELETE FROM access_segments WHERE max_at < ? RETURNING rows")
            .bind(cutoff)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(rows.into_iter().map(|n| n.max(0) as u64).sum())
}

/// Moves the rows of `access_log`, the row-per-call table the segments replaced, into
/// segments and drops it: once, when a database written by an earlier version is opened. One
/// transaction, so an interrupted move leaves the table whole to move again. Rows get new ids
/// (a page cursor from before the upgrade starts over).
pub(super) async fn adopt_row_table(pool: &SqlitePool) -> Result<(), OpenError> {
    let fail = |e: sqlx::Error| OpenError::Migrate(format!("moving the access log: {e}"));
    const FIND: &str =
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'access_log'";
    // Looked for without the write lock first: every open of the database comes here, and
    // only the first after an upgrade finds the table.
    let found: Option<String> = sqlx::query_scalar(FIND)
        .fetch_optional(pool)
        .await
        .map_err(fail)?;
    if found.is_none() {
        return Ok(());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(fail)?;
    // Again under the lock: another process may have moved it meanwhile.
    let found: Option<String> = sqlx::query_scalar(FIND)
        .fetch_optional(&mut *tx)
        .await
        .map_err(fail)?;
    if found.is_none() {
        return Ok(());
    }
    let mut after = i64::MIN;
    loop {
        let batch = sqlx::query(
            "SELECT id, org_id, at, credential_id, method, path, status, ip, latency_us, \
             permission, root_id FROM access_log WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(after)
        .bind(ROWS_PER_SEGMENT as i64)
        .fetch_all(&mut *tx)
        .await
        .map_err(fail)?;
        let Some(last) = batch.last() else { break };
        after = last.try_get("id").map_err(fail)?;
        let texts: Vec<RowTexts> = batch
            .iter()
            .map(RowTexts::of)
            .collect::<Result<_, _>>()
            .map_err(fail)?;
        let rows: Vec<Row<'_>> = texts.iter().map(RowTexts::row).collect();
        insert(&mut tx, &rows)
            .await
            .map_err(|e| OpenError::Migrate(format!("moving the access log: {e}")))?;
    }
    sqlx::query("DROP TABLE access_log")
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
    tx.commit().await.map_err(fail)
}

/// A row of the old table, owned, to pack.
struct RowTexts {
    org_id: i64,
    at: i64,
    credential_id: String,
    method: String,
    path: String,
    status: i64,
    ip: Option<Arc<str>>,
    latency_us: i64,
    permission: Option<String>,
    root_id: Option<String>,
}

impl RowTexts {
    fn of(r: &sqlx::sqlite::SqliteRow) -> Result<RowTexts, sqlx::Error> {
        Ok(RowTexts {
            org_id: r.try_get("org_id")?,
            at: r.try_get("at")?,
            credential_id: r.try_get("credential_id")?,
            method: r.try_get("method")?,
            path: r.try_get("path")?,
            status: r.try_get("status")?,
            ip: r.try_get::<Option<String>, _>("ip")?.map(Arc::from),
            latency_us: r.try_get("latency_us")?,
            permission: r.try_get("permission")?,
            root_id: r.try_get("root_id")?,
        })
    }

    fn row(&self) -> Row<'_> {
        Row {
            org_id: self.org_id,
            at: self.at,
            credential_id: &self.credential_id,
            method: &self.method,
            path: &self.path,
            // A status is written from a u16; anything else is shown as 0 rather than lost.
            status: u16::try_from(self.status).unwrap_or(0),
            ip: self.ip.clone(),
            latency_us: self.latency_us,
            permission: self.permission.as_deref(),
            root_id: self.root_id.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::net::IpAddr;

    use chrono::TimeZone;

    use super::super::access_codec::compare::{shown, written};
    use super::*;
    use crate::api::perms::Permission;

    async fn migrated(to: Option<i64>) -> SqlitePool {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        let migrator = sqlx::migrate!("migrations/sqlite");
        match to {
            Some(version) => migrator.run_to(version, &pool).await.unwrap(),
            None => migrator.run(&pool).await.unwrap(),
        }
        pool
    }

    const BASE: i64 = 1_700_000_000_000_000;

    /// Row `i` of a log of `tokens` tokens: times a little out of order (a flush holds the rows
    /// of requests that overlapped), every optional field both set and not.
    fn record(i: i64) -> AccessRecord {
        AccessRecord {
            org_id: 1,
            at: Utc
                .timestamp_micros(BASE + i * 1000 - (i % 3) * 1500)
                .unwrap(),
            credential_id: format!("tk_{}", (i * 7) % 5),
            method: Cow::Borrowed(["GET", "POST"][(i % 2) as usize]),
            path: Cow::Owned(format!("/v1/r{}", i % 4)),
            status: [200, 200, 403, 429][(i % 4) as usize],
            ip: (i % 5 != 0).then(|| IpAddr::from([127, 0, 0, (i % 3) as u8])),
            latency_us: (i * 37) % 1000,
            permission: (i % 3 == 0).then(|| Permission::parse("work:read").unwrap()),
            root_id: (i % 7 == 0).then(|| Arc::from("tk_root")),
        }
    }

    /// The log as three flushes of 5,000 rows (two segments), 7 rows and 4,200 rows, then 30
    /// flushes of 3 rows: each of those lists 3 of the 5 tokens, so a token's segments are not
    /// all the org's, and a walk takes several steps.
    async fn written_log(pool: &SqlitePool) -> Vec<AccessRecord> {
        let records: Vec<_> = (0..9297).map(record).collect();
        let mut conn = pool.acquire().await.unwrap();
        let mut flushes = vec![&records[..5000], &records[5000..5007], &records[5007..9207]];
        flushes.extend(records[9207..].chunks(3));
        for flush in flushes {
            write(&mut conn, flush).await.unwrap();
        }
        records
    }

    /// Every page of `f` at `limit`, each started from the previous page's last id.
    async fn all_pages(pool: &SqlitePool, f: &AccessFilter, limit: u32) -> Vec<AccessEntry> {
        let mut out: Vec<AccessEntry> = Vec::new();
        loop {
            let page = list(pool, f, out.last().map(|e| e.id), limit)
                .await
                .unwrap();
            assert!(page.len() <= limit as usize);
            let done = page.len() < limit as usize;
            out.extend(page);
            if done {
                return out;
            }
        }
    }

    #[tokio::test]
    async fn pages_give_every_matching_row_once_newest_first() {
        let pool = migrated(None).await;
        let records = written_log(&pool).await;
        let since = Utc.timestamp_micros(BASE + 6_000_000).unwrap();
        let filters = [
            AccessFilter {
                org_id: 1,
                ..Default::default()
            },
            AccessFilter {
                org_id: 1,
                token_id: Some("tk_3".into()),
                ..Default::default()
            },
            AccessFilter {
                org_id: 1,
                token_id: Some("tk_3".into()),
                descendants: vec!["tk_0".into(), "tk_unknown".into()],
                since: Some(since),
                ..Default::default()
            },
            AccessFilter {
                org_id: 1,
                since: Some(since),
                ..Default::default()
            },
            AccessFilter {
                org_id: 2,
                ..Default::default()
            },
        ];
        for f in &filters {
            let mut tokens: Vec<&String> = f.token_id.iter().chain(&f.descendants).collect();
            tokens.sort();
            let expected: Vec<_> = records
                .iter()
                .rev()
                .filter(|r| r.org_id == f.org_id)
                .filter(|r| tokens.is_empty() || tokens.binary_search(&&r.credential_id).is_ok())
                .filter(|r| f.since.is_none_or(|s| r.at >= s))
                .map(written)
                .collect();
            for limit in [1000, 7, 4096] {
                let got = all_pages(&pool, f, limit).await;
                assert!(got.windows(2).all(|w| w[0].id > w[1].id), "{f:?}");
                let got: Vec<_> = got.iter().map(shown).collect();
                assert_eq!(got.len(), expected.len(), "{f:?} at {limit}");
                assert!(got == expected, "{f:?} at {limit}");
            }
        }
        // A cursor below every id, and a page of none.
        assert!(
            list(&pool, &filters[0], Some(1), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            list(&pool, &filters[0], Some(i64::MIN), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(list(&pool, &filters[0], None, 0).await.unwrap().is_empty());
        // Optional fields come back as written.
        let all = all_pages(&pool, &filters[0], 5000).await;
        for (e, r) in all.iter().zip(records.iter().rev()) {
            assert_eq!(
                e.permission.as_deref(),
                r.permission.map(Permission::as_str)
            );
            assert_eq!(e.root_id.as_deref(), r.root_id.as_deref());
        }
    }

    #[tokio::test]
    async fn usage_sums_up_one_tokens_rows() {
        let pool = migrated(None).await;
        let records = written_log(&pool).await;
        let since = Utc.timestamp_micros(BASE + 3_000_000).unwrap();
        for (token, since) in [("tk_2", None), ("tk_2", Some(since)), ("tk_none", None)] {
            let mine: Vec<_> = records
                .iter()
                .filter(|r| r.credential_id == token && since.is_none_or(|s| r.at >= s))
                .collect();
            let got = usage(&pool, 1, token, since).await.unwrap();
            assert_eq!(got.requests, mine.len() as i64);
            if mine.is_empty() {
                assert_eq!(got, UsageStats::default());
                continue;
            }
            assert_eq!(
                got.errors,
                mine.iter().filter(|r| r.status >= 400).count() as i64
            );
            let mut latencies: Vec<_> = mine.iter().map(|r| r.latency_us).collect();
            latencies.sort();
            let n = latencies.len() as i64;
            assert_eq!(got.p50_us, Some(latencies[rank(0.5, n) as usize]));
            assert_eq!(got.p95_us, Some(latencies[rank(0.95, n) as usize]));
            let total: i64 = got.routes.iter().map(|r| r.2).sum();
            assert_eq!(total, n, "four routes, all listed");
            assert!(got.routes.windows(2).all(|w| w[0].2 >= w[1].2));
            let asked = mine.iter().filter(|r| r.permission.is_some()).count() as i64;
            assert_eq!(got.permissions, [("work:read".to_string(), asked)]);
        }
        assert_eq!(
            usage(&pool, 2, "tk_2", None).await.unwrap(),
            UsageStats::default()
        );
    }

    #[tokio::test]
    async fn retention_drops_whole_segments_that_are_past_the_cutoff() {
        let pool = migrated(None).await;
        let records = written_log(&pool).await;
        let count = |pool: SqlitePool| async move {
            let f = AccessFilter {
                org_id: 1,
                ..Default::default()
            };
            all_pages(&pool, &f, 5000).await.len()
        };
        // The first segment (rows 0..4096) ends at 4.095 s; the second starts there.
        let cutoff = Utc.timestamp_micros(BASE + 4_096_000).unwrap();
        assert_eq!(purge_before(&pool, cutoff).await.unwrap(), 4096);
        assert_eq!(count(pool.clone()).await, records.len() - 4096);
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM access_segment_credentials WHERE segment_id NOT IN \
             (SELECT id FROM access_segments)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(left, 0, "the index lists no purged segment");
        assert_eq!(purge_before(&pool, cutoff).await.unwrap(), 0);
        let end = Utc.timestamp_micros(BASE + 20_000_000).unwrap();
        assert_eq!(
            purge_before(&pool, end).await.unwrap() as usize,
            records.len() - 4096
        );
        // Ids are not reused once the table is empty: a cursor never meets a new row twice.
        let mut conn = pool.acquire().await.unwrap();
        write(&mut conn, &records[..1]).await.unwrap();
        drop(conn);
        let f = AccessFilter {
            org_id: 1,
            ..Default::default()
        };
        let first = list(&pool, &f, None, 1).await.unwrap();
        assert_eq!(
            segment_of(first[0].id),
            36,
            "35 segments were written before"
        );
    }

    /// Texts travel through the segment body and, for credentials, a JSON list into the index:
    /// quotes, backslashes, control and non-ASCII characters come back as written.
    #[tokio::test]
    async fn awkward_texts_round_trip_through_the_body_and_the_index() {
        let pool = migrated(None).await;
        let odd = "tk_\"quote\\back'single\n\u{0}é🙂";
        let mut r = record(1);
        r.credential_id = odd.to_string();
        r.path = Cow::Borrowed("/v1/\"x\"?a=%2F&b=\\");
        let mut conn = pool.acquire().await.unwrap();
        write(&mut conn, &[record(0), r, record(2)]).await.unwrap();
        drop(conn);
        let f = AccessFilter {
            org_id: 1,
            token_id: Some(odd.to_string()),
            ..Default::default()
        };
        let page = list(&pool, &f, None, 10).await.unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].credential_id, odd);
        assert_eq!(page[0].path, "/v1/\"x\"?a=%2F&b=\\");
        assert_eq!(usage(&pool, 1, odd, None).await.unwrap().requests, 1);
    }

    #[tokio::test]
    async fn rows_of_the_old_table_move_into_segments_once() {
        let pool = migrated(Some(9)).await;
        for i in 0..5000i64 {
            let r = record(i);
            sqlx::query(
                "INSERT INTO access_log (org_id, at, credential_id, method, path, status, ip, \
                 latency_us, permission, root_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(r.org_id)
            .bind(micros(r.at))
            .bind(&r.credential_id)
            .bind(r.method.as_ref())
            .bind(r.path.as_ref())
            .bind(i64::from(r.status))
            .bind(r.ip.map(|ip| ip.to_string()))
            .bind(r.latency_us)
            .bind(r.permission.map(Permission::as_str))
            .bind(r.root_id.as_deref())
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .unwrap();
        adopt_row_table(&pool).await.unwrap();
        adopt_row_table(&pool).await.unwrap();
        let table: Option<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE name = 'access_log'")
                .fetch_optional(&pool)
                .await
                .unwrap();
        assert_eq!(table, None);
        let f = AccessFilter {
            org_id: 1,
            ..Default::default()
        };
        let got: Vec<_> = all_pages(&pool, &f, 1000).await.iter().map(shown).collect();
        let expected: Vec<_> = (0..5000).rev().map(|i| written(&record(i))).collect();
        assert!(got == expected);
        assert_eq!(usage(&pool, 1, "tk_1", None).await.unwrap().requests, 1000);
    }
}
