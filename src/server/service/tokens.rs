//! Token operations with their permission rules, shared by the REST routes and MCP tools.
//!
//! Rules: one's own tokens need `tokens:read` to read and `tokens:write` to change; other
//! members' tokens need `tokens:admin` (list, show, revoke any; mint and rotate only service
//! accounts'). A credential may always revoke itself. No token minted or rotated ever holds
//! more than the caller, nor (made with a token) outlives, outpaces or outreaches it: those
//! rules are [`super::no_escalation`]'s.

use chrono::{DateTime, Duration, Utc};

use super::no_escalation;
use super::policy;
use crate::api::duration::parse_duration;
use crate::api::perms::{Permission, validate_scopes};
use crate::api::secret::{self, TokenType};
use crate::api::types::{
    ListTokensQuery, MintRequest, Page, RevokeResult, RotateRequest, TokenAnswer, TokenInfo,
    TokenPreview, TokenStatus, TokenWithSecret,
};
use crate::api::validate;
use crate::server::auth::Principal;
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::state::AppState;
use crate::server::store::{
    Cursor, NewToken, Rotation, Store, TokenFilter, TokenRecord, UserRecord,
};

pub(crate) use crate::api::limits::{MAX_GRACE, MAX_PAGE};
pub(crate) const DEFAULT_PAGE: u32 = 100;

pub(crate) fn new_token_id() -> String {
    format!("tk_{}", secret::random_base62(20))
}

/// The field checks of [`crate::api::validate`], which the CLI runs too, as 422s naming the field.
fn check_name(name: &str) -> ApiResult<()> {
    validate::token_name(name)
        .map_err(|e| ApiError::invalid(format!("`name` `{name}` is not valid: {e}")))
}

/// The member a request acts for: the caller, or the named member.
async fn owner_for(state: &AppState, p: &Principal, owner: Option<&str>) -> ApiResult<UserRecord> {
    match owner {
        None => Ok(p.user.clone()),
        Some(name) if name == p.user.name || Some(name) == p.user.email.as_deref() => {
            Ok(p.user.clone())
        }
        Some(name) => state
            .store
            .member(p.org_id(), name)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no member `{name}` in this org"))),
    }
}

/// Mints a token, or with `dry_run` runs every check (the name conflict too) and answers the
/// token as it would be: no secret generated, nothing written, no audit event.
pub(crate) async fn mint(
    state: &AppState,
    p: &Principal,
    req: MintRequest,
) -> ApiResult<TokenAnswer> {
    mint_as(state, p, req, Minting::Request).await
}

/// How a mint was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Minting {
    /// `POST /v1/tokens` and the CLI's `mint`: one's own tokens need `tokens:write`.
    Request,
    /// A delegation (token exchange, `delegate`): the credential hands out a narrower copy of
    /// itself, which needs no permission beyond holding it ([`super::exchange`] checks that
    /// the copy is narrower). Recorded in the audit event as `via`.
    Delegation,
}

/// [`mint`], asked for as `how` says.
pub(crate) async fn mint_as(
    state: &AppState,
    p: &Principal,
    req: MintRequest,
    how: Minting,
) -> ApiResult<TokenAnswer> {
    let owner = owner_for(state, p, req.owner.as_deref()).await?;
    if owner.id == p.user.id {
        if how == Minting::Request {
            p.require(Permission::TokensWrite)?;
        }
    } else {
        p.require(Permission::TokensAdmin)?;
        if !owner.service {
            return Err(ApiError::invalid(format!(
                "`owner` `{}` is a person; admins mint tokens only for service accounts",
                owner.label()
            )));
        }
    }
    check_name(&req.name)?;
    let kind = req.kind.unwrap_or(TokenType::Pat);
    if kind == TokenType::Ses {
        return Err(ApiError::invalid(
            "`type` must be `pat` or `mcp`; sessions come from login",
        ));
    }
    let scopes = validate_scopes(&req.scopes).map_err(|e| ApiError::invalid(e.to_string()))?;
    no_escalation::check_token_permissions(p, &owner, &scopes)?;
    let org = state.store.org(p.org_id()).await?;
    let parent = no_escalation::mint_parent(p, &owner, &org.policy)?;
    let now = Utc::now();
    let expires = policy::parse_expires_field(req.expires.as_deref())?;
    let expires_at = no_escalation::mint_expiry(p, &org.policy, expires, now)?;
    let rate_limit = no_escalation::mint_rate_limit(p, &org.policy, req.rate_limit)?;
    let allowed_cidrs = no_escalation::mint_networks(p, normalize_cidrs(&req.allowed_cidrs)?)?;
    let audience = no_escalation::mint_audience(p, &req.audience)?;
    if let Some(d) = &req.description {
        validate::description(d)
            .map_err(|e| ApiError::invalid(format!("`description` is not valid: {e}")))?;
    }
    let id = new_token_id();
    if req.dry_run {
        if let Some(taken) = state.store.token_by_name(owner.id, &req.name, now).await?
            && taken.status(now) == TokenStatus::Active
        {
            return Err(ApiError::conflict(format!(
                "an active token named `{}` exists already",
                req.name
            )));
        }
        let would = TokenRecord {
            id,
            org_id: p.org_id(),
            user_id: owner.id,
            owner: owner.label().to_string(),
            name: req.name.clone(),
            kind,
            scopes,
            created_at: now,
            issued_at: now,
            expires_at,
            last_used_at: None,
            revoked_at: None,
            revoke_reason: None,
            rate_limit,
            allowed_cidrs,
            description: req.description.clone(),
            prev_expires_at: None,
            parent_id: parent.as_ref().map(|(id, _)| id.clone()),
            depth: parent.as_ref().map_or(0, |(_, d)| *d),
            audience,
            via: None,
        };
        return Ok(TokenAnswer::DryRun(TokenPreview {
            token: would.info(now),
            dry_run: true,
        }));
    }
    let fresh = secret::generate(kind);
    let record = state
        .store
        .insert_token(
            NewToken {
                id: id.clone(),
                org_id: p.org_id(),
                user_id: owner.id,
                name: req.name.clone(),
                kind,
                scopes: scopes.clone(),
                secret_hash: state.hash_secret(fresh.expose()),
                created_at: now,
                expires_at,
                rate_limit,
                allowed_cidrs,
                description: req.description.clone(),
                created_by: Some(p.user.id),
                unique_name: true,
                parent: parent.clone(),
                audience: audience.clone(),
                via: None,
            },
            p.event("token.mint", Some(id), {
                let mut detail = serde_json::json!({
                    "name": req.name, "owner": owner.label(), "scopes": scopes, "type": kind,
                    "parent": parent.as_ref().map(|(id, _)| id), "audience": audience,
                });
                if how == Minting::Delegation {
                    detail["via"] = "delegation".into();
                }
                detail
            }),
        )
        .await?;
    Ok(TokenAnswer::Issued(TokenWithSecret {
        token: record.info(now),
        secret: fresh,
    }))
}

pub(crate) fn normalize_cidrs(cidrs: &[String]) -> ApiResult<Vec<String>> {
    validate::cidr_count(cidrs.len())
        .map_err(|e| ApiError::invalid(format!("`allowed_cidrs` has {e}")))?;
    cidrs
        .iter()
        .map(|c| {
            validate::cidr(c).map(|n| n.to_string()).map_err(|e| {
                ApiError::invalid(format!(
                    "`allowed_cidrs` entry `{}` is not valid: {e}",
                    c.trim()
                ))
            })
        })
        .collect()
}

/// What a caller may do to a token it found.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Revoke,
    Rotate,
}

fn authorize(p: &Principal, t: &TokenRecord, owner_service: bool, access: Access) -> ApiResult<()> {
    let own = t.user_id == p.user.id;
    let self_revoke = access == Access::Revoke && t.id == p.token.id;
    if self_revoke {
        return Ok(());
    }
    if own {
        return match access {
            Access::Read if p.has(Permission::TokensRead) || p.has(Permission::TokensWrite) => {
                Ok(())
            }
            Access::Read => p.require(Permission::TokensRead),
            Access::Revoke | Access::Rotate => p.require(Permission::TokensWrite),
        };
    }
    p.require(Permission::TokensAdmin)?;
    if access == Access::Rotate && !owner_service {
        return Err(ApiError::forbidden(format!(
            "token `{}` belongs to {}; admins rotate only service accounts' tokens (revoke it instead)",
            t.name, t.owner
        )));
    }
    Ok(())
}

/// Finds a token by id (`tk_…`) or by name (the caller's, or `owner`'s), checking access.
/// Tokens the caller may not see are "not found", so their existence does not leak.
pub(crate) async fn find(
    state: &AppState,
    p: &Principal,
    reference: &str,
    owner: Option<&str>,
    access: Access,
) -> ApiResult<TokenRecord> {
    let now = Utc::now();
    let not_found = || {
        ApiError::not_found(format!(
            "token `{reference}` not found (tokctl list --all shows revoked and expired tokens)"
        ))
    };
    let token = if reference.starts_with("tk_") {
        state.store.token_by_id(p.org_id(), reference).await?
    } else {
        let owner = owner_for(state, p, owner).await?;
        if owner.id != p.user.id && !p.has(Permission::TokensAdmin) {
            return Err(not_found());
        }
        state.store.token_by_name(owner.id, reference, now).await?
    };
    let token = token.ok_or_else(not_found)?;
    if token.user_id != p.user.id && !p.has(Permission::TokensAdmin) && token.id != p.token.id {
        return Err(not_found());
    }
    let owner_service = if token.user_id == p.user.id {
        p.user.service
    } else {
        state
            .store
            .member(p.org_id(), &token.owner)
            .await?
            .is_some_and(|u| u.service)
    };
    authorize(p, &token, owner_service, access)?;
    Ok(token)
}

/// Revokes a token; with `dry_run`, finds it with the same checks and answers it as it is now.
pub(crate) async fn revoke(
    state: &AppState,
    p: &Principal,
    reference: &str,
    owner: Option<&str>,
    reason: Option<String>,
    dry_run: bool,
) -> ApiResult<RevokeResult> {
    let token = find(state, p, reference, owner, Access::Revoke).await?;
    let now = Utc::now();
    if dry_run {
        // The token as it is, then the active tokens of its subtree, which a revoke would end.
        let tree = state.store.subtree(&token.id).await?;
        let revoked: Vec<TokenInfo> = std::iter::once(token.info(now))
            .chain(
                tree.iter()
                    .skip(1)
                    .filter(|t| t.status(now) == TokenStatus::Active)
                    .map(|t| t.info(now)),
            )
            .collect();
        return Ok(RevokeResult {
            count: revoked.len(),
            already_revoked: token.revoked_at.is_some(),
            revoked,
            dry_run: true,
        });
    }
    let (revoked, newly) = state
        .store
        .revoke_token(
            &token.id,
            now,
            reason.as_deref(),
            p.event(
                "token.revoke",
                Some(token.id.clone()),
                serde_json::json!({"reason": reason}),
            ),
        )
        .await?;
    Ok(RevokeResult {
        count: revoked.len(),
        revoked: revoked.iter().map(|t| t.info(now)).collect(),
        already_revoked: !newly,
        dry_run: false,
    })
}

pub(crate) async fn rotate(
    state: &AppState,
    p: &Principal,
    reference: &str,
    owner: Option<&str>,
    req: RotateRequest,
) -> ApiResult<TokenAnswer> {
    let token = find(state, p, reference, owner, Access::Rotate).await?;
    let now = Utc::now();
    match token.status(now) {
        TokenStatus::Active => {}
        TokenStatus::Revoked => {
            return Err(ApiError::conflict(format!(
                "token `{}` is revoked; mint a new one",
                token.name
            )));
        }
        TokenStatus::Expired => {
            return Err(ApiError::conflict(format!(
                "token `{}` has expired; mint a new one",
                token.name
            )));
        }
    }
    if token.kind == TokenType::Ses {
        return Err(ApiError::invalid("sessions are not rotated; log in again"));
    }
    let owner_record = if token.user_id == p.user.id {
        p.user.clone()
    } else {
        state
            .store
            .member(p.org_id(), &token.owner)
            .await?
            .ok_or_else(|| ApiError::not_found("the token's owner is no longer a member"))?
    };
    no_escalation::check_token_permissions(p, &owner_record, &token.scopes)?;
    no_escalation::check_rotation_bounds(p, &token)?;
    let org = state.store.org(p.org_id()).await?;
    let asked = policy::parse_expires_field(req.expires.as_deref())?;
    let expires_at = no_escalation::rotation_expiry(p, &org.policy, &token, asked, now)?;
    let grace = req
        .grace
        .as_deref()
        .map(|g| {
            if g == "0" || g == "0m" {
                return Ok(None);
            }
            let d = parse_duration(g).map_err(|_| {
                ApiError::invalid(format!("`grace` `{g}` is not a duration such as 10m"))
            })?;
            if d > MAX_GRACE {
                return Err(ApiError::invalid("`grace` is at most 1h"));
            }
            Ok(Some(now + d))
        })
        .transpose()?
        .flatten();
    if req.dry_run {
        let would = TokenRecord {
            issued_at: now,
            expires_at,
            prev_expires_at: grace,
            ..token
        };
        return Ok(TokenAnswer::DryRun(TokenPreview {
            token: would.info(now),
            dry_run: true,
        }));
    }
    let fresh = secret::generate(token.kind);
    let record = state
        .store
        .rotate_token(
            Rotation {
                token_id: token.id.clone(),
                new_hash: state.hash_secret(fresh.expose()),
                issued_at: now,
                expires_at,
                grace_until: grace,
            },
            p.event(
                "token.rotate",
                Some(token.id.clone()),
                serde_json::json!({"grace_until": grace, "expires_at": expires_at}),
            ),
        )
        .await
        .map_err(|e| match e {
            crate::server::store::StoreError::NotFound => {
                ApiError::conflict("the token was revoked while rotating")
            }
            other => other.into(),
        })?;
    Ok(TokenAnswer::Issued(TokenWithSecret {
        token: record.info(now),
        secret: fresh,
    }))
}

pub(crate) async fn list(
    state: &AppState,
    p: &Principal,
    q: ListTokensQuery,
) -> ApiResult<Page<TokenInfo>> {
    let now = Utc::now();
    let user_id = match q.owner.as_deref() {
        Some("*") => {
            p.require(Permission::TokensAdmin)?;
            None
        }
        other => {
            let owner = owner_for(state, p, other).await?;
            if owner.id == p.user.id {
                p.require(Permission::TokensRead)?;
            } else {
                p.require(Permission::TokensAdmin)?;
            }
            Some(owner.id)
        }
    };
    let status = match q.status.as_deref() {
        None => Some(TokenStatus::Active),
        Some("all") => None,
        Some(s) => Some(TokenStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(format!(
                "`status` `{s}` is not one of active, expired, revoked, all"
            ))
        })?),
    };
    let (kind, include_sessions) = match q.kind.as_deref() {
        None => (None, false),
        Some("all") => (None, true),
        Some(k) => (
            Some(TokenType::parse(k).ok_or_else(|| {
                ApiError::invalid(format!("`type` `{k}` is not one of pat, mcp, ses, all"))
            })?),
            true,
        ),
    };
    let within = |field: &str, v: Option<&str>| -> ApiResult<Option<Duration>> {
        v.map(|s| {
            parse_duration(s).map_err(|_| {
                ApiError::invalid(format!("`{field}` `{s}` is not a duration such as 7d"))
            })
        })
        .transpose()
    };
    let expiring_before = within("expiring_within", q.expiring_within.as_deref())?.map(|d| now + d);
    let unused_since: Option<DateTime<Utc>> =
        within("unused_for", q.unused_for.as_deref())?.map(|d| now - d);
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::invalid(format!("`limit` must be 1–{MAX_PAGE}")));
    }
    let cursor = q
        .cursor
        .as_deref()
        .map(|c| {
            Cursor::decode(c).ok_or_else(|| {
                ApiError::bad_request("`cursor` is not a cursor this server gave out")
            })
        })
        .transpose()?;
    let filter = TokenFilter {
        org_id: p.org_id(),
        user_id,
        status,
        kind,
        include_sessions,
        expiring_before,
        unused_since,
        now,
    };
    let mut rows = state
        .store
        .list_tokens(&filter, cursor.as_ref(), limit + 1)
        .await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|t| {
            Cursor {
                created_at: t.created_at,
                id: t.id.clone(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok(Page {
        items: rows.iter().map(|t| t.info(now)).collect(),
        next_cursor,
    })
}

/// Offboarding: every active token and session of a member (dry run lists them only).
pub(crate) async fn revoke_owner(
    state: &AppState,
    p: &Principal,
    owner: &str,
    dry_run: bool,
    reason: Option<String>,
) -> ApiResult<RevokeResult> {
    let member = owner_for(state, p, Some(owner)).await?;
    if member.id == p.user.id {
        p.require(Permission::TokensWrite)?;
    } else {
        p.require(Permission::TokensAdmin)?;
    }
    let now = Utc::now();
    let tokens = state
        .store
        .revoke_owner_tokens(
            member.id,
            now,
            reason.as_deref(),
            dry_run,
            p.event(
                "token.revoke",
                None,
                serde_json::json!({"bulk": true, "owner": member.label(), "reason": reason}),
            ),
        )
        .await?;
    Ok(RevokeResult {
        count: tokens.len(),
        revoked: tokens.iter().map(|t| t.info(now)).collect(),
        already_revoked: false,
        dry_run,
    })
}
