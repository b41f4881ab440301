//! Judging a token that someone else presents: `POST /v1/verify` (a resource server asks) and
//! `GET /v1/forward-auth` (a reverse proxy asks). Validity, network, rate limit and permission
//! in one pass, in that order, with the same rules the auth middleware applies to requests made
//! to tokctl itself.
//!
//! Nothing here writes to the database on the request path but the rate-limit counters of
//! replicas: the token comes from the store's exact credential cache (a revocation is seen by
//! the very next call), and the use is recorded in the buffered usage writer.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

use axum::http::HeaderMap;

use crate::api::audience;
use crate::api::error::ErrorCode;
use crate::api::perms::{PermSet, Permission};
use crate::api::reason::Reason;
use crate::api::types::VerifyRequest;
use crate::server::auth::network::network_allows;
use crate::server::auth::speculative::{self, EarlyCheck, Prefetch};
use crate::server::auth::{
    self, Admitted, AuthFailure, RateCheck, ResolveError, resolve_and_check,
};
use crate::server::http::client_ip::ClientAddr;
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::ratelimit::Decision;
use crate::server::state::AppState;
use crate::server::store::{AccessRecord, Credential, TokenRecord};

/// A refusal as an API error, for surfaces that answer with a status (forward-auth).
pub(crate) fn refusal(
    reason: Reason,
    token: Option<&TokenRecord>,
    decision: Option<&Decision>,
) -> ApiError {
    let name = token.map_or("", |t| t.name.as_str());
    match reason {
        Reason::Unknown => AuthFailure::Unknown.into_error(),
        Reason::Malformed => AuthFailure::Malformed.into_error(),
        Reason::Ambiguous => AuthFailure::Ambiguous.into_error(),
        Reason::Revoked => AuthFailure::Revoked.into_error(),
        Reason::Expired => AuthFailure::Expired.into_error(),
        Reason::IpNotAllowed => ApiError::new(
            ErrorCode::IpNotAllowed,
            format!("token `{name}` may not be used from this address"),
        ),
        Reason::WrongAudience => ApiError::new(
            ErrorCode::WrongAudience,
            format!(
                "token `{name}` is not meant for this resource (its `audience` does not name it)"
            ),
        ),
        Reason::Forbidden => ApiError::forbidden(format!(
            "token `{name}` lacks the permission this route needs"
        )),
        Reason::RateLimited => {
            let secs = decision.map_or(1, Decision::retry_after_secs);
            ApiError::rate_limited(
                format!("token `{name}` is over its rate limit; retry in {secs} s"),
                secs,
            )
        }
        // Never a judgement's (a login is not judged here); named for completeness.
        Reason::LoginFailed => ApiError::new(
            ErrorCode::LoginFailed,
            "login failed: wrong email or password",
        ),
    }
}

/// The outcome of judging one presented secret.
#[derive(Debug)]
pub(crate) struct Verdict {
    /// None when allowed.
    pub(crate) reason: Option<Reason>,
    /// The token and its owner; None when the secret is malformed or unknown.
    pub(crate) credential: Option<Arc<Credential>>,
    /// Scopes ∩ the owner's current role (empty unless the token is valid).
    pub(crate) permissions: PermSet,
    /// The rate limit after this call (None unless the token is valid).
    pub(crate) rate: Option<Decision>,
}

impl Verdict {
    pub(crate) fn allowed(&self) -> bool {
        self.reason.is_none()
    }

    fn refused(reason: Reason, credential: Option<Arc<Credential>>) -> Verdict {
        Verdict {
            reason: Some(reason),
            credential,
            permissions: PermSet::EMPTY,
            rate: None,
        }
    }

    /// Whether this call counts as a use of the token (last used, access log): every call
    /// with a valid token, refused or not; none with a revoked, expired or unknown one.
    pub(crate) fn is_use(&self) -> bool {
        self.credential.is_some() && !matches!(self.reason, Some(Reason::Revoked | Reason::Expired))
    }
}

/// The permission a verify or forward-auth call asks about, from its `permission` field or
/// parameter: 422 naming the catalog when it is not a permission.
pub(crate) fn asked_permission(name: Option<&str>) -> ApiResult<Option<Permission>> {
    name.map(|s| {
        Permission::parse(s).ok_or_else(|| {
            ApiError::invalid(format!(
                "`permission` `{s}` is not in the catalog ({})",
                crate::api::perms::catalog_list()
            ))
        })
    })
    .transpose()
}

/// The `client_ip` a verify call names, parsed: 422 naming the field when it is not an address.
pub(crate) fn asked_client_ip(s: Option<&str>) -> ApiResult<Option<IpAddr>> {
    s.map(|s| {
        s.trim()
            .parse::<IpAddr>()
            .map_err(|_| ApiError::invalid(format!("`client_ip` `{s}` is not an IP address")))
    })
    .transpose()
}

/// The rate-limit check a judged credential gets: none for a token of another org than the
/// caller's (`org_id`; None: any), a peek when the network or the audience refuses it (the
/// answer still reports its limits, without spending from them), else one request consumed.
fn plan<'a>(
    org_id: Option<i64>,
    client_ip: Option<IpAddr>,
    resource: Option<&'a str>,
) -> impl Fn(&Credential) -> RateCheck + 'a {
    move |c| {
        if !ours(org_id, c) {
            RateCheck::Skip
        } else if network_allows(&c.token, client_ip) && audience_allows(c, resource) {
            RateCheck::Consume
        } else {
            RateCheck::Peek
        }
    }
}

/// Whether the token may be presented to `resource` (None: nothing asked, any token passes).
fn audience_allows(c: &Credential, resource: Option<&str>) -> bool {
    resource.is_none_or(|r| audience::allows(&c.token.audience, r))
}

/// The `audience` a verify or forward-auth call names, checked like a token's entries: 422
/// naming the field when it cannot be a resource identifier.
pub(crate) fn asked_audience(s: Option<&str>) -> ApiResult<Option<&str>> {
    s.map(|r| {
        audience::check_resource(r).map(|()| r).map_err(|e| {
            ApiError::invalid(format!("`audience` {}", e.replace("an entry", "a value")))
        })
    })
    .transpose()
}

fn ours(org_id: Option<i64>, c: &Credential) -> bool {
    org_id.is_none_or(|o| c.token.org_id == o)
}

/// The verified token's rate-limit check to start alongside the caller's authentication, from
/// the call's headers and body as they arrived, when both credentials are cached here and the
/// call would reach the judgement on them: the caller may verify from `ip` (the address the call
/// came from), the body is a well-formed verify request, and the token is of the caller's org.
/// (The guess throttle never stands between a valid token and its judgement: see
/// [`throttle_guess`].) Only a guess, under the invariant of [`speculative`]: whatever it checks
/// is kept only if the confirmed credentials agree, and a stale guess costs the token one unit
/// of its limit for a call that did not pass (the caller was revoked in between, say).
pub(crate) fn prefetch(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    ip: ClientAddr,
    now: DateTime<Utc>,
) -> Option<Prefetch> {
    let caller = speculative::unconfirmed(state, auth::bearer(headers).ok()?, now)?;
    let may_verify = caller.permissions().contains(Permission::TokensVerify);
    // A caller refused for its own networks or audience never reaches the judgement.
    if !may_verify
        || !network_allows(&caller.token, ip.known())
        || !audience::allows(&caller.token.audience, audience::TOKCTL)
    {
        return None;
    }
    // The handler's extractor refuses a body not sent as JSON: nothing to check then.
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim().starts_with("application/") && mime.trim().ends_with("json")
        });
    if !json {
        return None;
    }
    let req: VerifyRequest = serde_json::from_slice(body).ok()?;
    asked_permission(req.permission.as_deref()).ok()?;
    let client_ip = asked_client_ip(req.client_ip.as_deref()).ok()?;
    let resource = asked_audience(req.audience.as_deref()).ok()?;
    let guess = speculative::unconfirmed(state, req.token.expose(), now)?;
    let check = plan(Some(caller.token.org_id), client_ip, resource)(&guess);
    (check != RateCheck::Skip).then_some(Prefetch { guess, check })
}

/// What a judgement is asked: which presented secret, for a caller in which org (None: any
/// org, for forward-auth, which has no caller), about which permission, from which address,
/// presented to which resource (RFC 8707 audience; None: not asked).
pub(crate) struct Question<'a> {
    pub org_id: Option<i64>,
    pub secret: &'a str,
    pub permission: Option<Permission>,
    pub client_ip: Option<IpAddr>,
    pub audience: Option<&'a str>,
}

/// Judges the question's secret: validity, then network (`client_ip`), then audience, then the
/// token's rate limit (consumed unless the network or the audience refused), then `permission`. `arrived` is when the request
/// arrived; `early`, a check of the token's limit already made on its cached copy
/// ([`prefetch`]). An `Err` means nothing could be decided (database or limiter unavailable):
/// answered 503.
pub(crate) async fn judge(
    state: &AppState,
    question: Question<'_>,
    now: DateTime<Utc>,
    arrived: Instant,
    early: Option<EarlyCheck>,
) -> ApiResult<Verdict> {
    let Question {
        org_id,
        secret,
        permission,
        client_ip,
        audience: resource,
    } = question;
    let plan = plan(org_id, client_ip, resource);
    let Admitted { cred, rate } =
        match resolve_and_check(state, secret, now, arrived, plan, early).await {
            Ok(admitted) => admitted,
            Err(ResolveError::Store(e)) => return Err(ApiError::from(e)),
            Err(ResolveError::Limiter(e)) => return Err(ApiError::from(e)),
            Err(ResolveError::Denied(f, cred)) => {
                let cred = cred.filter(|c| ours(org_id, c));
                let reason = match (&cred, f) {
                    // A token of another org is nobody's business here.
                    (None, AuthFailure::Revoked | AuthFailure::Expired) => Reason::Unknown,
                    _ => f.reason(),
                };
                return Ok(Verdict::refused(reason, cred));
            }
        };
    // A token of another org is unknown here (and its limit was not checked).
    let (true, Some(rate)) = (ours(org_id, &cred), rate) else {
        return Ok(Verdict::refused(Reason::Unknown, None));
    };
    let permissions = cred.permissions();
    let reason = if !network_allows(&cred.token, client_ip) {
        Some(Reason::IpNotAllowed)
    } else if !audience_allows(&cred, resource) {
        Some(Reason::WrongAudience)
    } else if !rate.allowed {
        state
            .metrics
            .rate_limited
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(Reason::RateLimited)
    } else if permission.is_some_and(|p| !permissions.contains(p)) {
        Some(Reason::Forbidden)
    } else {
        None
    };
    Ok(Verdict {
        reason,
        credential: Some(cred),
        permissions,
        rate: Some(rate),
    })
}

/// Guess throttling, after the judgement: a secret judged unknown or malformed is charged to the
/// address that presented it (`presenter`: the end client's, never the gateway's when the
/// gateway names it), and once that address is over its budget such answers become a 429
/// (`Err`: how long until it may try again) instead of `unknown`/`malformed`. Nobody fishes for
/// valid secrets through verify or forward-auth. `caller`, the verify caller's token id when it
/// named the client's address itself, is charged too, with a budget ten addresses large: the
/// caller could name a fresh address for every guess.
///
/// Any other verdict passes untouched, whatever the address's budget: a flood of bogus secrets,
/// from the same gateway or even the same address, never turns a valid token's answer into a
/// refusal. That is also why this runs after the judgement rather than before it: the lookup is
/// what tells a guess from a valid token. On the valid path this costs one comparison (no lock,
/// no allocation).
pub(crate) fn throttle_guess(
    state: &AppState,
    verdict: &Verdict,
    presenter: IpAddr,
    caller: Option<&str>,
) -> Result<(), std::time::Duration> {
    if !matches!(verdict.reason, Some(Reason::Unknown | Reason::Malformed)) {
        return Ok(());
    }
    let key = crate::server::ratelimit::throttle::address_key(presenter);
    let now = Instant::now();
    state.verify_throttle.check(&key, now)?;
    if let Some(caller) = caller {
        state.verify_caller_throttle.check(caller, now)?;
        state.verify_caller_throttle.charge(caller, now);
    }
    state.verify_throttle.charge(&key, now);
    Ok(())
}

/// The answer to a guess over its address's budget ([`throttle_guess`]): 429 with `Retry-After`.
pub(crate) fn guessing_refused(wait: std::time::Duration) -> ApiError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::rate_limited(
        format!(
            "too many unknown or malformed secrets were presented from this client address; retry in {secs} s"
        ),
        secs,
    )
}

/// How the checking call is recorded in the verified token's access log.
pub(crate) struct UseRecord {
    pub(crate) method: Cow<'static, str>,
    pub(crate) path: Cow<'static, str>,
    pub(crate) status: u16,
    pub(crate) ip: Option<IpAddr>,
    pub(crate) started: Instant,
    pub(crate) at: DateTime<Utc>,
    pub(crate) permission: Option<Permission>,
}

/// Records the call as a use of the verified token (buffered: last used and an access-log
/// row), when it counts as one.
pub(crate) fn record_use(state: &AppState, verdict: &Verdict, rec: UseRecord) {
    let Some(cred) = verdict.credential.as_ref().filter(|_| verdict.is_use()) else {
        return;
    };
    state.usage.record(AccessRecord {
        org_id: cred.token.org_id,
        at: rec.at,
        credential_id: cred.token.id.clone(),
        method: rec.method,
        path: rec.path,
        status: rec.status,
        ip: rec.ip,
        latency_us: i64::try_from(rec.started.elapsed().as_micros()).unwrap_or(i64::MAX),
        permission: rec.permission,
        root_id: cred.chain.root.clone(),
    });
}
