//! Prometheus metrics (`GET /metrics`) and the structured request log.
//!
//! Counters are plain atomics: recording costs a few nanoseconds and no lock. The request log
//! names the path, never the query string, and a secret-shaped part of the path is written as
//! `[redacted]` (such a request is refused, but the log line of the refusal is written too).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Extension;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::auth::Principal;
use super::http::error::{ApiError, ApiResult};
use super::state::SharedState;
use crate::api::error::ErrorCode;
use crate::api::perms::Permission;
use crate::api::secret::redact_secrets;

/// The credential a response was made for, set by the auth middleware for the request log.
#[derive(Clone, Debug)]
pub struct CredentialId(pub String);

#[derive(Default)]
pub struct Metrics {
    requests_2xx: AtomicU64,
    requests_4xx: AtomicU64,
    requests_5xx: AtomicU64,
    requests_other: AtomicU64,
    pub auth_failures: AtomicU64,
    /// Failed authentications over the per-address audit cap, so not written as a row.
    pub auth_failures_unaudited: AtomicU64,
    pub rate_limited: AtomicU64,
}

impl Metrics {
    fn count(&self, status: u16) {
        let c = match status {
            200..=299 => &self.requests_2xx,
            400..=499 => &self.requests_4xx,
            500..=599 => &self.requests_5xx,
            _ => &self.requests_other,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, pending_usage: usize, dropped_usage: u64) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "# HELP tokctl_http_requests_total HTTP requests answered, by status class.\n\
             # TYPE tokctl_http_requests_total counter\n\
             tokctl_http_requests_total{{class=\"2xx\"}} {}\n\
             tokctl_http_requests_total{{class=\"4xx\"}} {}\n\
             tokctl_http_requests_total{{class=\"5xx\"}} {}\n\
             tokctl_http_requests_total{{class=\"other\"}} {}\n\
             # HELP tokctl_auth_failures_total Requests refused for a missing, malformed, unknown, expired or revoked credential.\n\
             # TYPE tokctl_auth_failures_total counter\n\
             tokctl_auth_failures_total {}\n\
             # HELP tokctl_auth_failures_unaudited_total Failed authentications not written to the audit log (over the per-address cap); each address's next auth.failed row counts them as suppressed.\n\
             # TYPE tokctl_auth_failures_unaudited_total counter\n\
             tokctl_auth_failures_unaudited_total {}\n\
             # HELP tokctl_rate_limited_total Requests and verifies refused by a token's rate limit.\n\
             # TYPE tokctl_rate_limited_total counter\n\
             tokctl_rate_limited_total {}\n\
             # HELP tokctl_usage_pending Access-log rows buffered, not yet written.\n\
             # TYPE tokctl_usage_pending gauge\n\
             tokctl_usage_pending {pending_usage}\n\
             # HELP tokctl_usage_dropped_total Access-log rows dropped because the database stayed unreachable.\n\
             # TYPE tokctl_usage_dropped_total counter\n\
             tokctl_usage_dropped_total {dropped_usage}\n",
            get(&self.requests_2xx),
            get(&self.requests_4xx),
            get(&self.requests_5xx),
            get(&self.requests_other),
            get(&self.auth_failures),
            get(&self.auth_failures_unaudited),
            get(&self.rate_limited),
        )
    }
}

/// Whether the request log is on; when it is off nothing needs to carry the credential id to
/// [`observe`] (a copy and an allocation per request saved).
pub fn request_log_enabled() -> bool {
    tracing::enabled!(target: "tokctl::request", tracing::Level::INFO)
}

/// Counts and logs every request: method, path, status, latency, credential id.
pub async fn observe(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    // Copied only when there is a request log to write them to.
    let request = request_log_enabled().then(|| {
        (
            req.method().clone(),
            redact_secrets(req.uri().path()).into_owned(),
        )
    });
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    state.metrics.count(status);
    let Some((method, path)) = request else {
        return resp;
    };
    let credential = resp
        .extensions()
        .get::<CredentialId>()
        .map(|c| c.0.as_str());
    tracing::info!(
        target: "tokctl::request",
        %method,
        path,
        status,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        credential = credential.unwrap_or("-"),
    );
    resp
}

/// Prometheus text exposition of the counters above. Needs a credential holding `audit:read`
/// (the guard in front of the route authenticates it) unless the server runs with
/// `--metrics-unauthenticated`; the counters tell an outsider how the service is used.
#[utoipa::path(get, path = "/metrics", tag = "meta", security(("bearer" = [])),
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain"),
        (status = 400, body = crate::api::error::ErrorBody, description = "two credentials (`ambiguous_credential`), or a secret in the URL (`token_in_url`)"),
        (status = 401, body = crate::api::error::ErrorBody, description = "no credential, or a malformed, unknown, expired or revoked one (not with --metrics-unauthenticated)"),
        (status = 403, body = crate::api::error::ErrorBody, description = "the credential lacks audit:read, or is outside its networks (not with --metrics-unauthenticated)"),
        (status = 429, body = crate::api::error::ErrorBody, description = "the credential is over its rate limit (Retry-After)")))]
pub async fn endpoint(
    State(state): State<SharedState>,
    principal: Option<Extension<Principal>>,
) -> ApiResult<String> {
    if !state.metrics_unauthenticated {
        let Some(Extension(p)) = principal else {
            return Err(ApiError::new(
                ErrorCode::Internal,
                "the metrics route is not behind the auth middleware",
            ));
        };
        p.require(Permission::AuditRead)?;
    }
    Ok(state
        .metrics
        .render(state.usage.pending(), state.usage.dropped()))
}
