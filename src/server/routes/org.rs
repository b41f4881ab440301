//! `GET/PATCH /v1/org/policy`: the org's token policy.

use axum::Extension;
use axum::extract::State;

use crate::api::perms::Permission;
use crate::api::types::OrgPolicy;
use crate::server::auth::Principal;
use crate::server::error::ApiResult;
use crate::server::extract::Json;
use crate::server::policy;
use crate::server::state::SharedState;
use crate::server::store::Store;

type ErrorBody = crate::api::error::ErrorBody;

#[utoipa::path(get, path = "/v1/org/policy", tag = "org", security(("bearer" = [])),
    responses((status = 200, body = OrgPolicy), (status = 403, body = ErrorBody)))]
pub async fn get_policy(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<OrgPolicy>> {
    p.require(Permission::OrgRead)?;
    Ok(Json(state.store.org(p.org_id()).await?.policy))
}

/// Changes some fields of the policy; an unknown key or bad value changes nothing (422).
#[utoipa::path(patch, path = "/v1/org/policy", request_body(content = crate::api::types::PolicyPatch, description = "any subset of the OrgPolicy fields"),
    tag = "org", security(("bearer" = [])),
    responses((status = 200, body = OrgPolicy), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_policy(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Json(patch): Json<serde_json::Value>,
) -> ApiResult<Json<OrgPolicy>> {
    p.require(Permission::OrgSettingsWrite)?;
    let org = state.store.org(p.org_id()).await?;
    let updated = policy::apply_patch(&org.policy, &patch)?;
    if updated != org.policy {
        let event = p.event(
            "org.policy",
            Some(org.name.clone()),
            serde_json::json!({"old": org.policy, "new": updated}),
        );
        state.store.set_policy(p.org_id(), &updated, event).await?;
    }
    Ok(Json(updated))
}
