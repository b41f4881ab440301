//! Delegation: a credential hands a narrower, shorter-lived copy of itself to someone else (a
//! sub-agent, a tool). The same operation behind RFC 8693 token exchange
//! (`POST /v1/oauth/token`, the subject token as the only credential), `tokctl delegate` (which
//! calls that endpoint) and the MCP tool `delegate` (the calling token as the subject).
//!
//! The new token is minted through [`tokens::mint_as`] with the subject as the credential, so
//! every rule of a token-minted token holds (scopes, expiry, rate limits and networks within the
//! subject's; the child of its parent). On top, and before it: scopes within the subject's
//! *effective* permissions (refused `scope_exceeds_credential`, OAuth `invalid_scope`), audience
//! within the subject's (`wrong_audience`, OAuth `invalid_target`), lifetime 15 minutes by
//! default and never beyond the subject's remaining one (`exceeds_credential`). No permission
//! is needed beyond holding the subject: what it hands out is less than what it holds.
//!
//! Not here: reading the OAuth form and answering OAuth errors (`routes::oauth`).

use std::time::Instant;

use chrono::{Duration, Utc};

use super::tokens::{self, Minting};
use crate::api::audience;
use crate::api::duration::{Expiry, format_duration, rfc3339};
use crate::api::error::ErrorCode;
use crate::api::perms::{requested, validate_scopes};
use crate::api::secret::{self, TokenType};
use crate::api::types::{MintRequest, TokenAnswer, TokenWithSecret};
use crate::server::auth::network::network_allows;
use crate::server::auth::{self, Admitted, Principal, RateCheck, ResolveError};
use crate::server::http::client_ip::ClientAddr;
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::state::AppState;
use crate::server::store::AccessRecord;

/// A delegated token's lifetime when none is asked (or less: the subject's remaining one).
pub(crate) const DEFAULT_LIFETIME: Duration = Duration::minutes(15);

/// What a delegation asks for; every field defaults to "as the subject, for 15 minutes".
#[derive(Debug, Clone, Default)]
pub(crate) struct Delegation {
    /// None: the subject's effective permissions.
    pub scopes: Option<Vec<String>>,
    /// Empty: the subject's audience.
    pub audience: Vec<String>,
    /// tokctl's expiry syntax (`10m`, an RFC 3339 time); None: [`DEFAULT_LIFETIME`].
    pub expires: Option<String>,
}

/// Mints the child of `p` that `d` asks for, or refuses naming the field: `scope`
/// (`scope_exceeds_credential`, or `invalid` for an unknown one), `audience`
/// (`wrong_audience`), `expires` (`exceeds_credential` or `invalid`).
pub(crate) async fn delegate(
    state: &AppState,
    p: &Principal,
    d: Delegation,
) -> ApiResult<TokenWithSecret> {
    let scopes = delegated_scopes(p, d.scopes.as_deref())?;
    let asked_audience = audience::normalize(&d.audience)
        .map_err(|e| ApiError::new(ErrorCode::WrongAudience, format!("`audience` {e}")))?;
    let beyond = audience::beyond(&p.token.audience, &asked_audience);
    if !beyond.is_empty() {
        return Err(ApiError::new(
            ErrorCode::WrongAudience,
            format!(
                "`audience` names {} beyond the delegating token's audience ({}); a delegated \
                 token may only narrow it",
                beyond.join(", "),
                p.token.audience.join(", ")
            ),
        ));
    }
    let expires = delegated_expiry(p, d.expires.as_deref())?;
    let kind = match p.token.kind {
        TokenType::Mcp => TokenType::Mcp,
        TokenType::Pat | TokenType::Ses => TokenType::Pat,
    };
    let req = MintRequest {
        name: child_name(&p.token.name),
        scopes,
        kind: Some(kind),
        expires: Some(expires),
        rate_limit: None,
        allowed_cidrs: Vec::new(),
        description: Some(format!("delegated by {}", p.token.id)),
        owner: None,
        audience: asked_audience,
        dry_run: false,
    };
    match tokens::mint_as(state, p, req, Minting::Delegation).await? {
        TokenAnswer::Issued(issued) => Ok(issued),
        TokenAnswer::DryRun(_) => Err(ApiError::new(
            ErrorCode::Internal,
            "a delegation was answered as a dry run",
        )),
    }
}

/// The scopes a delegated token gets: the asked ones, each within the subject's effective
/// permissions; by default exactly those permissions (never the subject's blank or `*`, which
/// would follow its owner's role rather than the subject).
fn delegated_scopes(p: &Principal, asked: Option<&[String]>) -> ApiResult<Vec<String>> {
    let Some(asked) = asked else {
        if p.permissions.is_empty() {
            return Err(ApiError::new(
                ErrorCode::ScopeExceedsCredential,
                "the delegating token holds no permission to hand out (its scopes ∩ its owner's role is empty)",
            ));
        }
        return Ok(p.permissions.names());
    };
    let scopes = validate_scopes(asked).map_err(|e| ApiError::invalid(format!("`scope`: {e}")))?;
    let wanted = requested(&scopes).unwrap_or_else(|| p.user.role.permissions());
    let missing = wanted.minus(p.permissions);
    if !missing.is_empty() {
        return Err(ApiError::new(
            ErrorCode::ScopeExceedsCredential,
            format!(
                "`scope` asks for {} beyond the delegating token's permissions ({}); a delegated \
                 token may only narrow them",
                missing.names().join(", "),
                p.permissions.names().join(", ")
            ),
        ));
    }
    Ok(scopes)
}

/// The expiry a delegated token is minted with, in mint's syntax: the asked one, no later than
/// the subject's; by default [`DEFAULT_LIFETIME`] or the subject's remaining lifetime if less.
fn delegated_expiry(p: &Principal, asked: Option<&str>) -> ApiResult<String> {
    let now = Utc::now();
    let cap = p.token.expires_at;
    let Some(asked) = super::policy::parse_expires_field(asked)? else {
        return Ok(match cap {
            Some(cap) if cap < now + DEFAULT_LIFETIME => rfc3339(cap),
            _ => format_duration(DEFAULT_LIFETIME),
        });
    };
    let (at, text) = match asked {
        Expiry::In(d) => (Some(now + d), format_duration(d)),
        Expiry::At(t) => (Some(t), rfc3339(t)),
        Expiry::Never => (None, "never".to_string()),
    };
    if let Some(cap) = cap
        && at.is_none_or(|at| at > cap)
    {
        return Err(ApiError::new(
            ErrorCode::ExceedsCredential,
            format!(
                "`expires` is beyond the delegating token's own expiry ({}); a delegated token \
                 never outlives it",
                rfc3339(cap)
            ),
        ));
    }
    Ok(text)
}

/// A name for a delegated token: its parent's (cut to fit) and a random suffix, so two
/// delegations never clash on the unique name.
fn child_name(parent: &str) -> String {
    let stem: String = parent
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(48)
        .collect();
    let stem = if stem.starts_with(|c: char| c.is_ascii_alphanumeric()) && !stem.starts_with("tk_")
    {
        stem
    } else {
        "delegated".to_string()
    };
    format!("{stem}.d-{}", secret::random_base62(8))
}

/// The subject token of an exchange, as a credential: valid (else its failure, recorded like a
/// failed authentication), inside its networks, within its rate limit (the exchange is a use of
/// it: charged and access-logged under `path`). An `Err` is an [`ApiError`] whose code says
/// why: a token code for an invalid one, `ip_not_allowed`, `rate_limited`, `unavailable`.
pub(crate) async fn subject(
    state: &AppState,
    secret: &str,
    ip: ClientAddr,
    path: &'static str,
) -> ApiResult<Principal> {
    let started = Instant::now();
    let now = Utc::now();
    let plan = |c: &crate::server::store::Credential| {
        if network_allows(&c.token, ip.known()) {
            RateCheck::Consume
        } else {
            RateCheck::Skip
        }
    };
    let Admitted { cred, rate } =
        match auth::resolve_and_check(state, secret, now, started, plan, None).await {
            Ok(admitted) => admitted,
            Err(ResolveError::Denied(f, cred)) => {
                auth::record_failure(state, f, cred.as_deref(), ip, path).await;
                return Err(f.into_error());
            }
            Err(ResolveError::Store(e)) => return Err(e.into()),
            Err(ResolveError::Limiter(e)) => return Err(e.into()),
        };
    let refusal = if !network_allows(&cred.token, ip.known()) {
        Some(ApiError::new(
            ErrorCode::IpNotAllowed,
            format!(
                "the subject token may be used only from {}; this request came from {ip}",
                cred.token.allowed_cidrs.join(", ")
            ),
        ))
    } else {
        rate.filter(|d| !d.allowed).map(|d| {
            state
                .metrics
                .rate_limited
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            ApiError::rate_limited(
                format!(
                    "the subject token is over its rate limit; retry in {} s",
                    d.retry_after_secs()
                ),
                d.retry_after_secs(),
            )
        })
    };
    state.usage.record(AccessRecord {
        org_id: cred.token.org_id,
        at: now,
        credential_id: cred.token.id.clone(),
        method: "POST".into(),
        path: path.into(),
        status: refusal.as_ref().map_or(200, |e| e.status().as_u16()),
        ip: ip.known(),
        latency_us: i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX),
        permission: None,
        root_id: cred.chain.root.clone(),
    });
    if let Some(e) = refusal {
        return Err(e);
    }
    let permissions = cred.permissions();
    Ok(Principal {
        cred,
        permissions,
        ip,
        arrived: started,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_names_are_valid_token_names_and_unique() {
        for parent in [
            "deploy-bot",
            "cli@host.example",
            "tk_weird",
            &"x".repeat(64),
            "-a",
        ] {
            let name = child_name(parent);
            crate::api::validate::token_name(&name).unwrap();
            assert_ne!(name, child_name(parent));
        }
        assert!(child_name("cli@host").starts_with("cli-host.d-"));
    }
}
