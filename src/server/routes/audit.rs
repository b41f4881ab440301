//! `GET /v1/audit` and `GET /v1/tokens/{token}/usage`. The rules live in
//! [`crate::server::service::audit`]; these handlers only adapt HTTP.

use axum::Extension;
use axum::extract::State;

use crate::api::types::{AuditPage, AuditQuery, TokenUsage, UsageQuery};
use crate::server::auth::Principal;
use crate::server::http::error::ApiResult;
use crate::server::http::extract::{Json, Path, Query};
use crate::server::service::audit;
use crate::server::state::SharedState;

type ErrorBody = crate::api::error::ErrorBody;

/// The org's audit events (`kind=events`, default) or access log (`kind=access`), newest first,
/// keyset-paginated. Needs audit:read.
#[utoipa::path(get, path = "/v1/audit", params(AuditQuery), tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn audit(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    Ok(Json(audit::query(&state, &p, q).await?))
}

/// One token's usage: request count, error rate, most used routes and permissions, latency
/// percentiles, last used. One's own token with tokens:read, anyone's with tokens:admin.
#[utoipa::path(get, path = "/v1/tokens/{token}/usage", params(("token" = String, Path, description = "id (tk_…) or name"), UsageQuery),
    tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = TokenUsage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn usage(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(reference): Path<String>,
    Query(q): Query<UsageQuery>,
) -> ApiResult<Json<TokenUsage>> {
    Ok(Json(
        audit::usage(
            &state,
            &p,
            &reference,
            q.owner.as_deref(),
            q.since.as_deref(),
        )
        .await?,
    ))
}
