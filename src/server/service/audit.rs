//! Reading the audit trail back, shared by the REST routes and the MCP `audit` tool: audit
//! events and the access log (`GET /v1/audit`), one token's usage (`GET /v1/tokens/{id}/usage`),
//! and the retention that deletes what is older than `--retention`.
//!
//! Writing happens elsewhere: events in the store transactions of the changes they describe,
//! access-log rows through the buffered [`crate::server::audit::access_log::UsageBuffer`]. Reads first flush that
//! buffer, so a listing includes every request answered before it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use super::tokens::{self, Access};
use crate::api::duration::{Expiry, parse_expiry};
use crate::api::perms::Permission;
use crate::api::trust::Via;
use crate::api::types::{
    AccessRow, AuditEvent, AuditPage, AuditQuery, LatencyStats, Page, PermissionUsage, RouteUsage,
    TokenUsage,
};
use crate::server::auth::Principal;
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::state::AppState;
use crate::server::store::Store;
use crate::server::store::audit::{AccessEntry, AccessFilter, AuditStore, EventFilter};

pub(crate) use crate::api::limits::AUDIT_ACTIONS as ACTIONS;

pub(crate) const DEFAULT_PAGE: u32 = 100;
pub(crate) use crate::api::limits::MAX_PAGE;
/// How often retention runs.
pub(crate) const RETENTION_INTERVAL: StdDuration = StdDuration::from_secs(3600);

/// `since`: a duration back from now (`24h`, `7d`) or an RFC 3339 time.
pub(crate) fn parse_since(value: &str, now: DateTime<Utc>) -> ApiResult<DateTime<Utc>> {
    match parse_expiry(value) {
        Ok(Expiry::In(d)) => Ok(now - d),
        Ok(Expiry::At(at)) => Ok(at),
        Ok(Expiry::Never) | Err(_) => Err(ApiError::invalid(format!(
            "`since` `{value}` is not a duration (90m, 12h, 7d) or an RFC 3339 time"
        ))),
    }
}

/// Writes the buffered access-log rows first, so what is read includes every answered request.
/// A failure is only logged: the read that follows reports the database's state itself.
async fn flush_pending(state: &AppState) {
    if let Err(e) = state.usage.flush(&state.store).await {
        tracing::warn!(error = %e, "could not flush usage before reading the access log");
    }
}

fn page_limit(limit: Option<u32>) -> ApiResult<u32> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::invalid(format!("`limit` must be 1–{MAX_PAGE}")));
    }
    Ok(limit)
}

fn to_latency_ms(us: i64) -> f64 {
    us as f64 / 1000.0
}

/// `GET /v1/audit` and the MCP `audit` tool: needs `audit:read`.
pub(crate) async fn query(state: &AppState, p: &Principal, q: AuditQuery) -> ApiResult<AuditPage> {
    p.require(Permission::AuditRead)?;
    let now = Utc::now();
    let access = match q.kind.as_deref() {
        None | Some("events") => false,
        Some("access") => true,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "`kind` `{other}` is not `events` or `access`"
            )));
        }
    };
    let limit = page_limit(q.limit)?;
    let before_id = q
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| ApiError::bad_request("`cursor` is not a cursor this server gave out"))
        })
        .transpose()?;
    let since = q
        .since
        .as_deref()
        .map(|s| parse_since(s, now))
        .transpose()?;
    let token_id = match q.token.as_deref() {
        None => None,
        Some(id) if id.starts_with("tk_") => Some(id.to_string()),
        Some(name) => Some(tokens::find(state, p, name, None, Access::Read).await?.id),
    };
    // Every token of the subtree, whatever its status: a revoked child's past requests too.
    let descendants = match (&token_id, q.descendants.unwrap_or(false)) {
        (Some(id), true) => {
            let tree = state.store.subtree(id).await.map_err(|e| match e {
                crate::server::store::StoreError::NotFound => {
                    ApiError::not_found(format!("token `{id}` not found"))
                }
                other => other.into(),
            })?;
            if tree.first().is_some_and(|t| t.org_id != p.org_id()) {
                return Err(ApiError::not_found(format!("token `{id}` not found")));
            }
            tree.into_iter().skip(1).map(|t| t.id).collect()
        }
        (None, true) => {
            return Err(ApiError::invalid("`descendants` needs `token`"));
        }
        (_, false) => Vec::new(),
    };
    let user =
        match q.user.as_deref() {
            None => None,
            Some(member) => Some(state.store.member(p.org_id(), member).await?.ok_or_else(
                || {
                    ApiError::not_found(format!(
                        "no member `{member}` in this org (tokctl users list)"
                    ))
                },
            )?),
        };
    if access {
        if q.action.is_some() {
            return Err(ApiError::invalid(
                "`action` filters audit events; the access log has none",
            ));
        }
        flush_pending(state).await;
        let filter = AccessFilter {
            org_id: p.org_id(),
            token_id,
            descendants,
            user_id: user.map(|u| u.id),
            since,
        };
        let rows = state
            .store
            .list_access(&filter, before_id, limit + 1)
            .await?;
        let (rows, next_cursor) = split_page(rows, limit, |r| r.id);
        let via = ci_runs(state, p.org_id(), &rows).await?;
        return Ok(AuditPage::Access(Page {
            items: rows
                .into_iter()
                .map(|r| AccessRow {
                    via: via.get(&r.credential_id).cloned(),
                    id: r.id,
                    at: r.at,
                    credential_id: r.credential_id,
                    method: r.method,
                    path: r.path,
                    status: r.status,
                    ip: r.ip,
                    latency_ms: to_latency_ms(r.latency_us),
                    permission: r.permission,
                    root_id: r.root_id,
                })
                .collect(),
            next_cursor,
        }));
    }
    if let Some(a) = q.action.as_deref()
        && !ACTIONS.contains(&a)
    {
        return Err(ApiError::invalid(format!(
            "`action` `{a}` is not one of {}",
            ACTIONS.join(", ")
        )));
    }
    let filter = EventFilter {
        org_id: p.org_id(),
        token_id,
        descendants,
        user: user.map(|u| (u.id, u.label().to_string())),
        action: q.action,
        since,
    };
    let rows = state
        .store
        .list_events(&filter, before_id, limit + 1)
        .await?;
    let (rows, next_cursor) = split_page(rows, limit, |r| r.id);
    Ok(AuditPage::Events(Page {
        items: rows
            .into_iter()
            .map(|e| AuditEvent {
                id: e.id,
                at: e.at,
                action: e.action,
                actor: e.actor,
                credential_id: e.credential_id,
                target: e.target,
                ip: e.ip,
                detail: e.detail,
                root_id: e.root_id,
            })
            .collect(),
        next_cursor,
    }))
}

/// Keeps `limit` rows of the `limit + 1` fetched; the cursor is the last kept row's id.
/// The CI run behind each credential of `rows` that came from a trust policy (its `via`),
/// read once per distinct credential of the page: an incident names the exact run, and no
/// request pays for it when the access log is written.
async fn ci_runs(
    state: &AppState,
    org_id: i64,
    rows: &[AccessEntry],
) -> ApiResult<HashMap<String, Via>> {
    let mut via = HashMap::new();
    let mut seen = HashSet::new();
    for r in rows {
        if !seen.insert(r.credential_id.as_str()) {
            continue;
        }
        if let Some(v) = state
            .store
            .token_by_id(org_id, &r.credential_id)
            .await?
            .and_then(|t| t.via)
        {
            via.insert(r.credential_id.clone(), v);
        }
    }
    Ok(via)
}

fn split_page<T>(mut rows: Vec<T>, limit: u32, id: impl Fn(&T) -> i64) -> (Vec<T>, Option<String>) {
    if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        let cursor = rows.last().map(|r| id(r).to_string());
        (rows, cursor)
    } else {
        (rows, None)
    }
}

/// `GET /v1/tokens/{id}/usage`: one's own token with `tokens:read`, anyone's with
/// `tokens:admin` (the same access as reading the token).
pub(crate) async fn usage(
    state: &AppState,
    p: &Principal,
    reference: &str,
    owner: Option<&str>,
    since: Option<&str>,
) -> ApiResult<TokenUsage> {
    let now = Utc::now();
    let since = since.map(|s| parse_since(s, now)).transpose()?;
    let token = tokens::find(state, p, reference, owner, Access::Read).await?;
    flush_pending(state).await;
    // Re-read after the flush, for the last-used time just written.
    let token = state
        .store
        .token_by_id(p.org_id(), &token.id)
        .await?
        .unwrap_or(token);
    let stats = state
        .store
        .token_usage(p.org_id(), &token.id, since)
        .await?;
    Ok(TokenUsage {
        since,
        requests: stats.requests,
        errors: stats.errors,
        error_rate: if stats.requests > 0 {
            stats.errors as f64 / stats.requests as f64
        } else {
            0.0
        },
        routes: stats
            .routes
            .into_iter()
            .map(|(method, path, count)| RouteUsage {
                method,
                path,
                count,
            })
            .collect(),
        permissions: stats
            .permissions
            .into_iter()
            .map(|(permission, count)| PermissionUsage { permission, count })
            .collect(),
        latency_ms: LatencyStats {
            p50: stats.p50_us.map(to_latency_ms),
            p95: stats.p95_us.map(to_latency_ms),
        },
        last_used_at: token.last_used_at,
        token: token.info(now),
    })
}

/// Deletes audit events and access-log rows older than `retention`, now and every
/// [`RETENTION_INTERVAL`]. Runs until the server stops.
pub(crate) async fn retention_loop(state: Arc<AppState>, retention: Duration) {
    let mut tick = tokio::time::interval(RETENTION_INTERVAL);
    loop {
        tick.tick().await;
        let cutoff = Utc::now() - retention;
        match state.store.purge_before(cutoff).await {
            Ok((0, 0)) => {}
            Ok((events, access)) => {
                tracing::info!(events, access, %cutoff, "deleted audit rows past the retention");
            }
            Err(e) => tracing::warn!(error = %e, "audit retention failed; will retry"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_durations_and_times() {
        let now = DateTime::parse_from_rfc3339("2026-01-10T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_since("7d", now).unwrap(), now - Duration::days(7));
        assert_eq!(
            parse_since("2026-01-01T00:00:00Z", now).unwrap(),
            now - Duration::days(9)
        );
        assert!(parse_since("never", now).is_err());
        assert!(parse_since("soon", now).is_err());
    }

    #[test]
    fn pages_split_with_a_cursor_only_when_more_remain() {
        let (rows, c) = split_page(vec![5, 4, 3], 2, |r| *r);
        assert_eq!((rows, c.as_deref()), (vec![5, 4], Some("4")));
        let (rows, c) = split_page(vec![5, 4], 2, |r| *r);
        assert_eq!((rows, c), (vec![5, 4], None));
    }
}
