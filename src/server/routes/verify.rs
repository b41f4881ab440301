//! `POST /v1/verify`: a resource server asks whether a token may do something. The rules live
//! in [`crate::server::service::verify`]; this handler adapts HTTP and throttles the caller.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::api::error::ErrorCode;
use crate::api::perms::Permission;
use crate::api::reason::Reason;
use crate::api::types::{RateLimitState, VerifyRequest, VerifyResponse};
use crate::server::auth::speculative::EarlyCheck;
use crate::server::auth::{self, Principal, Surface};
use crate::server::http::body::{BODY_LIMIT, too_large};
use crate::server::http::client_ip::client_ip;
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::http::extract::Json;
use crate::server::service::verify::{self, Question, UseRecord, Verdict};
use crate::server::state::SharedState;

type ErrorBody = crate::api::error::ErrorBody;

/// The middleware in front of `/v1/verify`: the caller's token is not charged for the call.
/// With counters shared between replicas, the verified token's rate-limit check starts on its
/// cached copy alongside the caller's authentication, one round trip instead of two; the
/// handler's judgement keeps it only if it agrees (see [`auth::speculative`]).
pub(crate) async fn authenticate_verify(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return too_large().into_response();
    };
    let ip = client_ip(peer.ip(), &parts.headers, &state.trusted_proxies);
    let prefetch = verify::prefetch(&state, &parts.headers, &bytes, ip, Utc::now());
    let req = Request::from_parts(parts, Body::from(bytes));
    auth::guard(&state, ip, req, next, Surface::RestUncharged, prefetch).await
}

/// Verify a token: validity, allowed networks, rate limit and permission in one call. Counts as
/// a use of the verified token (last used, access log, rate limit); the caller's own token is
/// not charged. Unknown or malformed secrets are throttled per presenting client address
/// (`client_ip` when given, else the caller's): over that budget they are answered 429; a
/// valid token's answer never is.
#[utoipa::path(post, path = "/v1/verify", request_body = VerifyRequest, tag = "verify", security(("bearer" = [])),
    responses((status = 200, body = VerifyResponse, description = "the verdict, allowed or not"),
              (status = 401, body = ErrorBody, description = "the caller's own credential does not authenticate"),
              (status = 403, body = ErrorBody, description = "the caller lacks tokens:verify"),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody, description = "too many unknown or malformed secrets from this client address (never for a valid token)")))]
pub(crate) async fn verify(
    State(state): State<SharedState>,
    mut request: Request,
) -> ApiResult<Json<Answer>> {
    // Taken rather than cloned (as `Extension` would): the guard put it there for this handler
    // alone.
    let p = request
        .extensions_mut()
        .remove::<Principal>()
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::Internal,
                "the verify route is not behind the auth middleware",
            )
        })?;
    let early = request.extensions_mut().remove::<EarlyCheck>();
    let Json(req) = Json::<VerifyRequest>::from_request(request, &state).await?;
    let started = Instant::now();
    p.require(Permission::TokensVerify)?;
    let permission = verify::asked_permission(req.permission.as_deref())?;
    let client_ip = verify::asked_client_ip(req.client_ip.as_deref())?;
    let audience = verify::asked_audience(req.audience.as_deref())?;
    let now = Utc::now();
    let question = Question {
        org_id: Some(p.org_id()),
        secret: req.token.expose(),
        permission,
        client_ip,
        audience,
    };
    let verdict = verify::judge(&state, question, now, p.arrived, early).await?;
    // The presenter is the end client the gateway names (the gateway answering for its guesses
    // too), else the gateway itself.
    let (presenter, caller) = match client_ip {
        Some(ip) => (ip, Some(p.token.id.as_str())),
        None => (p.ip.throttle_ip(), None),
    };
    verify::throttle_guess(&state, &verdict, presenter, caller)
        .map_err(verify::guessing_refused)?;
    verify::record_use(
        &state,
        &verdict,
        UseRecord {
            method: "POST".into(),
            path: "/v1/verify".into(),
            status: verdict.reason.map_or(200, Reason::status),
            ip: client_ip,
            started,
            at: now,
            permission,
        },
    );
    Ok(Json(Answer::of(&verdict, now)?))
}

/// What verify writes: a [`VerifyResponse`] (the shape the OpenAPI document gives), with the
/// token as the JSON its cached credential keeps (`Credential::token_info_json`) rather than
/// serialized anew for every answer.
#[derive(Serialize)]
pub(crate) struct Answer {
    allowed: bool,
    reason: Option<Reason>,
    #[serde(serialize_with = "raw_json")]
    token: Option<Arc<RawValue>>,
    permissions: Vec<&'static str>,
    rate_limit: Option<RateLimitState>,
    delegation: Vec<String>,
}

impl Answer {
    fn of(verdict: &Verdict, now: DateTime<Utc>) -> ApiResult<Answer> {
        let valid = !verdict.reason.is_some_and(Reason::is_invalid_credential);
        let token = match &verdict.credential {
            Some(c) => Some(c.token_info_json(now).map_err(|e| {
                ApiError::new(
                    ErrorCode::Internal,
                    format!("could not write the token: {e}"),
                )
            })?),
            None => None,
        };
        Ok(Answer {
            allowed: verdict.allowed(),
            reason: verdict.reason,
            token,
            permissions: if valid {
                verdict.permissions.iter().map(Permission::as_str).collect()
            } else {
                Vec::new()
            },
            rate_limit: verdict.rate.map(|d| d.state()),
            delegation: verdict
                .credential
                .as_ref()
                .map(|c| c.chain.ids.clone())
                .unwrap_or_default(),
        })
    }
}

fn raw_json<S: serde::Serializer>(json: &Option<Arc<RawValue>>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&json.as_deref(), s)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::api::perms::PermSet;
    use crate::server::ratelimit::{Decision, LimitOutcome};
    use crate::server::store::sample_credential;

    /// The answer the handler used to build, field by field: the documented type.
    fn documented(v: &Verdict, now: DateTime<Utc>) -> VerifyResponse {
        let valid = !matches!(
            v.reason,
            Some(Reason::Unknown | Reason::Malformed | Reason::Revoked | Reason::Expired)
        );
        VerifyResponse {
            allowed: v.allowed(),
            reason: v.reason,
            token: v.credential.as_ref().map(|c| c.token.info(now)),
            permissions: if valid {
                v.permissions.names()
            } else {
                Vec::new()
            },
            rate_limit: v.rate.map(|d| d.state()),
            delegation: v
                .credential
                .as_ref()
                .map(|c| c.chain.ids.clone())
                .unwrap_or_default(),
        }
    }

    #[test]
    fn an_answer_is_byte_for_byte_the_documented_verify_response() {
        let now = Utc::now();
        let credential = Arc::new(sample_credential(now));
        let outcome = |remaining| LimitOutcome {
            limit: 60,
            allowed: true,
            remaining,
            reset: std::time::Duration::from_secs(1),
            retry_after: std::time::Duration::ZERO,
        };
        let rate = Decision {
            allowed: true,
            minute: outcome(59),
            hour: outcome(599),
        };
        let verdicts = [
            Verdict {
                reason: None,
                credential: Some(Arc::clone(&credential)),
                permissions: [Permission::WorkRead, Permission::WorkWrite]
                    .into_iter()
                    .collect(),
                rate: Some(rate),
            },
            Verdict {
                reason: Some(Reason::Forbidden),
                credential: Some(Arc::clone(&credential)),
                permissions: [Permission::WorkRead].into_iter().collect(),
                rate: Some(rate),
            },
            Verdict {
                reason: Some(Reason::Revoked),
                credential: Some(Arc::clone(&credential)),
                permissions: PermSet::EMPTY,
                rate: None,
            },
            Verdict {
                reason: Some(Reason::Unknown),
                credential: None,
                permissions: PermSet::EMPTY,
                rate: None,
            },
        ];
        for v in &verdicts {
            // Twice: the second answer's token comes from the kept JSON.
            for _ in 0..2 {
                assert_eq!(
                    serde_json::to_string(&Answer::of(v, now).unwrap()).unwrap(),
                    serde_json::to_string(&documented(v, now)).unwrap(),
                );
            }
        }
    }
}
