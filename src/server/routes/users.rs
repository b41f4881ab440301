//! `/v1/users`: list, add (people and service accounts), change role, remove.
//!
//! No escalation here either ([`no_escalation`]): nobody grants a role above their own or a
//! permission their credential lacks, nobody changes or removes a member above their own role,
//! and the last owner can be neither demoted nor removed.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;

use crate::api::perms::{Permission, Role};
use crate::api::types::{
    AddUserRequest, DryRunQuery, Page, PatchUserRequest, RevokeResult, UserInfo,
};
use crate::api::validate;
use crate::server::auth::Principal;
use crate::server::auth::password;
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::http::extract::{Json, Path, Query};
use crate::server::service::no_escalation;
use crate::server::state::{AppState, SharedState};
use crate::server::store::{NewUser, Store, UserRecord};

type ErrorBody = crate::api::error::ErrorBody;

/// The field checks of [`crate::api::validate`], which the CLI runs too.
fn check_email(email: &str) -> ApiResult<()> {
    validate::email(email).map_err(|e| ApiError::invalid(format!("`email` `{email}` is {e}")))
}

fn check_service_name(name: &str) -> ApiResult<()> {
    validate::service_name(name)
        .map_err(|e| ApiError::invalid(format!("`name` `{name}` is not valid: {e}")))
}

async fn find_member(state: &AppState, p: &Principal, member: &str) -> ApiResult<UserRecord> {
    state
        .store
        .member(p.org_id(), member)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no member `{member}` in this org (tokctl users list)"
            ))
        })
}

async fn other_owners(state: &AppState, p: &Principal, except: i64) -> ApiResult<usize> {
    Ok(state
        .store
        .list_members(p.org_id())
        .await?
        .iter()
        .filter(|u| u.role == Role::Owner && u.id != except)
        .count())
}

#[utoipa::path(get, path = "/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Page<UserInfo>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<Page<UserInfo>>> {
    p.require(Permission::MembersRead)?;
    let members = state.store.list_members(p.org_id()).await?;
    Ok(Json(Page {
        items: members.iter().map(UserRecord::info).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/v1/users", request_body = AddUserRequest, tag = "users", security(("bearer" = [])),
    responses((status = 201, body = UserInfo),
              (status = 200, body = UserInfo, description = "`dry_run`: the member as they would be added; nothing changed"),
              (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Json(req): Json<AddUserRequest>,
) -> ApiResult<(StatusCode, Json<UserInfo>)> {
    p.require(Permission::MembersWrite)?;
    no_escalation::check_role_grant(&p, None, req.role)?;
    let now = Utc::now();
    let new = if req.service {
        let name = req
            .name
            .clone()
            .ok_or_else(|| ApiError::invalid("a service account needs `name`"))?;
        check_service_name(&name)?;
        if req.password.is_some() || req.email.is_some() {
            return Err(ApiError::invalid(
                "a service account has no `email` or `password`; it authenticates only with tokens an admin mints",
            ));
        }
        if req.dry_run {
            return dry_run_add(&state, &p, None, name, req.role, true, now).await;
        }
        NewUser {
            org_id: p.org_id(),
            email: None,
            name,
            role: req.role,
            service: true,
            password_hash: None,
            created_at: now,
        }
    } else {
        let email = req
            .email
            .clone()
            .ok_or_else(|| {
                ApiError::invalid("a person needs `email` (or set `service: true` with `name`)")
            })?
            .trim()
            .to_string();
        check_email(&email)?;
        let pw = req
            .password
            .clone()
            .ok_or_else(|| ApiError::invalid("a person needs `password`"))?;
        password::check_strength(pw.expose())
            .map_err(|e| ApiError::invalid(format!("`password`: {e}")))?;
        if req.dry_run {
            return dry_run_add(&state, &p, Some(email.clone()), email, req.role, false, now).await;
        }
        let hash = tokio::task::spawn_blocking(move || password::hash(pw.expose()))
            .await
            .map_err(|_| {
                ApiError::new(
                    crate::api::error::ErrorCode::Internal,
                    "password hashing failed",
                )
            })?
            .map_err(|_| {
                ApiError::new(
                    crate::api::error::ErrorCode::Internal,
                    "password hashing failed",
                )
            })?;
        NewUser {
            org_id: p.org_id(),
            email: Some(email.clone()),
            name: email,
            role: req.role,
            service: false,
            password_hash: Some(hash),
            created_at: now,
        }
    };
    let label = new.email.clone().unwrap_or_else(|| new.name.clone());
    let event = p.event(
        "user.add",
        Some(label),
        serde_json::json!({"role": new.role, "service": new.service}),
    );
    let user = state.store.add_member(new, event).await?;
    Ok((StatusCode::CREATED, Json(user.info())))
}

/// A dry-run add: the name must be free, as the store's unique indexes will demand.
async fn dry_run_add(
    state: &AppState,
    p: &Principal,
    email: Option<String>,
    name: String,
    role: Role,
    service: bool,
    now: chrono::DateTime<Utc>,
) -> ApiResult<(StatusCode, Json<UserInfo>)> {
    if state.store.member(p.org_id(), &name).await?.is_some() {
        return Err(ApiError::conflict(format!(
            "a member named `{name}` exists already"
        )));
    }
    Ok((
        StatusCode::OK,
        Json(UserInfo {
            email,
            name,
            role,
            service,
            created_at: Some(now),
        }),
    ))
}

#[utoipa::path(patch, path = "/v1/users/{member}", params(("member" = String, Path, description = "email or name")),
    request_body = PatchUserRequest, tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserInfo), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn set_role(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(member): Path<String>,
    Json(req): Json<PatchUserRequest>,
) -> ApiResult<Json<UserInfo>> {
    p.require(Permission::MembersWrite)?;
    let user = find_member(&state, &p, &member).await?;
    no_escalation::check_role_rank(&p, &user, "change the role of")?;
    no_escalation::check_role_grant(&p, Some(user.role), req.role)?;
    if user.role == Role::Owner
        && req.role != Role::Owner
        && other_owners(&state, &p, user.id).await? == 0
    {
        return Err(ApiError::conflict(
            "this is the org's last owner; make someone else owner first",
        ));
    }
    if req.dry_run {
        return Ok(Json(UserInfo {
            role: req.role,
            ..user.info()
        }));
    }
    let event = p.event(
        "user.role",
        Some(user.label().to_string()),
        serde_json::json!({"old": user.role, "new": req.role}),
    );
    let updated = state.store.set_role(user.id, req.role, event).await?;
    Ok(Json(updated.info()))
}

#[utoipa::path(delete, path = "/v1/users/{member}", params(("member" = String, Path, description = "email or name"), DryRunQuery),
    tag = "users", security(("bearer" = [])),
    responses((status = 200, body = RevokeResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn remove(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
    Path(member): Path<String>,
    Query(q): Query<DryRunQuery>,
) -> ApiResult<Json<RevokeResult>> {
    p.require(Permission::MembersWrite)?;
    let user = find_member(&state, &p, &member).await?;
    no_escalation::check_role_rank(&p, &user, "remove")?;
    if user.role == Role::Owner && other_owners(&state, &p, user.id).await? == 0 {
        return Err(ApiError::conflict(
            "this is the org's last owner; it cannot be removed",
        ));
    }
    let now = Utc::now();
    if q.dry_run {
        // What removing revokes: every token and session still active, listed as the bulk
        // revoke's dry run lists them (no event is written).
        let live = state
            .store
            .revoke_owner_tokens(
                user.id,
                now,
                None,
                true,
                p.event(
                    "user.remove",
                    Some(user.label().to_string()),
                    serde_json::json!({}),
                ),
            )
            .await?;
        return Ok(Json(RevokeResult {
            count: live.len(),
            revoked: live.iter().map(|t| t.info(now)).collect(),
            already_revoked: false,
            dry_run: true,
        }));
    }
    let event = p.event(
        "user.remove",
        Some(user.label().to_string()),
        serde_json::json!({"role": user.role, "service": user.service}),
    );
    let revoked = state.store.remove_member(user.id, now, event).await?;
    Ok(Json(RevokeResult {
        count: revoked.len(),
        revoked: revoked.iter().map(|t| t.info(now)).collect(),
        already_revoked: false,
        dry_run: false,
    }))
}
