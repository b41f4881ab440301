//! The exchange of a CI provider's ID token (RFC 8693, `subject_token_type` `id_token` or
//! `jwt`) for a short-lived token of the service account a trust policy names.
//!
//! Order of the checks: the algorithm by name ([`id_token::peek`]); the issuer among the org's
//! policies (no policy, no network fetch: the endpoint cannot be made to fetch arbitrary URLs);
//! the key and signature, `iss`, `aud`, times ([`id_token::verify`]); the policies' subject and
//! claim patterns; then the `jti` is claimed and the token minted in one transaction. Each
//! refusal is one `auth.failed` event naming the precise [`Refusal`] and one generic
//! `invalid_grant` to the caller.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::id_token::{self, LEEWAY_SECS, Verified};
use super::jwks::{self, JwksCache};
use super::pattern;
use super::refusal::Refusal;
use crate::api::oauth::{
    OAuthError, OAuthErrorCode, TOKEN_TYPE_ACCESS_TOKEN, TokenExchangeResponse,
};
use crate::api::secret::{self, TokenType};
use crate::api::trust::Via;
use crate::server::http::client_ip::ClientAddr;
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::service::{policy, tokens};
use crate::server::state::AppState;
use crate::server::store::{ExchangedJti, NewEvent, NewToken, Store, TrustRecord};

/// Claims copied into `via.claims` when the ID token has them: what names the CI run.
/// GitHub Actions and GitLab CI names; the others' fit the same keys or are left out.
pub(crate) const IDENTIFYING_CLAIMS: [&str; 20] = [
    "repository",
    "repository_owner",
    "workflow",
    "workflow_ref",
    "job_workflow_ref",
    "run_id",
    "run_attempt",
    "event_name",
    "ref",
    "ref_type",
    "sha",
    "actor",
    "environment",
    "project_path",
    "namespace_path",
    "pipeline_id",
    "pipeline_source",
    "job_id",
    "ref_protected",
    "user_login",
];
const MAX_CLAIM_TEXT: usize = 256;

/// What the caller hears for every refusal.
fn invalid_grant() -> OAuthError {
    OAuthError::new(
        OAuthErrorCode::InvalidGrant,
        "the subject token was refused (the server's audit log names the reason)",
    )
}

/// What the audit records of a refusal, beyond its reason.
#[derive(Default)]
struct Context {
    issuer: Option<String>,
    subject: Option<String>,
    trust: Option<String>,
}

/// Exchanges `subject_token`. The outer error is the server's own trouble (database, throttle);
/// the inner one the OAuth refusal.
pub(crate) async fn exchange_id_token(
    state: &AppState,
    keys: &JwksCache,
    subject_token: &str,
    ip: ClientAddr,
) -> ApiResult<Result<TokenExchangeResponse, OAuthError>> {
    let throttle_key = format!(
        "oidc:{}",
        crate::server::ratelimit::throttle::address_key(ip.throttle_ip())
    );
    if let Err(wait) = state.verify_throttle.check(&throttle_key, Instant::now()) {
        return Err(ApiError::rate_limited(
            format!(
                "too many refused token exchanges from this address; try again in {} seconds",
                wait.as_secs().max(1)
            ),
            wait.as_secs(),
        ));
    }
    let mut ctx = Context::default();
    match exchange(state, keys, subject_token, ip, &mut ctx).await? {
        Ok(answer) => Ok(Ok(answer)),
        Err(refusal) => {
            state.verify_throttle.charge(&throttle_key, Instant::now());
            audit_refusal(state, refusal, &ctx, ip).await;
            Ok(Err(invalid_grant()))
        }
    }
}

async fn exchange(
    state: &AppState,
    keys: &JwksCache,
    token: &str,
    ip: ClientAddr,
    ctx: &mut Context,
) -> ApiResult<Result<TokenExchangeResponse, Refusal>> {
    let now = Utc::now();
    let unverified = match id_token::peek(token) {
        Ok(u) => u,
        Err(r) => return Ok(Err(r)),
    };
    ctx.issuer = Some(truncate(&unverified.issuer));
    let policies = state
        .store
        .trusts(state.org_id, Some(&unverified.issuer))
        .await?;
    if policies.is_empty() {
        return Ok(Err(Refusal::UnknownIssuer));
    }
    let (verified, candidates) =
        match verify_with_policy_keys(token, &unverified, &policies, keys, now).await {
            Ok(v) => v,
            Err(r) => return Ok(Err(r)),
        };
    ctx.subject = Some(truncate(&verified.subject));
    let by_audience: Vec<&TrustRecord> = candidates
        .into_iter()
        .filter(|p| verified.audiences.contains(&p.audience))
        .collect();
    if by_audience.is_empty() {
        return Ok(Err(Refusal::WrongAudience));
    }
    // Policies come sorted by name: when several match, the first by name wins, every time.
    let Some(trust) = by_audience
        .into_iter()
        .find(|p| policy_matches(p, &verified))
    else {
        return Ok(Err(Refusal::NoMatchingTrust));
    };
    ctx.trust = Some(trust.name.clone());
    mint(state, trust, &verified, ip, now).await
}

/// Verifies the token against the keys of each distinct key source among the issuer's
/// policies (discovery, or a pinned `--jwks-file`): the policies of the source whose key
/// verified it are the candidates.
async fn verify_with_policy_keys<'p>(
    token: &str,
    unverified: &id_token::Unverified,
    policies: &'p [TrustRecord],
    keys: &JwksCache,
    now: DateTime<Utc>,
) -> Result<(Verified, Vec<&'p TrustRecord>), Refusal> {
    let mut sources: Vec<Option<&str>> = policies.iter().map(|p| p.jwks.as_deref()).collect();
    sources.dedup();
    sources.sort();
    sources.dedup();
    let mut first_refusal = None;
    for source in sources {
        let of_source: Vec<&TrustRecord> = policies
            .iter()
            .filter(|p| p.jwks.as_deref() == source)
            .collect();
        let audiences: Vec<&str> = of_source.iter().map(|p| p.audience.as_str()).collect();
        let key = match source {
            Some(pinned) => jwks::pinned(pinned).and_then(|set| {
                jwks::find(&set, unverified.kid.as_deref())
                    .cloned()
                    .ok_or(Refusal::UnknownKey)
            }),
            None => {
                keys.key(&unverified.issuer, unverified.kid.as_deref())
                    .await
            }
        };
        match key.and_then(|k| id_token::verify(token, unverified, &k, &audiences, now)) {
            Ok(v) => return Ok((v, of_source)),
            Err(r) => {
                first_refusal.get_or_insert(r);
            }
        }
    }
    Err(first_refusal.unwrap_or(Refusal::UnknownKey))
}

fn policy_matches(p: &TrustRecord, v: &Verified) -> bool {
    pattern::matches(&p.subject, &v.subject)
        && p.claims.iter().all(|(k, pat)| {
            v.claims
                .get(k)
                .and_then(id_token::claim_text)
                .is_some_and(|value| pattern::matches(pat, &value))
        })
}

/// Claim text as the audit and `via` keep it: bounded, and never a tokctl secret (an attacker
/// choosing the `iss` or `sub` of a refused token must not plant one in the audit log).
fn truncate(s: &str) -> String {
    let bounded: String = s.chars().take(MAX_CLAIM_TEXT).collect();
    crate::api::secret::redact_secrets(&bounded).into_owned()
}

fn via(trust: &TrustRecord, v: &Verified) -> Via {
    let claims: BTreeMap<String, String> = IDENTIFYING_CLAIMS
        .iter()
        .filter_map(|k| {
            let value = v.claims.get(*k).and_then(id_token::claim_text)?;
            Some((k.to_string(), truncate(&value)))
        })
        .collect();
    Via {
        trust: trust.name.clone(),
        issuer: v.issuer.clone(),
        subject: truncate(&v.subject),
        claims,
    }
}

async fn mint(
    state: &AppState,
    trust: &TrustRecord,
    v: &Verified,
    ip: ClientAddr,
    now: DateTime<Utc>,
) -> ApiResult<Result<TokenExchangeResponse, Refusal>> {
    let owner = state.store.member(trust.org_id, &trust.owner).await?;
    let Some(owner) = owner.filter(|o| o.service && o.id == trust.owner_id) else {
        return Ok(Err(Refusal::OwnerUnavailable));
    };
    let org = state.store.org(trust.org_id).await?;
    // A lowered org cap applies at once, to policies added before it.
    let lifetime = trust.lifetime.min(policy::max_trust_lifetime(&org.policy)?);
    let expires_at = now + lifetime;
    let via = via(trust, v);
    let id = tokens::new_token_id();
    let fresh = secret::generate(TokenType::Pat);
    let mut detail = serde_json::json!({
        "name": trust.name, "owner": owner.label(), "scopes": trust.scopes,
        "type": TokenType::Pat, "via": via,
    });
    ip.annotate(&mut detail);
    let event = NewEvent {
        org_id: trust.org_id,
        at: now,
        action: "token.mint",
        actor: Some(format!("trust:{}", trust.name)),
        actor_user_id: None,
        credential_id: None,
        target: Some(id.clone()),
        ip: ip.audit_ip(),
        detail,
        root_id: None,
    };
    let jti = ExchangedJti {
        issuer: v.issuer.clone(),
        jti: v.jti.clone(),
        // Kept while the ID token could still pass the `exp` check.
        expires_at: v.expires_at + chrono::Duration::seconds(LEEWAY_SECS as i64),
    };
    let token = NewToken {
        id,
        org_id: trust.org_id,
        user_id: owner.id,
        name: trust.name.clone(),
        kind: TokenType::Pat,
        scopes: trust.scopes.clone(),
        secret_hash: state.hash_secret(fresh.expose()),
        created_at: now,
        expires_at: Some(expires_at),
        rate_limit: trust.rate_limit,
        allowed_cidrs: trust.allowed_cidrs.clone(),
        description: None,
        created_by: None,
        // Many CI jobs of one policy run at once: their tokens share the policy's name.
        unique_name: false,
        via: Some(via),
        // A trust policy's token is a root: its credential is the CI job's ID token.
        parent: None,
        audience: Vec::new(),
    };
    let Some(record) = state
        .store
        .insert_exchanged_token(token, jti, event)
        .await?
    else {
        return Ok(Err(Refusal::Replayed));
    };
    Ok(Ok(TokenExchangeResponse {
        access_token: fresh,
        issued_token_type: TOKEN_TYPE_ACCESS_TOKEN.to_string(),
        token_type: "Bearer".to_string(),
        expires_in: Some(lifetime.num_seconds()),
        scope: trust.scopes.join(" "),
        token: record.info(now),
    }))
}

/// One `auth.failed` event per refusal, within the per-address cap on such rows.
async fn audit_refusal(state: &AppState, refusal: Refusal, ctx: &Context, ip: ClientAddr) {
    let Some(suppressed) = crate::server::auth::failure_admitted(state, ip) else {
        return;
    };
    let mut detail = serde_json::json!({
        "reason": refusal.as_str(),
        "path": "/v1/oauth/token",
        "grant": "id_token",
    });
    for (k, v) in [
        ("issuer", &ctx.issuer),
        ("subject", &ctx.subject),
        ("trust", &ctx.trust),
    ] {
        if let Some(v) = v {
            detail[k] = v.clone().into();
        }
    }
    if suppressed > 0 {
        detail["suppressed"] = suppressed.into();
    }
    ip.annotate(&mut detail);
    let event = NewEvent {
        org_id: state.org_id,
        at: Utc::now(),
        action: "auth.failed",
        actor: ctx.trust.as_ref().map(|t| format!("trust:{t}")),
        actor_user_id: None,
        credential_id: None,
        target: None,
        ip: ip.audit_ip(),
        detail,
        root_id: None,
    };
    if let Err(e) = state.store.record_event(event).await {
        tracing::warn!(error = %e, "could not record a refused token exchange");
    }
}
