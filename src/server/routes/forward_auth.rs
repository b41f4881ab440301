//! `GET /v1/forward-auth?permission=P`: the forward-auth hook of reverse proxies (nginx
//! `auth_request`, Caddy `forward_auth`, Traefik ForwardAuth). The proxy forwards the client's
//! request headers; the token judged is the one in the client's own `Authorization` header, with
//! the same rules as verify ([`crate::server::service::verify`]).
//!
//! Answers only what proxies understand: 204 with identity headers for the upstream, 401 with
//! `WWW-Authenticate`, 403, 429 with `Retry-After`. The client's address comes from the
//! forwarding headers only when the proxy is inside a `--trusted-proxy` CIDR
//! ([`crate::server::http::client_ip`]); unknown or malformed secrets are throttled on it. The
//! access-log row carries the original method and path (`X-Original-Method` / `X-Forwarded-Method`,
//! `X-Original-URI` / `X-Forwarded-Uri`), never the query string, which may hold anything, and
//! with any secret-shaped part of the path stored as `[redacted]` (by the usage buffer, like
//! every access-log row). A secret in that forwarded URL is not refused: it is the client's URL
//! to the protected app, not a request to tokctl, and the proxy has already seen it; the token
//! judged is still the one in the forwarded `Authorization` header.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::reason::Reason;
use crate::server::auth::{AuthFailure, CREDENTIAL_EXPIRES, bearer};
use crate::server::http::client_ip::client_ip;
use crate::server::http::error::ApiResult;
use crate::server::http::extract::Query;
use crate::server::service::verify::{self, Question, UseRecord};
use crate::server::state::SharedState;

type ErrorBody = crate::api::error::ErrorBody;

pub(crate) const TOKEN_ID: HeaderName = HeaderName::from_static("tokctl-token-id");
pub(crate) const USER: HeaderName = HeaderName::from_static("tokctl-user");
pub(crate) const ROLE: HeaderName = HeaderName::from_static("tokctl-role");
/// The token's delegation chain, root first, ending with the token: `tk_a,tk_b,tk_c`.
pub(crate) const DELEGATION: HeaderName = HeaderName::from_static("tokctl-delegation");

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ForwardAuthQuery {
    /// The permission the protected route needs (none: any valid token).
    #[param(schema_with = crate::api::schema::permission)]
    pub permission: Option<String>,
    /// The resource the protected app is (RFC 8707), as the token's `audience` names it, e.g.
    /// `https://mcp.example.com/mcp` (percent-encoded in the query). A token whose audience does
    /// not name it is refused 403 `wrong_audience`. Given once at most.
    #[param(schema_with = crate::api::schema::resource_or_null)]
    pub audience: Option<String>,
}

fn first_header<'a>(headers: &'a HeaderMap, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| headers.get(*n).and_then(|v| v.to_str().ok()))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The forwarded request's method and path, for the access log: the path only, cut at `?`.
fn original_request(headers: &HeaderMap) -> (String, String) {
    let method = first_header(headers, &["x-original-method", "x-forwarded-method"])
        .filter(|m| m.len() <= 16 && m.bytes().all(|b| b.is_ascii_alphabetic()))
        .unwrap_or("GET")
        .to_ascii_uppercase();
    let uri = first_header(headers, &["x-original-uri", "x-forwarded-uri"]).unwrap_or("/");
    let path: String = uri
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .chars()
        .take(1024)
        .collect();
    (method, if path.is_empty() { "/".into() } else { path })
}

/// A forwarded `Authorization` that names no single credential. Always 401: nginx
/// `auth_request` turns any answer but 2xx, 401 and 403 into a 500 for the client, and to the
/// protected app this is a request without a usable credential. Two credentials (two header
/// lines, or two in one) are never judged by the first; the body still says
/// `ambiguous_credential`, with `WWW-Authenticate: Bearer error="invalid_request"`.
fn refuse_forwarded_credential(f: AuthFailure) -> Response {
    let mut resp = f.into_error().into_response();
    *resp.status_mut() = StatusCode::UNAUTHORIZED;
    resp
}

/// Checks the forwarded request's own bearer token.
#[utoipa::path(get, path = "/v1/forward-auth", params(ForwardAuthQuery), tag = "verify",
    responses(
        (status = 204, description = "allowed; Tokctl-Token-Id, Tokctl-User and Tokctl-Role name the caller for the upstream, Tokctl-Delegation its delegation chain (root first, comma-separated)"),
        (status = 401, body = ErrorBody, description = "missing, malformed, unknown, revoked or expired token, or two credentials in the forwarded request (`ambiguous_credential`) (WWW-Authenticate)"),
        (status = 403, body = ErrorBody, description = "the token lacks the permission, the client is outside its networks, or the token's audience does not name `audience` (`wrong_audience`)"),
        (status = 422, body = ErrorBody, description = "`permission` is not in the catalog, or `audience` is not a resource identifier (a proxy configuration error)"),
        (status = 429, body = ErrorBody, description = "over the token's rate limit, or too many unknown or malformed secrets from this client address (Retry-After)")))]
pub(crate) async fn forward_auth(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<ForwardAuthQuery>,
) -> ApiResult<Response> {
    let started = Instant::now();
    let now = Utc::now();
    let permission = verify::asked_permission(q.permission.as_deref())?;
    let audience = verify::asked_audience(q.audience.as_deref())?;
    let secret = match bearer(&headers) {
        Ok(secret) => secret,
        Err(f) => return Ok(refuse_forwarded_credential(f)),
    };
    let ip = client_ip(peer.ip(), &headers, &state.trusted_proxies);
    let question = Question {
        org_id: None,
        secret,
        permission,
        // Unknown (unreadable forwarding headers): inside no network.
        client_ip: ip.known(),
        audience,
    };
    let verdict = verify::judge(&state, question, now, started, None).await?;
    // Guesses are throttled on the forwarded client's address, never a valid token.
    verify::throttle_guess(&state, &verdict, ip.throttle_ip(), None)
        .map_err(verify::guessing_refused)?;
    let (method, path) = original_request(&headers);
    let status = verdict.reason.map_or(204, Reason::status);
    verify::record_use(
        &state,
        &verdict,
        UseRecord {
            method: method.into(),
            path: path.into(),
            status,
            ip: ip.known(),
            started,
            at: now,
            permission,
        },
    );
    let cred = verdict.credential.as_ref();
    let mut resp = match verdict.reason {
        Some(reason) => {
            verify::refusal(reason, cred.map(|c| &c.token), verdict.rate.as_ref()).into_response()
        }
        None => StatusCode::NO_CONTENT.into_response(),
    };
    let h = resp.headers_mut();
    if let Some(d) = verdict.rate {
        d.apply_headers(h);
    }
    if let Some(c) = cred.filter(|_| verdict.allowed()) {
        let value = |s: &str| HeaderValue::from_bytes(s.as_bytes()).ok();
        if let Some(v) = value(&c.token.id) {
            h.insert(TOKEN_ID, v);
        }
        if let Some(v) = value(c.user.label()) {
            h.insert(USER, v);
        }
        if let Some(v) = value(c.user.role.as_str()) {
            h.insert(ROLE, v);
        }
        if let Some(v) = value(&c.chain.ids.join(",")) {
            h.insert(DELEGATION, v);
        }
        if let Some(at) = c.token.expires_at
            && let Ok(v) = HeaderValue::from_str(&crate::api::duration::rfc3339(at))
        {
            h.insert(CREDENTIAL_EXPIRES, v);
        }
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_request_is_logged_without_its_query() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-method", "post".parse().unwrap());
        h.insert(
            "x-forwarded-uri",
            "/api/items?access_token=tokctl_pat_x".parse().unwrap(),
        );
        assert_eq!(
            original_request(&h),
            ("POST".to_string(), "/api/items".to_string())
        );
        h.insert("x-original-uri", "/a#frag".parse().unwrap());
        h.insert("x-original-method", "DELETE".parse().unwrap());
        assert_eq!(
            original_request(&h),
            ("DELETE".to_string(), "/a".to_string())
        );
        assert_eq!(
            original_request(&HeaderMap::new()),
            ("GET".to_string(), "/".to_string())
        );
    }
}
