//! `POST /v1/oauth/token`: the RFC 8693 token exchange. A thin handler: it parses the form and
//! dispatches on `subject_token_type`; the rules live in the services
//! ([`crate::server::service::trust::exchange`] for CI ID tokens). Errors are RFC 6749 §5.2
//! bodies ([`crate::api::oauth::OAuthError`]), not tokctl's.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Extension;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::oauth::{
    GRANT_TOKEN_EXCHANGE, OAuthError, OAuthErrorCode, TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_ID_TOKEN,
    TOKEN_TYPE_JWT, TokenExchangeRequest, TokenExchangeResponse,
};
use crate::server::http::client_ip::client_ip;
use crate::server::http::error::ApiResult;
use crate::server::service::trust::exchange;
use crate::server::service::trust::jwks::JwksCache;
use crate::server::state::SharedState;

/// RFC 6749 §5.1/§5.2: token responses are never cached.
fn no_store(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

fn refused(status: StatusCode, error: OAuthError) -> Response {
    no_store((status, axum::Json(error)).into_response())
}

fn invalid_request(description: &str) -> Response {
    refused(
        StatusCode::BAD_REQUEST,
        OAuthError::new(OAuthErrorCode::InvalidRequest, description),
    )
}

/// Exchanges a subject token for a tokctl token. `subject_token_type` `id_token` or `jwt`: a CI
/// provider's OpenID Connect ID token, matched against the org's trust policies; no other
/// credential is needed. Every refusal of the subject token is the same `invalid_grant` (the
/// audit log's `auth.failed` event names the precise reason).
#[utoipa::path(post, path = "/v1/oauth/token", tag = "oauth",
    request_body(content = TokenExchangeRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = TokenExchangeResponse, description = "the new token; Cache-Control: no-store"),
              (status = 400, body = OAuthError, description = "RFC 6749 §5.2: `invalid_request` (a missing, repeated or unknown parameter), `unsupported_grant_type`, `invalid_grant` (the subject token was refused)"),
              (status = 429, body = crate::api::error::ErrorBody, description = "too many refused exchanges from this address")))]
pub async fn token(
    State(state): State<SharedState>,
    Extension(keys): Extension<Arc<JwksCache>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<TokenExchangeRequest>, FormRejection>,
) -> ApiResult<Response> {
    let Ok(Form(req)) = form else {
        return Ok(invalid_request(
            "the body must be application/x-www-form-urlencoded, each parameter at most once",
        ));
    };
    if req.grant_type.as_deref() != Some(GRANT_TOKEN_EXCHANGE) {
        return Ok(refused(
            StatusCode::BAD_REQUEST,
            OAuthError::new(
                OAuthErrorCode::UnsupportedGrantType,
                format!("`grant_type` must be {GRANT_TOKEN_EXCHANGE}"),
            ),
        ));
    }
    let Some(subject_token) = req.subject_token.as_deref().filter(|t| !t.is_empty()) else {
        return Ok(invalid_request("`subject_token` is missing"));
    };
    let ip = client_ip(peer.ip(), &headers, &state.trusted_proxies);
    let answer = match req.subject_token_type.as_deref() {
        Some(TOKEN_TYPE_ID_TOKEN | TOKEN_TYPE_JWT) => {
            if req.scope.is_some() || req.resource.is_some() || req.audience.is_some() {
                return Ok(invalid_request(
                    "`scope`, `resource` and `audience` are not taken with an ID token: the \
                     trust policy fixes what the token may do",
                ));
            }
            exchange::exchange_id_token(&state, &keys, subject_token, ip).await?
        }
        Some(TOKEN_TYPE_ACCESS_TOKEN) => {
            return Ok(invalid_request(
                "exchanging a tokctl token (delegation) is not available on this server yet",
            ));
        }
        _ => {
            return Ok(invalid_request(
                "`subject_token_type` must be urn:ietf:params:oauth:token-type:id_token, …:jwt \
                 or …:access_token",
            ));
        }
    };
    Ok(match answer {
        Ok(issued) => no_store((StatusCode::OK, axum::Json(issued)).into_response()),
        Err(e) => refused(StatusCode::BAD_REQUEST, e),
    })
}
