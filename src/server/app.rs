//! The router: every route, the middleware in front of them, and the OpenAPI document.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;

use super::auth::{authenticate, authenticate_verify};
use super::error::ApiError;
use super::mcp;
use super::routes::{audit, forward_auth, health, me, org, sessions, tokens, users, verify};
use super::state::SharedState;
use crate::api::error::ErrorCode;
use crate::api::secret::looks_like_secret;

/// Request bodies are small JSON documents; anything bigger is refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;
/// A request that has not finished by then is answered 408 and dropped.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(OpenApi)]
#[openapi(
    info(title = "tokctl", description = "Scoped, revocable, rate-limited, audited access tokens."),
    paths(
        health::healthz, super::metrics::endpoint,
        sessions::login, sessions::logout,
        me::me,
        tokens::mint, tokens::list, tokens::show, tokens::revoke, tokens::rotate, tokens::bulk_revoke,
        users::list, users::add, users::set_role, users::remove,
        org::get_policy, org::patch_policy,
        verify::verify, forward_auth::forward_auth,
        audit::audit, audit::usage,
        mcp_endpoint,
    ),
    modifiers(&BearerAuth, &CommonResponses),
)]
pub struct ApiDoc;

/// The error answers every `/v1` operation can give, whatever its handler: a malformed body,
/// query or path and a secret in the URL (400), an oversized body (413), and for authenticated
/// operations a missing, malformed, unknown, expired or revoked credential (401), a credential
/// outside its networks or lacking the permission (403), its rate limit (429); the database
/// being unreachable (503) anywhere. Documented once here so the schema matches what clients
/// (and schemathesis, `.ci/schemathesis.sh`) actually receive.
struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in doc.paths.paths.iter_mut() {
            if !path.starts_with("/v1/") {
                continue;
            }
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let authenticated = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let mut add = |code: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(code.to_string())
                        .or_insert_with(|| error(description).into());
                };
                add("400", "malformed request, or a secret in the URL");
                if op.request_body.is_some() {
                    // A body of the wrong shape (`"name": 5`, a missing field) is a refused
                    // value like any other: 422, whatever else the operation refuses.
                    add(
                        "422",
                        "a value in the body is refused; the message names the field",
                    );
                }
                add("503", "the database is unreachable; nothing was changed");
                add("413", "the request body is too large");
                add("429", "rate limited (see Retry-After)");
                if authenticated {
                    add(
                        "401",
                        "no credential, or a malformed, unknown, expired or revoked one",
                    );
                    add(
                        "403",
                        "the credential lacks the permission or is outside its networks",
                    );
                }
            }
        }
    }
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The MCP endpoint (streamable HTTP, JSON-RPC 2.0), documented here; it is served by rmcp.
/// Methods: `initialize`, `tools/list`, `tools/call` with the tools `whoami`, `list_tokens`,
/// `revoke_token`, `audit`. Send `Accept: application/json, text/event-stream`.
#[utoipa::path(post, path = "/mcp", tag = "mcp", security(("bearer" = [])),
    request_body(content = crate::api::types::JsonRpcRequest, description = "a JSON-RPC 2.0 request", content_type = "application/json"),
    responses(
        (status = 200, body = serde_json::Value, description = "the JSON-RPC response; tool refusals are results with isError"),
        (status = 202, description = "a JSON-RPC notification or response: accepted, no body"),
        (status = 400, body = serde_json::Value, description = "a secret in the URL: JSON-RPC error -32001"),
        (status = 401, body = serde_json::Value, description = "missing, malformed, unknown, expired or revoked token: JSON-RPC error -32001, WWW-Authenticate: Bearer error=\"invalid_token\""),
        (status = 403, body = serde_json::Value, description = "outside the token's allowed networks: JSON-RPC error -32003"),
        (status = 406, body = String, content_type = "text/plain", description = "the Accept header does not include both application/json and text/event-stream (MCP streamable HTTP)"),
        (status = 415, body = String, content_type = "text/plain", description = "the body is not application/json"),
        (status = 429, body = serde_json::Value, description = "over the token's rate limit: JSON-RPC error -32029, Retry-After")))]
pub async fn mcp_endpoint() {}

/// rmcp answers transport errors (406, 415) with a plain body and no `Content-Type`; say what
/// it is, as the OpenAPI document does.
async fn plain_text_if_untyped(mut resp: Response) -> Response {
    if !resp
        .headers()
        .contains_key(axum::http::header::CONTENT_TYPE)
        && resp.status().is_client_error()
    {
        resp.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
    resp
}

/// Refuses any request that carries a secret in its URL, before anything logs the URL
/// (on `/mcp` as a JSON-RPC error).
async fn refuse_secret_in_url(req: Request, next: Next) -> Response {
    if let Some(q) = req.uri().query() {
        let decoded = percent_decode(q);
        if decoded.contains("access_token=") || looks_like_secret(&decoded) {
            let err = ApiError::new(
                ErrorCode::TokenInUrl,
                "a secret was sent in the URL; send it only in the `Authorization: Bearer` header \
                 (and treat this secret as leaked: rotate it)",
            );
            if req.uri().path() == "/mcp" {
                return mcp::error_response(err, serde_json::Value::Null);
            }
            return err.into_response();
        }
    }
    next.run(req).await
}

/// Enough percent-decoding to see a secret hidden as `%74okctl_…`.
fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let pair = (bytes[i] == b'%')
            .then(|| Some((hex(*bytes.get(i + 1)?)?, hex(*bytes.get(i + 2)?)?)))
            .flatten();
        match pair {
            Some((hi, lo)) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            None => {
                out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint (GET /openapi.json lists them)")
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

pub fn router(state: SharedState) -> Router {
    let authenticated = Router::new()
        .route(
            "/v1/sessions/current",
            axum::routing::delete(sessions::logout),
        )
        .route("/v1/me", get(me::me))
        .route("/v1/tokens", get(tokens::list).post(tokens::mint))
        .route("/v1/tokens/revoke", post(tokens::bulk_revoke))
        .route("/v1/tokens/{token}", get(tokens::show))
        .route("/v1/tokens/{token}/revoke", post(tokens::revoke))
        .route("/v1/tokens/{token}/rotate", post(tokens::rotate))
        .route("/v1/tokens/{token}/usage", get(audit::usage))
        .route("/v1/audit", get(audit::audit))
        .route("/v1/users", get(users::list).post(users::add))
        .route(
            "/v1/users/{member}",
            axum::routing::patch(users::set_role).delete(users::remove),
        )
        .route(
            "/v1/org/policy",
            get(org::get_policy).patch(org::patch_policy),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
    let verify = Router::new()
        .route("/v1/verify", post(verify::verify))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            authenticate_verify,
        ));
    let mcp = Router::new()
        .route_service("/mcp", mcp::service(state.clone()))
        .route_layer(middleware::map_response(plain_text_if_untyped))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            mcp::authenticate_mcp,
        ));
    let routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/openapi.json", get(openapi))
        .route("/metrics", get(super::metrics::endpoint))
        .route("/v1/sessions", post(sessions::login))
        .route("/v1/forward-auth", get(forward_auth::forward_auth))
        .merge(authenticated)
        .merge(verify)
        .merge(mcp)
        .fallback(not_found)
        .with_state(state.clone());
    // The layers every request passes wrap the router once. `Router::layer` would wrap each
    // route in them, and each layer's boxed service would be cloned (allocated) per request:
    // 22 of the 48 allocations of a /healthz request, measured with callgrind.
    let stack = tower::ServiceBuilder::new()
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(middleware::from_fn_with_state(
            state,
            super::metrics::observe,
        ))
        .layer(middleware::from_fn(refuse_secret_in_url))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .service(routes);
    Router::new().fallback_service(stack)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoded_secrets_are_seen() {
        assert!(looks_like_secret(&percent_decode("x=%74okctl_pat_abc")));
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("a+b%20c"), "a b c");
        assert_eq!(percent_decode("%é%"), "%é%");
    }
}
