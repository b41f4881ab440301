//! `/v1/tokens`: mint, list, show, revoke, rotate, bulk revoke. The rules live in
//! [`crate::server::service::tokens`]; these handlers only adapt HTTP.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::types::{
    BulkRevokeRequest, ListTokensQuery, MintRequest, Page, RevokeRequest, RevokeResult,
    RotateRequest, TokenAnswer, TokenInfo, TokenPreview, TokenWithSecret,
};
use crate::server::auth::Principal;
use crate::server::http::error::ApiResult;
use crate::server::http::extract::{Json, Path, Query, optional_json};
use crate::server::service::tokens::{self, Access};
use crate::server::state::SharedState;

type ErrorBody = crate::api::error::ErrorBody;

/// For a token named rather than given by id: whose token (an admin naming a service account's).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OwnerQuery {
    pub(crate) owner: Option<String>,
}

#[utoipa::path(post, path = "/v1/tokens", request_body = MintRequest, tag = "tokens", security(("bearer" = [])),
    responses((status = 201, body = TokenWithSecret),
              (status = 200, body = TokenPreview, description = "`dry_run`: the token as it would be minted; no secret, nothing changed"),
              (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "`owner` is not a member"),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn mint(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Json(req): Json<MintRequest>,
) -> ApiResult<(StatusCode, Json<TokenAnswer>)> {
    let out = tokens::mint(&state, &p, req).await?;
    let status = match out {
        TokenAnswer::Issued(_) => StatusCode::CREATED,
        TokenAnswer::DryRun(_) => StatusCode::OK,
    };
    Ok((status, Json(out)))
}

#[utoipa::path(get, path = "/v1/tokens", params(ListTokensQuery), tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = Page<TokenInfo>), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "`owner` is not a member"), (status = 422, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ListTokensQuery>,
) -> ApiResult<Json<Page<TokenInfo>>> {
    Ok(Json(tokens::list(&state, &p, q).await?))
}

#[utoipa::path(get, path = "/v1/tokens/{token}", params(("token" = String, Path, description = "id (tk_…) or name"), OwnerQuery),
    tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = TokenInfo), (status = 404, body = ErrorBody)))]
pub(crate) async fn show(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(reference): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> ApiResult<Json<TokenInfo>> {
    let t = tokens::find(&state, &p, &reference, q.owner.as_deref(), Access::Read).await?;
    Ok(Json(t.info(Utc::now())))
}

#[utoipa::path(post, path = "/v1/tokens/{token}/revoke", params(("token" = String, Path, description = "id (tk_…) or name"), OwnerQuery),
    request_body(content = Option<RevokeRequest>), tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = RevokeResult), (status = 404, body = ErrorBody)))]
pub(crate) async fn revoke(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(reference): Path<String>,
    Query(q): Query<OwnerQuery>,
    body: Bytes,
) -> ApiResult<Json<RevokeResult>> {
    let req = optional_json::<RevokeRequest>(&body)?;
    Ok(Json(
        tokens::revoke(
            &state,
            &p,
            &reference,
            q.owner.as_deref(),
            req.reason,
            req.dry_run,
        )
        .await?,
    ))
}

#[utoipa::path(post, path = "/v1/tokens/{token}/rotate", params(("token" = String, Path, description = "id (tk_…) or name"), OwnerQuery),
    request_body(content = Option<RotateRequest>), tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = TokenAnswer, description = "the token with its new secret; with `dry_run`, the token as it would be, no secret, nothing changed"),
              (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn rotate(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(reference): Path<String>,
    Query(q): Query<OwnerQuery>,
    body: Bytes,
) -> ApiResult<Json<TokenAnswer>> {
    let req: RotateRequest = optional_json(&body)?;
    Ok(Json(
        tokens::rotate(&state, &p, &reference, q.owner.as_deref(), req).await?,
    ))
}

#[utoipa::path(post, path = "/v1/tokens/revoke", request_body = BulkRevokeRequest, tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = RevokeResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn bulk_revoke(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Json(req): Json<BulkRevokeRequest>,
) -> ApiResult<Json<RevokeResult>> {
    Ok(Json(
        tokens::revoke_owner(&state, &p, &req.owner, req.dry_run, req.reason).await?,
    ))
}
