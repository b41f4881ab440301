//! `GET /metrics`, and the middleware that counts and logs every request for it.

use std::time::Instant;

use axum::Extension;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::api::error::ErrorCode;
use crate::api::perms::Permission;
use crate::api::secret::redact_secrets;
use crate::server::auth::Principal;
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::metrics::{CredentialId, request_log_enabled};
use crate::server::state::SharedState;

/// Counts and logs every request: method, path, status, latency, credential id.
pub(crate) async fn observe(
    State(state): State<SharedState>,
    req: Request,
    next: Next,
) -> Response {
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
pub(crate) async fn endpoint(
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
    Ok(state.metrics.render(
        state.usage.pending(),
        state.usage.dropped(),
        state.store.lease_stats(),
        state.limiter.checks_from_blocks(),
    ))
}
