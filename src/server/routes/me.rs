//! `GET /v1/me`: who the credential is.

use crate::api::types::Me;
use crate::server::auth::Principal;
use crate::server::http::error::ApiResult;
use crate::server::http::extract::Json;
use crate::server::service::me::describe;
use crate::server::state::SharedState;
use axum::Extension;
use axum::extract::State;

#[utoipa::path(get, path = "/v1/me", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::api::error::ErrorBody)))]
pub(crate) async fn me(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<Me>> {
    Ok(Json(describe(&state, &p).await?))
}
