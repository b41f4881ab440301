//! The OAuth endpoints standard clients expect, as thin handlers over the service modules:
//!
//! - `POST /v1/oauth/token`: RFC 8693 token exchange. Reads the form (RFC 6749 §3.2: unknown
//!   parameters ignored, an empty one as if absent, none but `resource`/`audience` repeated) and
//!   dispatches on `subject_token_type`: `…:access_token` (a tokctl secret) to
//!   [`crate::server::service::exchange`]; `…:id_token`/`…:jwt` (a CI job's ID token) to
//!   [`crate::server::service::trust::exchange`]. Errors are
//!   RFC 6749 §5.2 bodies; answers carry `Cache-Control: no-store`.
//! - `POST /v1/oauth/introspect`: RFC 7662 (the caller needs `tokens:verify`). Not a use of the
//!   token: it charges and logs nothing to it. An inactive token is `{"active": false}` alone.
//! - `/.well-known/oauth-authorization-server` (RFC 8414) and
//!   `/.well-known/oauth-protected-resource[/mcp]` (RFC 9728), and the URL `/mcp`'s 401 names in
//!   its `WWW-Authenticate` (`resource_metadata`).
//!
//! This server's URL (issuer, endpoints) is the request's `Host`, or, from a `--trusted-proxy`,
//! `X-Forwarded-Host` and `X-Forwarded-Proto`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;

use crate::api::audience;
use crate::api::error::ErrorCode;
use crate::api::oauth::{
    AuthorizationServerMetadata, GRANT_TOKEN_EXCHANGE, INTROSPECT_PATH, Introspection, OAuthError,
    OAuthErrorCode, ProtectedResourceMetadata, TOKEN_PATH, TOKEN_TYPE_ACCESS_TOKEN,
    TOKEN_TYPE_ID_TOKEN, TOKEN_TYPE_JWT, TokenExchangeForm, TokenExchangeResponse,
};
use crate::api::perms::Permission;
use crate::api::reason::Reason;
use crate::server::auth::{self, Principal, RateCheck, ResolveError};
use crate::server::http::body::{BODY_LIMIT, too_large};
use crate::server::http::client_ip::{ClientAddr, client_ip};
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::service::exchange::{self, Delegation};
use crate::server::service::trust::{self, jwks::JwksCache};
use crate::server::service::verify::{self, Verdict};
use crate::server::state::SharedState;

type ErrorBody = crate::api::error::ErrorBody;

/// An RFC 6749 §5.2 error answer.
#[derive(Debug)]
pub(crate) struct OAuthFailure {
    status: StatusCode,
    body: OAuthError,
    retry_after: Option<u64>,
}

impl OAuthFailure {
    pub(crate) fn new(error: OAuthErrorCode, description: impl Into<String>) -> Self {
        OAuthFailure {
            status: match error {
                OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
                OAuthErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::BAD_REQUEST,
            },
            body: OAuthError {
                error,
                error_description: Some(description.into()),
                tokctl_code: None,
            },
            retry_after: None,
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        OAuthFailure::new(OAuthErrorCode::InvalidRequest, description)
    }
}

/// A refusal of the service as an OAuth error: an invalid subject is `invalid_grant`, a scope
/// beyond it `invalid_scope`, an audience beyond it `invalid_target`.
impl From<ApiError> for OAuthFailure {
    fn from(e: ApiError) -> Self {
        let error = match e.code {
            ErrorCode::Unauthenticated
            | ErrorCode::TokenMalformed
            | ErrorCode::TokenUnknown
            | ErrorCode::TokenExpired
            | ErrorCode::TokenRevoked
            | ErrorCode::LoginFailed
            | ErrorCode::SignatureInvalid
            | ErrorCode::IpNotAllowed
            | ErrorCode::Forbidden => OAuthErrorCode::InvalidGrant,
            ErrorCode::ScopeExceedsCredential => OAuthErrorCode::InvalidScope,
            ErrorCode::WrongAudience => OAuthErrorCode::InvalidTarget,
            ErrorCode::ExceedsCredential
            | ErrorCode::Invalid
            | ErrorCode::BadRequest
            | ErrorCode::NotFound
            | ErrorCode::Conflict
            | ErrorCode::TokenInUrl
            | ErrorCode::AmbiguousCredential
            | ErrorCode::PayloadTooLarge
            | ErrorCode::DelegationTooDeep
            | ErrorCode::RateLimited => OAuthErrorCode::InvalidRequest,
            ErrorCode::Unavailable | ErrorCode::Internal => OAuthErrorCode::TemporarilyUnavailable,
        };
        let mut failure = OAuthFailure::new(error, e.message);
        failure.body.tokctl_code = Some(e.code.into());
        if e.code == ErrorCode::RateLimited {
            failure.status = StatusCode::TOO_MANY_REQUESTS;
            failure.retry_after = e.retry_after;
        }
        failure
    }
}

impl IntoResponse for OAuthFailure {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body)).into_response();
        no_store(resp.headers_mut());
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// RFC 6749 §5.1: answers holding tokens (and their errors) are never cached.
fn no_store(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// A form body's parameters: each single-valued one at most once, `resource` and `audience`
/// as often as given. Empty values are as if absent (RFC 6749 §3.2). No `Debug`: it holds the
/// subject token.
#[derive(Default)]
struct Form {
    single: Vec<(String, String)>,
    resource: Vec<String>,
    audience: Vec<String>,
}

impl Form {
    fn parse(headers: &HeaderMap, body: &[u8], single: &[&str]) -> Result<Form, OAuthFailure> {
        let form_typed = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !form_typed {
            return Err(OAuthFailure::invalid_request(
                "send the parameters as a form: `Content-Type: application/x-www-form-urlencoded`",
            ));
        }
        let mut form = Form::default();
        for (key, value) in form_urlencoded::parse(body) {
            if value.is_empty() {
                continue;
            }
            match key.as_ref() {
                "resource" => form.resource.push(value.into_owned()),
                "audience" => form.audience.push(value.into_owned()),
                k if single.contains(&k) => {
                    if form.single.iter().any(|(name, _)| name == k) {
                        return Err(OAuthFailure::invalid_request(format!(
                            "`{k}` is given more than once"
                        )));
                    }
                    form.single.push((k.to_string(), value.into_owned()));
                }
                _ => {}
            }
        }
        Ok(form)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.single
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn require(&self, key: &str) -> Result<&str, OAuthFailure> {
        self.get(key)
            .ok_or_else(|| OAuthFailure::invalid_request(format!("`{key}` is missing")))
    }
}

/// A `resource` parameter: an absolute URI without a fragment (RFC 8707 §2).
fn check_resource_uri(r: &str) -> Result<(), OAuthFailure> {
    let scheme_ok = r.split_once(':').is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if !scheme_ok || r.contains('#') {
        return Err(OAuthFailure::new(
            OAuthErrorCode::InvalidTarget,
            "`resource` must be an absolute URI without a fragment (RFC 8707)",
        ));
    }
    audience::check_resource(r)
        .map_err(|e| OAuthFailure::new(OAuthErrorCode::InvalidTarget, format!("`resource` {e}")))
}

/// Token exchange (RFC 8693): a tokctl secret (`subject_token`) for a narrower child token.
/// The subject token is the only credential: no client authentication. Default lifetime 15
/// minutes, never beyond the subject's; `scope` (space-separated) within the subject's
/// permissions; `resource`/`audience` within its audience.
#[utoipa::path(post, path = "/v1/oauth/token", tag = "oauth",
    request_body(content = TokenExchangeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = TokenExchangeResponse, description = "the new token (Cache-Control: no-store)"),
        (status = 400, body = OAuthError, description = "RFC 6749 §5.2: invalid_request, invalid_grant (the subject token is not valid), invalid_scope, invalid_target, unsupported_grant_type"),
        (status = 429, body = OAuthError, description = "the subject token is over its rate limit, or too many unknown secrets from this address (Retry-After)"),
        (status = 503, body = OAuthError, description = "the database is unreachable (temporarily_unavailable)")))]
pub(crate) async fn token(
    State(state): State<SharedState>,
    Extension(keys): Extension<Arc<JwksCache>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return too_large().into_response();
    };
    match exchange_token(&state, &keys, peer.ip(), &headers, &body).await {
        Ok(answer) => {
            let mut resp = Json(answer).into_response();
            no_store(resp.headers_mut());
            resp
        }
        Err(failure) => failure.into_response(),
    }
}

async fn exchange_token(
    state: &SharedState,
    keys: &JwksCache,
    peer: IpAddr,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<TokenExchangeResponse, OAuthFailure> {
    let form = Form::parse(
        headers,
        body,
        &[
            "grant_type",
            "subject_token",
            "subject_token_type",
            "scope",
            "requested_token_type",
            "actor_token",
            "actor_token_type",
            "expires",
        ],
    )?;
    let grant = form.require("grant_type")?;
    if grant != GRANT_TOKEN_EXCHANGE {
        return Err(OAuthFailure::new(
            OAuthErrorCode::UnsupportedGrantType,
            format!("`grant_type` must be `{GRANT_TOKEN_EXCHANGE}`"),
        ));
    }
    let subject_token = form.require("subject_token")?;
    let ip = client_ip(peer, headers, &state.trusted_proxies);
    match form.require("subject_token_type")? {
        TOKEN_TYPE_ACCESS_TOKEN => {}
        TOKEN_TYPE_ID_TOKEN | TOKEN_TYPE_JWT => {
            return exchange_id_token(state, keys, &form, subject_token, ip).await;
        }
        _ => {
            return Err(OAuthFailure::invalid_request(format!(
                "`subject_token_type` must be `{TOKEN_TYPE_ACCESS_TOKEN}` (a tokctl secret), \
                 `{TOKEN_TYPE_ID_TOKEN}` or `{TOKEN_TYPE_JWT}` (a CI job's ID token)"
            )));
        }
    }
    if form.get("actor_token").is_some() || form.get("actor_token_type").is_some() {
        return Err(OAuthFailure::invalid_request(
            "`actor_token` is not supported: the subject token alone delegates",
        ));
    }
    if let Some(t) = form.get("requested_token_type")
        && t != TOKEN_TYPE_ACCESS_TOKEN
    {
        return Err(OAuthFailure::invalid_request(format!(
            "`requested_token_type` must be `{TOKEN_TYPE_ACCESS_TOKEN}`"
        )));
    }
    let scopes = match form.get("scope") {
        None => None,
        Some(s) => {
            let list: Vec<String> = s
                .split(' ')
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect();
            crate::api::perms::validate_scopes(&list).map_err(|e| {
                OAuthFailure::new(OAuthErrorCode::InvalidScope, format!("`scope`: {e}"))
            })?;
            if list.is_empty() {
                return Err(OAuthFailure::new(
                    OAuthErrorCode::InvalidScope,
                    "`scope` is blank",
                ));
            }
            Some(list)
        }
    };
    for r in &form.resource {
        check_resource_uri(r)?;
    }
    let mut targets = form.resource.clone();
    targets.extend(form.audience.iter().cloned());
    audience::normalize(&targets).map_err(|e| {
        OAuthFailure::new(
            OAuthErrorCode::InvalidTarget,
            format!("`resource`/`audience` {e}"),
        )
    })?;
    let p = match exchange::subject(state, subject_token, ip, TOKEN_PATH).await {
        Ok(p) => p,
        Err(e) => {
            // Nobody fishes for valid secrets here either: unknown or malformed subjects are
            // charged to the presenting address, as verify's are.
            let reason = match e.code {
                ErrorCode::TokenUnknown => Some(Reason::Unknown),
                ErrorCode::TokenMalformed => Some(Reason::Malformed),
                _ => None,
            };
            if reason.is_some() {
                let verdict = Verdict {
                    reason,
                    credential: None,
                    permissions: Default::default(),
                    rate: None,
                };
                if let Err(wait) = verify::throttle_guess(state, &verdict, ip.throttle_ip(), None) {
                    return Err(verify::guessing_refused(wait).into());
                }
            }
            return Err(OAuthFailure::new(
                OAuthErrorCode::InvalidGrant,
                format!(
                    "`subject_token`: {}",
                    e.message
                        .replace("the bearer credential", "the subject token")
                ),
            ));
        }
    };
    let issued = exchange::delegate(
        state,
        &p,
        Delegation {
            scopes,
            audience: targets,
            expires: form.get("expires").map(String::from),
        },
    )
    .await?;
    let now = Utc::now();
    Ok(TokenExchangeResponse {
        access_token: issued.secret,
        issued_token_type: TOKEN_TYPE_ACCESS_TOKEN.to_string(),
        token_type: "Bearer".to_string(),
        expires_in: issued
            .token
            .expires_at
            .map(|at| (at - now).num_seconds().max(0)),
        scope: issued.token.scopes.join(" "),
        token: issued.token,
    })
}

/// The exchange of a CI job's OpenID Connect ID token through the org's trust policies
/// ([`crate::server::service::trust::exchange`]): the policy fixes scopes, lifetime and
/// audience, so the request may not ask for them. Every refusal of the ID token is the same
/// `invalid_grant`; the audit's `auth.failed` event names the reason.
async fn exchange_id_token(
    state: &SharedState,
    keys: &JwksCache,
    form: &Form,
    id_token: &str,
    ip: ClientAddr,
) -> Result<TokenExchangeResponse, OAuthFailure> {
    if form.get("scope").is_some()
        || form.get("expires").is_some()
        || !form.resource.is_empty()
        || !form.audience.is_empty()
    {
        return Err(OAuthFailure::invalid_request(
            "`scope`, `expires`, `resource` and `audience` are not taken with an ID token: the \
             trust policy fixes what the token may do",
        ));
    }
    if form.get("actor_token").is_some() || form.get("actor_token_type").is_some() {
        return Err(OAuthFailure::invalid_request(
            "`actor_token` is not supported: the ID token alone is exchanged",
        ));
    }
    if let Some(t) = form.get("requested_token_type")
        && t != TOKEN_TYPE_ACCESS_TOKEN
    {
        return Err(OAuthFailure::invalid_request(format!(
            "`requested_token_type` must be `{TOKEN_TYPE_ACCESS_TOKEN}`"
        )));
    }
    match trust::exchange::exchange_id_token(state, keys, id_token, ip).await? {
        Ok(issued) => Ok(issued),
        Err(body) => Err(OAuthFailure {
            status: StatusCode::BAD_REQUEST,
            body,
            retry_after: None,
        }),
    }
}

/// Token introspection (RFC 7662), for resource servers holding `tokens:verify`: form body
/// `token=…`. An active token's claims (`scope` = its effective permissions, `client_id` its
/// id, `username`/`sub` its owner, `aud` its audience); anything else — malformed, unknown,
/// revoked, expired, another org's — is exactly `{"active": false}`. Not a use of the token.
#[utoipa::path(post, path = "/v1/oauth/introspect", tag = "oauth", security(("bearer" = [])),
    request_body(content = IntrospectForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = Introspection, description = "the token's claims, or {\"active\": false}"),
        (status = 400, body = ErrorBody, description = "not a form, or `token` missing or given twice"),
        (status = 403, body = ErrorBody, description = "the caller lacks tokens:verify"),
        (status = 429, body = ErrorBody, description = "too many unknown or malformed secrets from this address")))]
pub(crate) async fn introspect(
    State(state): State<SharedState>,
    axum::Extension(p): axum::Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let body = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| too_large())?;
    p.require(Permission::TokensVerify)?;
    let form = Form::parse(&headers, &body, &["token", "token_type_hint"])
        .map_err(|f| ApiError::bad_request(f.body.error_description.unwrap_or_default()))?;
    let secret = form
        .get("token")
        .ok_or_else(|| ApiError::bad_request("`token` is missing"))?;
    let now = Utc::now();
    let resolved =
        auth::resolve_and_check(&state, secret, now, p.arrived, |_| RateCheck::Skip, None).await;
    let cred = match resolved {
        Ok(admitted) if admitted.cred.token.org_id == p.org_id() => admitted.cred,
        Ok(_) => return Ok(inactive()),
        Err(ResolveError::Denied(f, _)) => {
            let verdict = Verdict {
                reason: Some(f.reason()),
                credential: None,
                permissions: Default::default(),
                rate: None,
            };
            verify::throttle_guess(&state, &verdict, p.ip.throttle_ip(), None)
                .map_err(verify::guessing_refused)?;
            return Ok(inactive());
        }
        Err(ResolveError::Store(e)) => return Err(e.into()),
        Err(ResolveError::Limiter(e)) => return Err(e.into()),
    };
    let t = &cred.token;
    // What the token may do and when it ends follow its whole chain, as verify's do.
    let scope = cred
        .permissions()
        .iter()
        .map(Permission::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    let answer = Introspection {
        active: true,
        scope: Some(scope),
        client_id: Some(t.id.clone()),
        username: Some(cred.user.label().to_string()),
        token_type: Some("Bearer".into()),
        exp: t
            .expires_at
            .into_iter()
            .chain(cred.chain.ends_at)
            .min()
            .map(|e| e.timestamp()),
        iat: Some(t.issued_at.timestamp()),
        sub: Some(cred.user.label().to_string()),
        aud: (!t.audience.is_empty()).then(|| t.audience.clone()),
        iss: Some(base_url(p.ip.known(), &headers, &state)),
    };
    let mut resp = Json(answer).into_response();
    no_store(resp.headers_mut());
    Ok(resp)
}

/// The introspection form (RFC 7662 §2.1), documented here; read by [`introspect`].
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) struct IntrospectForm {
    /// The secret to introspect.
    #[schema(min_length = 1)]
    token: String,
    /// Ignored (every tokctl secret says its type).
    #[schema(nullable = false)]
    token_type_hint: Option<String>,
}

fn inactive() -> Response {
    let mut resp = Json(Introspection::default()).into_response();
    no_store(resp.headers_mut());
    resp
}

/// This server's URL as the client reached it (see the module's notes), without a trailing
/// slash. `peer` decides whether forwarding headers are believed.
pub(crate) fn base_url(peer: Option<IpAddr>, headers: &HeaderMap, state: &SharedState) -> String {
    let trusted = peer.is_some_and(|ip| state.trusted_proxies.iter().any(|n| n.contains(&ip)));
    let header_value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or("").trim())
            .filter(|v| !v.is_empty())
    };
    let host = trusted
        .then(|| header_value("x-forwarded-host"))
        .flatten()
        .or_else(|| header_value("host"))
        .filter(|h| {
            h.len() <= 255
                && h.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                })
        })
        .unwrap_or("localhost");
    let scheme = match trusted.then(|| header_value("x-forwarded-proto")).flatten() {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// The catalog, as `scopes_supported`.
fn scopes_supported() -> Vec<String> {
    Permission::ALL
        .iter()
        .map(|p| p.as_str().to_string())
        .collect()
}

/// RFC 8414 authorization-server metadata.
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "oauth",
    responses((status = 200, body = AuthorizationServerMetadata)))]
pub(crate) async fn authorization_server_metadata(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Json<AuthorizationServerMetadata> {
    let base = base_url(Some(peer.ip()), &headers, &state);
    Json(AuthorizationServerMetadata {
        issuer: base.clone(),
        token_endpoint: format!("{base}{TOKEN_PATH}"),
        introspection_endpoint: format!("{base}{INTROSPECT_PATH}"),
        grant_types_supported: vec![GRANT_TOKEN_EXCHANGE.to_string()],
        token_endpoint_auth_methods_supported: vec!["none".into()],
        introspection_endpoint_auth_methods_supported: vec!["bearer".into()],
        scopes_supported: scopes_supported(),
        service_documentation: "https://github.com/tokctl/tokctl/blob/main/docs/delegation.md"
            .into(),
    })
}

fn protected_resource(base: &str, resource: String) -> ProtectedResourceMetadata {
    ProtectedResourceMetadata {
        resource,
        authorization_servers: vec![base.to_string()],
        bearer_methods_supported: vec!["header".into()],
        scopes_supported: scopes_supported(),
        resource_name: "tokctl".into(),
        resource_documentation: "https://github.com/tokctl/tokctl/blob/main/docs/delegation.md"
            .into(),
    }
}

/// RFC 9728 protected-resource metadata for `/mcp` (§3.1: the resource's path after the
/// well-known prefix). `/mcp`'s 401 names this URL as `resource_metadata`.
#[utoipa::path(get, path = "/.well-known/oauth-protected-resource/mcp", tag = "oauth",
    responses((status = 200, body = ProtectedResourceMetadata)))]
pub(crate) async fn protected_resource_mcp(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Json<ProtectedResourceMetadata> {
    let base = base_url(Some(peer.ip()), &headers, &state);
    Json(protected_resource(&base, format!("{base}/mcp")))
}

/// RFC 9728 protected-resource metadata for the server as a whole (`/v1`).
#[utoipa::path(get, path = "/.well-known/oauth-protected-resource", tag = "oauth",
    responses((status = 200, body = ProtectedResourceMetadata)))]
pub(crate) async fn protected_resource_root(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Json<ProtectedResourceMetadata> {
    let base = base_url(Some(peer.ip()), &headers, &state);
    Json(protected_resource(&base, base.clone()))
}

/// The `WWW-Authenticate` challenge of `/mcp`'s 401: RFC 6750's, with RFC 9728's
/// `resource_metadata` naming where an MCP client learns how to get a token.
pub(crate) fn mcp_challenge(base: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "Bearer error=\"invalid_token\", resource_metadata=\"{base}/.well-known/oauth-protected-resource/mcp\""
    ))
    .ok()
}
