//! `/v1/trust`: CI trust policies (`tokens:admin`). The rules live in
//! [`crate::server::service::trust::policies`]; these handlers only adapt HTTP.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::trust::{AddTrustRequest, TrustPolicy};
use crate::server::auth::Principal;
use crate::server::http::error::ApiResult;
use crate::server::http::extract::{Json, Path, Query};
use crate::server::service::trust::policies;
use crate::server::state::SharedState;

type ErrorBody = crate::api::error::ErrorBody;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DryRunQuery {
    /// Run the checks and answer the policy as it is; remove nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Adds a trust policy: which CI identities (issuer, audience, subject and claim patterns) may
/// exchange their ID token for a token of which service account. With `dry_run`, every check
/// runs and the policy is answered as it would be; nothing is written.
#[utoipa::path(post, path = "/v1/trust", request_body = AddTrustRequest, tag = "trust", security(("bearer" = [])),
    responses((status = 201, body = TrustPolicy), (status = 200, body = TrustPolicy, description = "`dry_run`: the policy as it would be; nothing changed"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "`owner` is not a member"),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Json(req): Json<AddTrustRequest>,
) -> ApiResult<(StatusCode, Json<TrustPolicy>)> {
    let dry_run = req.dry_run;
    let policy = policies::add(&state, &p, req).await?;
    let status = if dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(policy)))
}

#[utoipa::path(get, path = "/v1/trust", tag = "trust", security(("bearer" = [])),
    responses((status = 200, body = Vec<TrustPolicy>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<Vec<TrustPolicy>>> {
    Ok(Json(policies::list(&state, &p).await?))
}

#[utoipa::path(get, path = "/v1/trust/{name}", params(("name" = String, Path, description = "the policy's name")),
    tag = "trust", security(("bearer" = [])),
    responses((status = 200, body = TrustPolicy), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn show(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(name): Path<String>,
) -> ApiResult<Json<TrustPolicy>> {
    Ok(Json(policies::show(&state, &p, &name).await?))
}

/// Removes a trust policy; tokens it made live out their (minutes of) lifetime.
#[utoipa::path(delete, path = "/v1/trust/{name}", params(("name" = String, Path, description = "the policy's name"), DryRunQuery),
    tag = "trust", security(("bearer" = [])),
    responses((status = 200, body = TrustPolicy, description = "the removed policy (with `dry_run`: the policy, not removed)"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn remove(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(name): Path<String>,
    Query(q): Query<DryRunQuery>,
) -> ApiResult<Json<TrustPolicy>> {
    Ok(Json(policies::remove(&state, &p, &name, q.dry_run).await?))
}
