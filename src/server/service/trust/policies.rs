//! Trust policies: add, list, show, remove (`tokens:admin`).
//!
//! Rules: the owner is a service account (CI never acts as a person); the policy's tokens
//! hold scopes ∩ the owner's role, which must lie within the caller's own permissions (the
//! trust rule of [`crate::server::service::no_escalation`]), as must its limits and networks
//! when the caller is a token; the lifetime is at most the org policy's `max_trust_lifetime`;
//! the issuer is `https` (plain `http` only on loopback); the subject pattern has literal
//! text (a `*` alone would trust every repository of every customer of the CI provider).

use std::collections::BTreeMap;

use chrono::Utc;

use super::jwks;
use super::pattern;
use crate::api::duration::{format_duration, parse_duration};
use crate::api::perms::{Permission, validate_scopes};
use crate::api::trust::{AddTrustRequest, TrustPolicy};
use crate::api::validate;
use crate::server::auth::Principal;
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::service::{no_escalation, policy, tokens};
use crate::server::state::AppState;
use crate::server::store::{NewTrust, Store, StoreError, TrustRecord};

// The limits the document's schema states, so the two cannot drift apart.
use crate::api::schema::MAX_TRUST_TEXT as MAX_TEXT;
use crate::api::trust::MAX_CLAIMS;

pub(crate) fn info(r: &TrustRecord) -> TrustPolicy {
    TrustPolicy {
        name: r.name.clone(),
        issuer: r.issuer.clone(),
        audience: r.audience.clone(),
        subject: r.subject.clone(),
        claims: r.claims.clone(),
        owner: r.owner.clone(),
        scopes: r.scopes.clone(),
        expires: format_duration(r.lifetime),
        rate_limit: r.rate_limit,
        allowed_cidrs: r.allowed_cidrs.clone(),
        jwks_pinned: r.jwks.is_some(),
        created_at: r.created_at,
        created_by: r.created_by.clone(),
    }
}

fn text_field(field: &str, value: &str) -> ApiResult<()> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid(format!("`{field}` must not be empty")));
    }
    // Characters, as the document's `maxLength` counts them.
    if value.chars().count() > MAX_TEXT || value.chars().any(char::is_control) {
        return Err(ApiError::invalid(format!(
            "`{field}` must be at most {MAX_TEXT} characters without control characters"
        )));
    }
    Ok(())
}

/// `https://…`, or `http://` on loopback; no query or fragment (it is compared with `iss`
/// exactly, and discovery appends to it).
pub(crate) fn check_issuer(issuer: &str) -> ApiResult<()> {
    text_field("issuer", issuer)?;
    let url = reqwest::Url::parse(issuer)
        .map_err(|e| ApiError::invalid(format!("`issuer` `{issuer}` is not a URL: {e}")))?;
    if !jwks::fetchable(&url) || url.query().is_some() || url.fragment().is_some() {
        return Err(ApiError::invalid(format!(
            "`issuer` `{issuer}` must be an https URL without query or fragment (plain http only \
             on a loopback address)"
        )));
    }
    Ok(())
}

fn check_patterns(subject: &str, claims: &BTreeMap<String, String>) -> ApiResult<()> {
    text_field("subject", subject)?;
    if !pattern::has_literal(subject) {
        return Err(ApiError::invalid(
            "`subject` must name something: a pattern of `*` alone trusts every job of every \
             user of the CI provider",
        ));
    }
    if claims.len() > MAX_CLAIMS {
        return Err(ApiError::invalid(format!(
            "`claims` has more than {MAX_CLAIMS} patterns"
        )));
    }
    for (k, v) in claims {
        text_field("claims", k)?;
        text_field(&format!("claims.{k}"), v)?;
        if matches!(
            k.as_str(),
            "iss" | "aud" | "sub" | "exp" | "nbf" | "iat" | "jti"
        ) {
            return Err(ApiError::invalid(format!(
                "`claims` cannot name `{k}`: it is checked by the policy's own fields"
            )));
        }
    }
    Ok(())
}

fn check_jwks(jwks: &serde_json::Value) -> ApiResult<String> {
    let text = jwks.to_string();
    let keys = jwks::parse_key_set(text.as_bytes())
        .map_err(|e| ApiError::invalid(format!("`jwks` is not a JWK Set: {e}")))?;
    if keys.is_empty() {
        return Err(ApiError::invalid(
            "`jwks` has no key this server can use (RSA, EC P-256 or Ed25519 public keys)",
        ));
    }
    if text.len() > 64 * 1024 {
        return Err(ApiError::invalid("`jwks` is larger than 64 KiB"));
    }
    Ok(text)
}

pub(crate) async fn add(
    state: &AppState,
    p: &Principal,
    req: AddTrustRequest,
) -> ApiResult<TrustPolicy> {
    p.require(Permission::TokensAdmin)?;
    validate::token_name(&req.name)
        .map_err(|e| ApiError::invalid(format!("`name` `{}` is not valid: {e}", req.name)))?;
    check_issuer(&req.issuer)?;
    text_field("audience", &req.audience)?;
    check_patterns(&req.subject, &req.claims)?;
    let owner = state
        .store
        .member(p.org_id(), &req.owner)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no member `{}` in this org", req.owner)))?;
    if !owner.service {
        return Err(ApiError::invalid(format!(
            "`owner` `{}` is a person; a trust policy mints tokens of a service account only \
             (tokctl users add NAME --service --role R)",
            owner.label()
        )));
    }
    let scopes = validate_scopes(&req.scopes).map_err(|e| ApiError::invalid(e.to_string()))?;
    no_escalation::check_token_permissions(p, &owner, &scopes)?;
    let org = state.store.org(p.org_id()).await?;
    let cap = policy::max_trust_lifetime(&org.policy)?;
    let lifetime = match req.expires.as_deref() {
        None => cap,
        Some(e) => {
            let d = parse_duration(e).map_err(|_| {
                ApiError::invalid(format!("`expires` `{e}` is not a duration such as 15m"))
            })?;
            if d > cap {
                return Err(ApiError::invalid(format!(
                    "`expires` {e} is beyond the org policy's max_trust_lifetime of {}",
                    org.policy.max_trust_lifetime
                )));
            }
            d
        }
    };
    let rate_limit = no_escalation::mint_rate_limit(p, &org.policy, req.rate_limit)?;
    let cidrs = tokens::normalize_cidrs(&req.allowed_cidrs)?;
    let allowed_cidrs = no_escalation::mint_networks(p, cidrs)?;
    let jwks = req.jwks.as_ref().map(check_jwks).transpose()?;
    let now = Utc::now();
    let new = NewTrust {
        org_id: p.org_id(),
        name: req.name.clone(),
        issuer: req.issuer.clone(),
        audience: req.audience.clone(),
        subject: req.subject.clone(),
        claims: req.claims.clone(),
        owner_id: owner.id,
        scopes,
        lifetime,
        rate_limit,
        allowed_cidrs,
        jwks,
        created_at: now,
        created_by: Some(p.user.id),
    };
    if req.dry_run {
        let exists = state
            .store
            .trusts(p.org_id(), None)
            .await?
            .iter()
            .any(|t| t.name == req.name);
        if exists {
            return Err(ApiError::conflict(format!(
                "a trust policy named `{}` exists already",
                req.name
            )));
        }
        return Ok(info(&TrustRecord {
            id: 0,
            org_id: new.org_id,
            name: new.name,
            issuer: new.issuer,
            audience: new.audience,
            subject: new.subject,
            claims: new.claims,
            owner_id: owner.id,
            owner: owner.label().to_string(),
            scopes: new.scopes,
            lifetime: new.lifetime,
            rate_limit: new.rate_limit,
            allowed_cidrs: new.allowed_cidrs,
            jwks: new.jwks,
            created_at: now,
            created_by: Some(p.user.label().to_string()),
        }));
    }
    let mut detail = serde_json::json!({
        "name": new.name, "issuer": new.issuer, "audience": new.audience,
        "subject": new.subject, "claims": new.claims, "owner": owner.label(),
        "scopes": new.scopes, "expires": format_duration(new.lifetime),
        "jwks_pinned": new.jwks.is_some(),
    });
    if !new.allowed_cidrs.is_empty() {
        detail["allowed_cidrs"] = new.allowed_cidrs.clone().into();
    }
    let event = p.event("trust.add", Some(req.name.clone()), detail);
    let record = state.store.insert_trust(new, event).await?;
    Ok(info(&record))
}

pub(crate) async fn list(state: &AppState, p: &Principal) -> ApiResult<Vec<TrustPolicy>> {
    p.require(Permission::TokensAdmin)?;
    let all = state.store.trusts(p.org_id(), None).await?;
    Ok(all.iter().map(info).collect())
}

fn not_found(name: &str) -> ApiError {
    ApiError::not_found(format!(
        "no trust policy `{name}` (tokctl trust list shows them)"
    ))
}

pub(crate) async fn show(state: &AppState, p: &Principal, name: &str) -> ApiResult<TrustPolicy> {
    p.require(Permission::TokensAdmin)?;
    let all = state.store.trusts(p.org_id(), None).await?;
    all.iter()
        .find(|t| t.name == name)
        .map(info)
        .ok_or_else(|| not_found(name))
}

/// Removes a policy: no new tokens through it; the tokens it made live out their minutes
/// (revoke them with `tokctl revoke` if needed).
pub(crate) async fn remove(
    state: &AppState,
    p: &Principal,
    name: &str,
    dry_run: bool,
) -> ApiResult<TrustPolicy> {
    p.require(Permission::TokensAdmin)?;
    if dry_run {
        return show(state, p, name).await;
    }
    let event = p.event(
        "trust.remove",
        Some(name.to_string()),
        serde_json::json!({"name": name}),
    );
    match state.store.delete_trust(p.org_id(), name, event).await {
        Ok(r) => Ok(info(&r)),
        Err(StoreError::NotFound) => Err(not_found(name)),
        Err(e) => Err(e.into()),
    }
}
