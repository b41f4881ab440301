//! `GET/PATCH /v1/org/policy`: the org's token policy.

use axum::Extension;
use axum::extract::State;

use crate::api::perms::Permission;
use crate::api::types::{OrgPolicy, PolicyAnswer, PolicyPreview};
use crate::server::auth::Principal;
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::http::extract::Json;
use crate::server::service::policy;
use crate::server::state::SharedState;
use crate::server::store::Store;

type ErrorBody = crate::api::error::ErrorBody;

#[utoipa::path(get, path = "/v1/org/policy", tag = "org", security(("bearer" = [])),
    responses((status = 200, body = OrgPolicy), (status = 403, body = ErrorBody)))]
pub(crate) async fn get_policy(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<OrgPolicy>> {
    p.require(Permission::OrgRead)?;
    Ok(Json(state.store.org(p.org_id()).await?.policy))
}

/// Changes some fields of the policy; an unknown key or bad value changes nothing (422). With
/// `"dry_run": true` the same checks run and the answer is the policy before and after; nothing
/// is changed and no audit event written.
#[utoipa::path(patch, path = "/v1/org/policy", request_body(content = crate::api::types::PolicyPatch, description = "any subset of the OrgPolicy fields"),
    tag = "org", security(("bearer" = [])),
    responses((status = 200, body = PolicyAnswer, description = "the new policy; with `dry_run`, old and new, nothing changed"),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn patch_policy(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Json(mut patch): Json<serde_json::Value>,
) -> ApiResult<Json<PolicyAnswer>> {
    p.require(Permission::OrgSettingsWrite)?;
    let dry_run = match patch.as_object_mut().and_then(|o| o.remove("dry_run")) {
        None => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| ApiError::invalid("`dry_run` must be true or false"))?,
    };
    let org = state.store.org(p.org_id()).await?;
    let updated = policy::apply_patch(&org.policy, &patch)?;
    if dry_run {
        return Ok(Json(PolicyAnswer::DryRun(PolicyPreview {
            old: org.policy,
            new: updated,
            dry_run: true,
        })));
    }
    if updated != org.policy {
        let event = p.event(
            "org.policy",
            Some(org.name.clone()),
            serde_json::json!({"old": org.policy, "new": updated}),
        );
        state.store.set_policy(p.org_id(), &updated, event).await?;
    }
    Ok(Json(PolicyAnswer::Changed(updated)))
}
