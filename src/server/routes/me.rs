//! `GET /v1/me`: who the credential is.

use crate::api::types::Me;
use crate::server::auth::Principal;
use crate::server::http::extract::Json;
use crate::server::service::me::describe;
use axum::Extension;

#[utoipa::path(get, path = "/v1/me", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::api::error::ErrorBody)))]
pub(crate) async fn me(Extension(p): Extension<Principal>) -> Json<Me> {
    Json(describe(&p))
}
