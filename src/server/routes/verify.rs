//! `POST /v1/verify`: a resource server asks whether a token may do something. The rules live
//! in [`crate::server::verify`]; this handler adapts HTTP and throttles the caller.

use std::time::Instant;

use axum::extract::{FromRequest, Request, State};
use chrono::Utc;

use crate::api::error::ErrorCode;
use crate::api::perms::Permission;
use crate::api::types::{VerifyRequest, VerifyResponse};
use crate::server::auth::{EarlyCheck, Principal};
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::Json;
use crate::server::state::SharedState;
use crate::server::verify::{self, Question, Reason, UseRecord};

type ErrorBody = crate::api::error::ErrorBody;

/// Verify a token: validity, allowed networks, rate limit and permission in one call. Counts as
/// a use of the verified token (last used, access log, rate limit); the caller's own token is
/// not charged, but its verifies of unknown or malformed secrets are throttled.
#[utoipa::path(post, path = "/v1/verify", request_body = VerifyRequest, tag = "verify", security(("bearer" = [])),
    responses((status = 200, body = VerifyResponse, description = "the verdict, allowed or not"),
              (status = 401, body = ErrorBody, description = "the caller's own credential does not authenticate"),
              (status = 403, body = ErrorBody, description = "the caller lacks tokens:verify"),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody, description = "the caller sent too many unknown secrets")))]
pub async fn verify(
    State(state): State<SharedState>,
    mut request: Request,
) -> ApiResult<Json<VerifyResponse>> {
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
    let throttle_key = p.token.id.as_str();
    if let Err(wait) = state.verify_throttle.check(throttle_key, Instant::now()) {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Err(ApiError::rate_limited(
            format!(
                "this credential verified too many unknown or malformed secrets; retry in {secs} s"
            ),
            secs,
        ));
    }
    let permission = verify::asked_permission(req.permission.as_deref())?;
    let client_ip = verify::asked_client_ip(req.client_ip.as_deref())?;
    let now = Utc::now();
    let question = Question {
        org_id: Some(p.org_id()),
        secret: req.token.expose(),
        permission,
        client_ip,
    };
    let verdict = verify::judge(&state, question, now, p.arrived, early).await?;
    if matches!(verdict.reason, Some(Reason::Unknown | Reason::Malformed)) {
        state.verify_throttle.charge(throttle_key, Instant::now());
    }
    verify::record_use(
        &state,
        &verdict,
        UseRecord {
            method: "POST",
            path: "/v1/verify",
            status: verdict.reason.map_or(200, Reason::status),
            ip: client_ip,
            started,
            at: now,
            permission,
        },
    );
    let valid = !matches!(
        verdict.reason,
        Some(Reason::Unknown | Reason::Malformed | Reason::Revoked | Reason::Expired)
    );
    Ok(Json(VerifyResponse {
        allowed: verdict.allowed(),
        reason: verdict.reason.map(|r| r.as_str().to_string()),
        token: verdict.credential.as_ref().map(|c| c.token.info(now)),
        permissions: if valid {
            verdict.permissions.names()
        } else {
            Vec::new()
        },
        rate_limit: verdict.rate.map(|d| d.state()),
    }))
}
