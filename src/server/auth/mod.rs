//! Bearer secret → [`Principal`], on every request. The store's credential caches are exact
//! (see `store::auth_cache`): a revocation committed to the database is seen by the very next
//! request on every replica.
//!
//! [`authenticate`] is the middleware in front of every authenticated route: it resolves the
//! credential, refuses a request from outside the token's allowed networks (403
//! `ip_not_allowed`) or over its rate limit (429 with `Retry-After` and `RateLimit-*`), attaches
//! the principal, and after the handler records the access-log row (buffered) and the
//! `Tokctl-Credential-Expires` header. [`guard`] is that middleware for every surface: REST,
//! `/v1/verify` (caller not charged) and `/mcp` (JSON-RPC errors). [`resolve_and_check`] is
//! the credential and rate-limit check they share with verify and forward-auth, which judge a
//! token other than the caller's. With counters shared between replicas, a rate-limit check can
//! start on this replica's cached copy of a credential while the lookup confirms it:
//! [`speculative`] holds that fast path and the invariant it keeps.

pub(crate) mod network;
pub(crate) mod password;
pub(crate) mod speculative;

use std::borrow::Cow;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::http::client_ip::{ClientAddr, client_ip};
use super::http::error::{ApiError, ApiResult};
use super::ratelimit::{Decision, LimiterError};
use super::state::{AppState, SharedState};
use super::store::{self, AccessRecord, Credential, NewEvent, Store, StoreError, TokenRecord};
use crate::api::audience;
use crate::api::error::ErrorCode;
use crate::api::perms::{PermSet, Permission};
use crate::api::reason::Reason;
use crate::api::secret::{self, TokenType};
use network::network_allows;
use speculative::{EarlyCheck, Prefetch};

pub(crate) const CREDENTIAL_EXPIRES: &str = "tokctl-credential-expires";

/// Who is making the request, with what effective permission. Its token, owner and org are
/// the credential's (`p.token`, `p.user`, `p.org_name`), shared with the credential cache.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    pub(crate) cred: Arc<Credential>,
    /// Token scopes ∩ the owner's current role.
    pub(crate) permissions: PermSet,
    /// Where the request came from ([`client_ip`]); unknown when a trusted proxy's forwarding
    /// headers could not be read.
    pub(crate) ip: ClientAddr,
    /// When the request arrived: a second credential judged for it (verify's token) must
    /// reflect every change committed before this, and need not wait for anything later.
    pub(crate) arrived: Instant,
}

impl Deref for Principal {
    type Target = Credential;

    fn deref(&self) -> &Credential {
        &self.cred
    }
}

impl Principal {
    pub(crate) fn require(&self, p: Permission) -> ApiResult<()> {
        if self.permissions.contains(p) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this credential lacks `{p}` (its scopes ∩ the {} role of {})",
                self.user.role,
                self.user.label()
            )))
        }
    }

    pub(crate) fn has(&self, p: Permission) -> bool {
        self.permissions.contains(p)
    }

    pub(crate) fn is_session(&self) -> bool {
        self.token.kind == TokenType::Ses
    }

    pub(crate) fn org_id(&self) -> i64 {
        self.token.org_id
    }

    /// An audit event performed by this principal.
    pub(crate) fn event(
        &self,
        action: &'static str,
        target: Option<String>,
        mut detail: serde_json::Value,
    ) -> NewEvent {
        self.ip.annotate(&mut detail);
        NewEvent {
            root_id: self.chain.root.as_deref().map(str::to_string),
            org_id: self.token.org_id,
            at: Utc::now(),
            action,
            actor: Some(self.user.label().to_string()),
            actor_user_id: Some(self.user.id),
            credential_id: Some(self.token.id.clone()),
            target,
            ip: self.ip.audit_ip(),
            detail,
        }
    }
}

/// Why a presented secret does not authenticate ([`AuthFailure::reason`]: as verify and the
/// audit name it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    Missing,
    Malformed,
    /// Two credentials: two `Authorization` headers, or two in one (answered 400).
    Ambiguous,
    Unknown,
    Revoked,
    Expired,
}

impl AuthFailure {
    pub(crate) fn reason(self) -> Reason {
        match self {
            AuthFailure::Missing | AuthFailure::Malformed => Reason::Malformed,
            AuthFailure::Ambiguous => Reason::Ambiguous,
            AuthFailure::Unknown => Reason::Unknown,
            AuthFailure::Revoked => Reason::Revoked,
            AuthFailure::Expired => Reason::Expired,
        }
    }

    pub(crate) fn into_error(self) -> ApiError {
        match self {
            AuthFailure::Missing => ApiError::new(
                ErrorCode::Unauthenticated,
                "no credential: send `Authorization: Bearer <secret>`",
            ),
            AuthFailure::Malformed => ApiError::new(
                ErrorCode::TokenMalformed,
                "the bearer credential is not a well-formed tokctl secret (bad prefix, length or checksum)",
            ),
            AuthFailure::Ambiguous => ApiError::new(
                ErrorCode::AmbiguousCredential,
                "the request carries two credentials (two `Authorization` headers, or two \
                 credentials in one); send exactly one `Authorization: Bearer <secret>`",
            ),
            AuthFailure::Unknown => ApiError::new(
                ErrorCode::TokenUnknown,
                "the bearer credential is not a known token",
            ),
            AuthFailure::Revoked => ApiError::new(
                ErrorCode::TokenRevoked,
                "the bearer credential has been revoked",
            ),
            AuthFailure::Expired => {
                ApiError::new(ErrorCode::TokenExpired, "the bearer credential has expired")
            }
        }
    }
}

/// The failure of an authentication attempt: a credential problem, or a database or counter
/// store that could not confirm anything (answered 503, never "allowed").
#[derive(Debug)]
pub(crate) enum ResolveError {
    Denied(AuthFailure, Option<Arc<Credential>>),
    Store(StoreError),
    Limiter(LimiterError),
}

/// A request's method for its access-log row: the standard ones are not copied per request.
fn method_name(method: &Method) -> Cow<'static, str> {
    const STANDARD: [&str; 9] = [
        "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE",
    ];
    match STANDARD.iter().find(|m| **m == method.as_str()) {
        Some(m) => Cow::Borrowed(m),
        None => Cow::Owned(method.as_str().to_owned()),
    }
}

/// The secret in an `Authorization: Bearer …` header. More than one credential is
/// [`AuthFailure::Ambiguous`], never "the first one": two `Authorization` header lines (RFC 9110
/// allows only one), or one whose credential part holds a list or a second credential
/// (`Bearer a, Bearer b`, `Bearer a b`).
pub fn bearer(headers: &HeaderMap) -> Result<&str, AuthFailure> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let value = values.next().ok_or(AuthFailure::Missing)?;
    if values.next().is_some() {
        return Err(AuthFailure::Ambiguous);
    }
    let value = value.to_str().map_err(|_| AuthFailure::Malformed)?;
    if value.contains(',') {
        return Err(AuthFailure::Ambiguous);
    }
    let (scheme, secret) = value.split_once(' ').ok_or(AuthFailure::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthFailure::Malformed);
    }
    let secret = secret.trim();
    if secret.contains(|c: char| c.is_ascii_whitespace()) {
        return Err(AuthFailure::Ambiguous);
    }
    Ok(secret)
}

/// The rate-limit check a request makes of the credential it presents, once that is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RateCheck {
    Skip,
    /// What a check would answer, consuming nothing.
    Peek,
    Consume,
}

/// A valid credential, and the rate-limit decision its [`RateCheck`] asked for (None for
/// [`RateCheck::Skip`]).
#[derive(Debug)]
pub(crate) struct Admitted {
    pub(crate) cred: Arc<Credential>,
    pub(crate) rate: Option<Decision>,
}

/// Checks a secret: format and checksum, then the database (current or grace-period secret),
/// then revocation, the owner's membership, and expiry; then makes the rate-limit check that
/// `plan` asks for the credential found. The answer reflects every change committed before
/// `since` (when the request arrived).
///
/// With counters shared between replicas the check may already have been made, on the cached
/// copy of the credential while it was confirmed (`early`, or one made here): it is used only
/// when it is the check this would make ([`speculative`]).
pub(crate) async fn resolve_and_check(
    state: &AppState,
    secret: &str,
    now: DateTime<Utc>,
    since: Instant,
    plan: impl Fn(&Credential) -> RateCheck,
    early: Option<EarlyCheck>,
) -> Result<Admitted, ResolveError> {
    if secret::parse(secret).is_err() {
        return Err(ResolveError::Denied(AuthFailure::Malformed, None));
    }
    let hash = state.hash_secret(secret);
    let confirming = confirm(state, &hash, now, since);
    let (cred, early) =
        speculative::confirm_alongside(state, &hash, now, &plan, early, confirming).await?;
    let check = plan(&cred);
    let rate = match speculative::kept(early, &cred, check) {
        Some(decision) => decision,
        None => rate_check(state, &cred, check).await,
    }
    .map_err(ResolveError::Limiter)?;
    Ok(Admitted { cred, rate })
}

/// The credential for `hash` as of `since`, if it authenticates at `now`.
async fn confirm(
    state: &AppState,
    hash: &str,
    now: DateTime<Utc>,
    since: Instant,
) -> Result<Arc<Credential>, ResolveError> {
    let cred = store::credential(&state.store, hash, now, since)
        .await
        .map_err(ResolveError::Store)?;
    match cred {
        Some(cred) => match admit(&cred, now) {
            Ok(()) => Ok(cred),
            Err(AuthFailure::Unknown) => Err(ResolveError::Denied(AuthFailure::Unknown, None)),
            Err(f) => Err(ResolveError::Denied(f, Some(cred))),
        },
        None => Err(ResolveError::Denied(AuthFailure::Unknown, None)),
    }
}

/// Whether a credential found for a secret authenticates at `now`.
fn admit(cred: &Credential, now: DateTime<Utc>) -> Result<(), AuthFailure> {
    // A previous secret counts only inside its grace period.
    if cred.previous_secret_lapsed(now) {
        return Err(AuthFailure::Unknown);
    }
    if cred.token.revoked_at.is_some() || cred.user.removed_at.is_some() {
        return Err(AuthFailure::Revoked);
    }
    if cred.token.expires_at.is_some_and(|e| e <= now) {
        return Err(AuthFailure::Expired);
    }
    // A child ends with any ancestor, whatever its own expiry says (docs/delegation.md).
    match cred.chain.holds(now) {
        Ok(()) => Ok(()),
        Err(true) => Err(AuthFailure::Revoked),
        Err(false) => Err(AuthFailure::Expired),
    }
}

async fn rate_check(
    state: &AppState,
    cred: &Credential,
    check: RateCheck,
) -> Result<Option<Decision>, LimiterError> {
    let (id, limits) = (&cred.token.id, cred.token.rate_limit);
    Ok(match check {
        RateCheck::Skip => None,
        RateCheck::Peek => Some(state.limiter.peek(id, limits).await?),
        RateCheck::Consume => Some(state.limiter.check(id, limits).await?),
    })
}

/// Whether a failed authentication from `ip` gets its `auth.failed` row, within the per-address
/// cap: `Some(n)` with the `n` failures suppressed since the address's last row, `None` (counted
/// in `/metrics` as unaudited) when over the cap. An unknown client is capped on the last
/// trusted hop: forged garbage buys no fresh budget.
pub(crate) fn failure_admitted(state: &AppState, ip: ClientAddr) -> Option<u64> {
    use super::audit::failed_auth_cap::Admission;
    match state.failure_audit.admit(ip.throttle_ip(), Instant::now()) {
        Admission::Record { suppressed } => Some(suppressed),
        Admission::Suppress => {
            state
                .metrics
                .auth_failures_unaudited
                .fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

/// Records a failed authentication as an audit event, attributed to the token's org when the
/// token is known, within the per-address cap of [`super::audit::failed_auth_cap`] (failures over it are
/// counted into the address's next row instead). Best effort: failing to log must not turn a
/// 401 into a 500.
pub(crate) async fn record_failure(
    state: &AppState,
    failure: AuthFailure,
    cred: Option<&Credential>,
    ip: ClientAddr,
    path: &str,
) {
    let Some(suppressed) = failure_admitted(state, ip) else {
        return;
    };
    // The guard refuses no secret-shaped path itself (the URL check before routing does), so
    // redact it here too: nothing secret reaches the audit log that admins read.
    let path = crate::api::secret::redact_secrets(path);
    let mut detail = serde_json::json!({"reason": failure.reason().as_str(), "path": path});
    if suppressed > 0 {
        detail["suppressed"] = suppressed.into();
    }
    ip.annotate(&mut detail);
    let event = NewEvent {
        root_id: cred.and_then(|c| c.chain.root.as_deref().map(str::to_string)),
        org_id: cred.map_or(state.org_id, |c| c.token.org_id),
        at: Utc::now(),
        action: "auth.failed",
        actor: cred.map(|c| c.user.label().to_string()),
        actor_user_id: cred.map(|c| c.user.id),
        credential_id: cred.map(|c| c.token.id.clone()),
        target: None,
        ip: ip.audit_ip(),
        detail,
    };
    if let Err(e) = state.store.record_event(event).await {
        tracing::warn!(error = %e, "could not record a failed authentication");
    }
}

/// How a guarded route answers and what it charges.
#[derive(Debug, Clone)]
pub(crate) enum Surface {
    /// `/v1/*`: JSON errors, the request charged to the token's rate limit.
    Rest,
    /// `/v1/verify`: like `Rest`, but the caller's own token is not charged (the verified token
    /// is; the caller is throttled on failed verifies instead).
    RestUncharged,
    /// `/mcp`: JSON-RPC errors answering the request `id`; charged.
    Mcp { id: serde_json::Value },
}

impl Surface {
    fn charges(&self) -> bool {
        !matches!(self, Surface::RestUncharged)
    }

    fn reject(&self, err: ApiError) -> Response {
        match self {
            Surface::Rest | Surface::RestUncharged => err.into_response(),
            Surface::Mcp { id } => super::http::jsonrpc::error_response(err, id.clone()),
        }
    }
}

/// The middleware in front of every authenticated `/v1` route.
pub(crate) async fn authenticate(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let ip = client_ip(peer.ip(), req.headers(), &state.trusted_proxies);
    guard(&state, ip, req, next, Surface::Rest, None).await
}

/// Whether the token may call tokctl's own API (`/v1`, `/mcp`): its audience, if any, names it.
fn for_tokctl(token: &TokenRecord) -> bool {
    audience::allows(&token.audience, audience::TOKCTL)
}

/// Rate-limit message naming the limit that refused.
fn rate_limited(token: &TokenRecord, d: &Decision) -> ApiError {
    let (limit, per) = if d.hour.allowed {
        (d.minute.limit, "minute")
    } else {
        (d.hour.limit, "hour")
    };
    let secs = d.retry_after_secs();
    ApiError::rate_limited(
        format!(
            "token `{}` is over its rate limit of {limit} requests per {per}; retry in {secs} s",
            token.name
        ),
        secs,
    )
}

/// Authenticates the request, enforces the token's networks and rate limit, runs the handler
/// with the [`Principal`] attached, and records the access-log row (buffered) and the
/// `Tokctl-Credential-Expires` and `RateLimit-*` headers. `ip` is the client's address
/// ([`client_ip`]), resolved once by the caller, which may need it before the guard runs; an
/// unknown address is inside no network, so a CIDR-pinned token is refused `ip_not_allowed`.
pub(crate) async fn guard(
    state: &AppState,
    ip: ClientAddr,
    mut req: Request,
    next: Next,
    surface: Surface,
    prefetch: Option<Prefetch>,
) -> Response {
    let started = Instant::now();
    let now = Utc::now();
    let path = req.uri().path().to_string();
    // Charged requests from inside the token's networks, by a token meant for tokctl, count
    // against its rate limit.
    let plan = |c: &Credential| {
        if surface.charges() && network_allows(&c.token, ip.known()) && for_tokctl(&c.token) {
            RateCheck::Consume
        } else {
            RateCheck::Skip
        }
    };
    // The secret stays borrowed from the header: no copy of it outlives the lookup.
    let resolved = match (bearer(req.headers()), prefetch) {
        (Ok(secret), None) => resolve_and_check(state, secret, now, started, plan, None).await,
        (Ok(secret), Some(prefetch)) => {
            let resolving = resolve_and_check(state, secret, now, started, plan, None);
            let (resolved, early) =
                speculative::resolve_alongside(state, prefetch, resolving).await;
            if let Some(early) = early {
                req.extensions_mut().insert(early);
            }
            resolved
        }
        (Err(f), _) => Err(ResolveError::Denied(f, None)),
    };
    let Admitted { cred, rate } = match resolved {
        Ok(admitted) => admitted,
        Err(ResolveError::Denied(f, cred)) => {
            state
                .metrics
                .auth_failures
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // Boxed: the refusal path's future would otherwise sit inline in (and be copied
            // with) every request's middleware future.
            Box::pin(record_failure(state, f, cred.as_deref(), ip, &path)).await;
            return surface.reject(f.into_error());
        }
        Err(ResolveError::Store(e)) => return surface.reject(ApiError::from(e)),
        Err(ResolveError::Limiter(e)) => return surface.reject(ApiError::from(e)),
    };
    let permissions = cred.permissions();
    let principal = Principal {
        cred,
        permissions,
        ip,
        arrived: started,
    };
    let expires = principal.token.expires_at;
    let access = AccessRecord {
        org_id: principal.token.org_id,
        at: now,
        credential_id: principal.token.id.clone(),
        method: method_name(req.method()),
        path: path.into(),
        status: 0,
        ip: ip.known(),
        latency_us: 0,
        permission: None,
        root_id: principal.chain.root.clone(),
    };
    let mut resp = if !network_allows(&principal.token, ip.known()) {
        surface.reject(ApiError::new(
            ErrorCode::IpNotAllowed,
            format!(
                "token `{}` may be used only from {}; this request came from {ip}",
                principal.token.name,
                principal.token.allowed_cidrs.join(", ")
            ),
        ))
    } else if !for_tokctl(&principal.token) {
        surface.reject(ApiError::new(
            ErrorCode::WrongAudience,
            format!(
                "token `{}` is meant only for {}; its `audience` does not name `{}`, tokctl's own \
                 API",
                principal.token.name,
                principal.token.audience.join(", "),
                audience::TOKCTL
            ),
        ))
    } else {
        match rate {
            Some(d) if !d.allowed => {
                state.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
                surface.reject(rate_limited(&principal.token, &d))
            }
            _ => {
                req.extensions_mut().insert(principal);
                next.run(req).await
            }
        }
    };
    if let Some(d) = rate {
        d.apply_headers(resp.headers_mut());
    }
    if super::metrics::request_log_enabled() {
        resp.extensions_mut()
            .insert(super::metrics::CredentialId(access.credential_id.clone()));
    }
    if let Some(at) = expires
        && let Ok(v) = HeaderValue::from_str(&crate::api::duration::rfc3339(at))
    {
        resp.headers_mut().insert(CREDENTIAL_EXPIRES, v);
    }
    state.usage.record(AccessRecord {
        status: resp.status().as_u16(),
        latency_us: i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX),
        ..access
    });
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn one_bearer_credential_is_read_and_two_are_ambiguous() {
        assert_eq!(bearer(&headers(&["Bearer abc"])), Ok("abc"));
        assert_eq!(bearer(&headers(&["bearer  abc "])), Ok("abc"));
        assert_eq!(bearer(&headers(&[])), Err(AuthFailure::Missing));
        assert_eq!(
            bearer(&headers(&["Basic abc"])),
            Err(AuthFailure::Malformed)
        );
        assert_eq!(bearer(&headers(&["Bearer"])), Err(AuthFailure::Malformed));
        for two in [
            &["Bearer a", "Bearer b"][..],
            &["Bearer a", "Bearer a"],
            &["Bearer a", ""],
            &["Bearer a, Bearer b"],
            &["Bearer a,b"],
            &["Bearer a b"],
            &["Bearer a\tb"],
            &["Basic x, Bearer a"],
        ] {
            assert_eq!(
                bearer(&headers(two)),
                Err(AuthFailure::Ambiguous),
                "{two:?}"
            );
        }
    }
}
