//! No escalation: what a credential may hand out. A token minted or rotated, or a role granted,
//! never gives its receiver more than the credential that asked for it holds (DESIGN.md
//! "Permission catalog").
//!
//! - Permissions (403 `scope_exceeds_credential`): a token credential (PAT/MCP) asks only for
//!   scopes within its own; a token for someone else (a service account) holds scopes ∩ that
//!   owner's role, which must lie within the caller's effective permissions, session or token
//!   alike; a role change or a new member gains only permissions the caller holds, and no one
//!   assigns, alters or removes a role above their own.
//! - Bounds of a token credential (403 `exceeds_credential`, naming the field): a token it
//!   mints expires no later, is limited no higher and is pinned no wider; a rotation it makes
//!   keeps at most the token's original lifetime, and a secret of someone else's token it
//!   receives is bounded like a mint. Defaults are cut down to fit, never refused.
//!
//! Not here: whether the caller may touch the token at all (ownership, `tokens:admin`:
//! `tokens::authorize`) and the org policy's own limits (`policy`).

use chrono::{DateTime, Utc};
use ipnet::IpNet;

use super::policy;
use crate::api::audience;
use crate::api::duration::{Expiry, format_duration, rfc3339};
use crate::api::error::ErrorCode;
use crate::api::perms::{PermSet, Role, effective_permissions, requested};
use crate::api::types::{OrgPolicy, RateLimit, RateLimitRequest};
use crate::server::auth::Principal;
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::store::{TokenRecord, UserRecord};

fn scope_exceeds(message: String) -> ApiError {
    ApiError::new(ErrorCode::ScopeExceedsCredential, message)
}

fn exceeds(message: String) -> ApiError {
    ApiError::new(ErrorCode::ExceedsCredential, message)
}

/// Refuses a token (minted or rotated) for `owner` with `scopes` that would hold a permission
/// the caller does not.
pub(crate) fn check_token_permissions(
    p: &Principal,
    owner: &UserRecord,
    scopes: &[String],
) -> ApiResult<()> {
    let mut missing = PermSet::EMPTY;
    // A token asks only for what it holds itself, even where the owner's role would cut it.
    if !p.is_session() {
        let asked = requested(scopes).unwrap_or_else(|| owner.role.permissions());
        missing = missing.union(asked.minus(p.permissions));
    }
    // Someone else's token hands its secret to the caller: what it holds must be the caller's
    // already. One's own tokens are cut by one's own role, so a session needs no check there.
    if owner.id != p.user.id {
        missing = missing.union(effective_permissions(owner.role, scopes).minus(p.permissions));
    }
    if missing.is_empty() {
        return Ok(());
    }
    let through = if owner.id == p.user.id {
        String::new()
    } else {
        format!(
            " (a token of {} holds its scopes ∩ the {} role)",
            owner.label(),
            owner.role
        )
    };
    Err(scope_exceeds(format!(
        "this credential cannot grant what it does not hold: {}{through}",
        missing.names().join(", ")
    )))
}

/// Refuses touching a member whose role is above the caller's own (demote, change, remove).
pub(crate) fn check_role_rank(p: &Principal, target: &UserRecord, verb: &str) -> ApiResult<()> {
    if target.role > p.user.role {
        return Err(ApiError::forbidden(format!(
            "{} cannot {verb} {}, who is {}",
            p.user.role.with_article(),
            target.label(),
            target.role.with_article()
        )));
    }
    Ok(())
}

/// Refuses giving a member (new: `from` None) the role `to` when it is above the caller's role,
/// or when it adds a permission the caller's credential does not hold.
pub(crate) fn check_role_grant(p: &Principal, from: Option<Role>, to: Role) -> ApiResult<()> {
    if to > p.user.role {
        return Err(ApiError::forbidden(format!(
            "{} cannot grant the {to} role",
            p.user.role.with_article()
        )));
    }
    // Only what the member gains counts: a demotion takes, it never gives.
    let before = from.map(Role::permissions).unwrap_or(PermSet::EMPTY);
    let missing = to.permissions().minus(before).minus(p.permissions);
    if missing.is_empty() {
        return Ok(());
    }
    Err(scope_exceeds(format!(
        "this credential cannot grant the {to} role: it does not hold {}",
        missing.names().join(", ")
    )))
}

/// When the credential itself stops working: a previous secret in its grace period only lives
/// that long, and a child token no longer than any ancestor.
fn credential_expires_at(p: &Principal) -> Option<DateTime<Utc>> {
    let own = if p.via_previous {
        p.token.prev_expires_at.or(p.token.expires_at)
    } else {
        p.token.expires_at
    };
    match (own, p.chain.ends_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The parent and depth of a token the caller mints for `owner` (docs/delegation.md): a token
/// credential minting for its own owner makes its child, one level deeper, refused (403
/// `delegation_too_deep`) beyond the org's `max_delegation_depth`. A session, or an admin's
/// token minting for a service account, makes a root.
pub(crate) fn mint_parent(
    p: &Principal,
    owner: &UserRecord,
    org: &OrgPolicy,
) -> ApiResult<Option<(String, u32)>> {
    if p.is_session() || owner.id != p.user.id {
        return Ok(None);
    }
    let depth = p.token.depth.saturating_add(1);
    if depth > org.max_delegation_depth {
        return Err(ApiError::new(
            ErrorCode::DelegationTooDeep,
            format!(
                "this credential is at delegation depth {} and the org allows at most {} \
                 (max_delegation_depth); a token it mints would be at depth {depth} (mint it \
                 with a credential nearer the root, or with a session)",
                p.token.depth, org.max_delegation_depth
            ),
        ));
    }
    Ok(Some((p.token.id.clone(), depth)))
}

/// The expiry of a token the caller mints: the org policy's, then, for a token credential, no
/// later than the credential (the default is cut to fit; an explicit later value is refused).
pub(crate) fn mint_expiry(
    p: &Principal,
    org: &OrgPolicy,
    asked: Option<Expiry>,
    now: DateTime<Utc>,
) -> ApiResult<Option<DateTime<Utc>>> {
    let resolved = policy::resolve_expiry(org, asked, now)?;
    if p.is_session() {
        return Ok(resolved);
    }
    within_credential_expiry(p, asked.is_some(), resolved, "a token it mints")
}

fn within_credential_expiry(
    p: &Principal,
    explicit: bool,
    resolved: Option<DateTime<Utc>>,
    what: &str,
) -> ApiResult<Option<DateTime<Utc>>> {
    let Some(limit) = credential_expires_at(p) else {
        return Ok(resolved);
    };
    match (explicit, resolved) {
        (false, Some(at)) => Ok(Some(at.min(limit))),
        (false, None) => Ok(Some(limit)),
        (true, Some(at)) if at <= limit => Ok(Some(at)),
        (true, _) => Err(exceeds(format!(
            "`expires` is later than this credential's own expiry ({}); {what} cannot outlive it \
             (leave `expires` out to get the longest allowed)",
            rfc3339(limit)
        ))),
    }
}

/// The rate limit of a token the caller mints: the org policy's, then, for a token credential,
/// each limit at most the credential's own (a default is cut; an explicit higher one refused).
pub(crate) fn mint_rate_limit(
    p: &Principal,
    org: &OrgPolicy,
    asked: Option<RateLimitRequest>,
) -> ApiResult<RateLimit> {
    let limit = policy::resolve_rate_limit(org, asked)?;
    if p.is_session() {
        return Ok(limit);
    }
    let asked = asked.unwrap_or_default();
    let own = p.token.rate_limit;
    let bounded = |field: &str, explicit: Option<u32>, resolved: u32, own: u32| match explicit {
        Some(v) if v > own => Err(exceeds(format!(
            "`rate_limit.{field}` {v} is above this credential's own {own}; a token it mints \
             cannot be allowed more requests than it"
        ))),
        Some(v) => Ok(v),
        None => Ok(resolved.min(own)),
    };
    Ok(RateLimit {
        per_minute: bounded(
            "per_minute",
            asked.per_minute,
            limit.per_minute,
            own.per_minute,
        )?,
        per_hour: bounded("per_hour", asked.per_hour, limit.per_hour, own.per_hour)?,
    })
}

fn own_networks(p: &Principal) -> Vec<IpNet> {
    p.token
        .allowed_cidrs
        .iter()
        .filter_map(|c| c.parse::<IpNet>().ok())
        .collect()
}

/// Whether every network of `cidrs` lies inside one of `own` (containment, not string
/// equality: 10.1.0.0/16 lies in 10.0.0.0/8). An empty `cidrs` means anywhere.
fn first_outside<'a>(cidrs: &'a [String], own: &[IpNet]) -> Option<&'a str> {
    cidrs
        .iter()
        .find(|c| {
            c.parse::<IpNet>()
                .map_or(true, |net| !own.iter().any(|o| o.contains(&net)))
        })
        .map(String::as_str)
}

/// The networks of a token the caller mints (`asked` already normalized): a pinned token
/// credential passes its pin on when none is asked for, and refuses any network outside it.
pub(crate) fn mint_networks(p: &Principal, asked: Vec<String>) -> ApiResult<Vec<String>> {
    if p.is_session() || p.token.allowed_cidrs.is_empty() {
        return Ok(asked);
    }
    if asked.is_empty() {
        return Ok(p.token.allowed_cidrs.clone());
    }
    match first_outside(&asked, &own_networks(p)) {
        None => Ok(asked),
        Some(c) => Err(exceeds(format!(
            "`allowed_cidrs` entry `{c}` is outside this credential's own networks ({}); a token \
             it mints can be pinned only within them (leave `allowed_cidrs` out to inherit them)",
            p.token.allowed_cidrs.join(", ")
        ))),
    }
}

/// The audience a token minted with `p` gets (RFC 8707): the credential's when none is asked
/// (a child inherits), else the asked list, which must lie within the credential's (a child only
/// narrows; a credential without a list, a session say, allows any).
pub(crate) fn mint_audience(p: &Principal, asked: &[String]) -> ApiResult<Vec<String>> {
    let asked =
        audience::normalize(asked).map_err(|e| ApiError::invalid(format!("`audience` {e}")))?;
    let beyond = audience::beyond(&p.token.audience, &asked);
    if !beyond.is_empty() {
        return Err(exceeds(format!(
            "`audience` names {} beyond this credential's own audience ({}); a token it mints \
             may only narrow it (leave `audience` out to inherit it)",
            beyond.join(", "),
            p.token.audience.join(", ")
        )));
    }
    Ok(audience::inherit(&p.token.audience, &asked))
}

/// The expiry a rotation gives: the asked one or the token's lifetime, within policy. Made with
/// a token, an explicit value may not lengthen the token's lifetime nor make it `never`; and a
/// secret of another token the credential receives expires no later than the credential.
pub(crate) fn rotation_expiry(
    p: &Principal,
    org: &OrgPolicy,
    token: &TokenRecord,
    asked: Option<Expiry>,
    now: DateTime<Utc>,
) -> ApiResult<Option<DateTime<Utc>>> {
    // Without `expires`, the lifetime the token had: a 7-day token stays a 7-day token.
    let lifetime = token.expires_at.map(|at| at - token.issued_at);
    let same = lifetime.map_or(Expiry::Never, Expiry::In);
    let resolved = policy::resolve_expiry(org, Some(asked.unwrap_or(same)), now)?;
    if p.is_session() {
        return Ok(resolved);
    }
    if asked.is_some()
        && let Some(lifetime) = lifetime
    {
        let longer = match resolved {
            None => true,
            Some(at) => at - now > lifetime,
        };
        if longer {
            return Err(exceeds(format!(
                "`expires` would lengthen token `{}` beyond its lifetime of {}; a rotation made \
                 with a token keeps at most that (leave `expires` out to keep it)",
                token.name,
                format_duration(lifetime)
            )));
        }
    }
    if token.id == p.token.id {
        return Ok(resolved);
    }
    within_credential_expiry(p, asked.is_some(), resolved, "a secret it receives")
}

/// A token credential rotating another token receives that token's secret: the token must be
/// limited no higher and pinned no wider than the credential (a rotation keeps both, so this
/// is refused rather than cut; a session or a broader token can rotate it).
pub(crate) fn check_rotation_bounds(p: &Principal, token: &TokenRecord) -> ApiResult<()> {
    if p.is_session() || token.id == p.token.id {
        return Ok(());
    }
    let (theirs, own) = (token.rate_limit, p.token.rate_limit);
    for (field, theirs, own) in [
        ("per_minute", theirs.per_minute, own.per_minute),
        ("per_hour", theirs.per_hour, own.per_hour),
    ] {
        if theirs > own {
            return Err(exceeds(format!(
                "`rate_limit.{field}` of token `{}` is {theirs}, above this credential's own \
                 {own}; rotate it with a session or a token allowed as much",
                token.name
            )));
        }
    }
    if p.token.allowed_cidrs.is_empty() {
        return Ok(());
    }
    let outside = if token.allowed_cidrs.is_empty() {
        Some("any network")
    } else {
        first_outside(&token.allowed_cidrs, &own_networks(p))
    };
    match outside {
        None => Ok(()),
        Some(c) => Err(exceeds(format!(
            "`allowed_cidrs` of token `{}` reaches {c}, outside this credential's own networks \
             ({}); rotate it with a session or a token pinned at least as wide",
            token.name,
            p.token.allowed_cidrs.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn networks_are_compared_by_containment() {
        let own: Vec<IpNet> = ["10.0.0.0/8", "2001:db8::/32"]
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        assert_eq!(
            first_outside(&s(&["10.1.0.0/16", "10.0.0.0/8"]), &own),
            None
        );
        assert_eq!(first_outside(&s(&["2001:db8:1::/48"]), &own), None);
        assert_eq!(
            first_outside(&s(&["10.0.0.0/8", "0.0.0.0/0"]), &own),
            Some("0.0.0.0/0")
        );
        assert_eq!(first_outside(&s(&["11.0.0.0/8"]), &own), Some("11.0.0.0/8"));
        // Another family never lies inside: a v4-mapped v6 range is not the v4 range.
        assert_eq!(
            first_outside(&s(&["::ffff:10.0.0.0/104"]), &own),
            Some("::ffff:10.0.0.0/104")
        );
    }
}
