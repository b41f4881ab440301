//! `GET /v1/me`: who the credential is.

use axum::Extension;
use chrono::Utc;

use crate::api::types::{Me, OrgInfo};
use crate::server::auth::Principal;
use crate::server::http::extract::Json;

/// The identity, org, credential and effective permissions of the caller.
pub fn describe(p: &Principal) -> Me {
    Me {
        user: p.user.info(),
        org: OrgInfo {
            name: p.org_name.clone(),
        },
        credential: p.token.info(Utc::now()),
        permissions: p.permissions.names(),
    }
}

#[utoipa::path(get, path = "/v1/me", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::api::error::ErrorBody)))]
pub async fn me(Extension(p): Extension<Principal>) -> Json<Me> {
    Json(describe(&p))
}
