//! The router: every route, the middleware in front of them, and the OpenAPI document.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;

use super::auth::authenticate;
use super::http::body::BODY_LIMIT;
use super::http::error::ApiError;
use super::mcp;
use super::routes::{
    audit, forward_auth, health, leaks, me, metrics, oauth, org, sessions, tokens, trust, users,
    verify,
};
use super::service::trust::jwks::JwksCache;
use super::state::SharedState;
use crate::api::error::ErrorCode;
use crate::api::secret::url_part_carries_secret;

/// A request that has not finished by then is answered 408 and dropped.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(OpenApi)]
#[openapi(
    info(title = "tokctl", description = "Scoped, revocable, rate-limited, audited access tokens."),
    paths(
        health::healthz, metrics::endpoint,
        sessions::login, sessions::logout,
        me::me,
        tokens::mint, tokens::list, tokens::show, tokens::revoke, tokens::rotate, tokens::bulk_revoke,
        users::list, users::add, users::set_role, users::remove,
        org::get_policy, org::patch_policy,
        trust::add, trust::list, trust::show, trust::remove,
        verify::verify, forward_auth::forward_auth,
        leaks::report, leaks::github,
        audit::audit, audit::usage,
        oauth::token, oauth::introspect,
        oauth::authorization_server_metadata, oauth::protected_resource_root, oauth::protected_resource_mcp,
        mcp_endpoint,
    ),
    modifiers(&BearerAuth, &CommonResponses),
)]
pub(crate) struct ApiDoc;

/// The error answers every `/v1` operation can give, whatever its handler: a malformed body,
/// query or path, a secret in the URL and two credentials (400), an oversized body (413), and for authenticated
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
                add(
                    "400",
                    "malformed request, a secret in the URL (`token_in_url`), or two credentials \
                     (`ambiguous_credential`)",
                );
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
/// `revoke_token`, `audit`, `delegate`. Send `Accept: application/json, text/event-stream`. A browser's
/// request (one with an `Origin` header) is served only from an origin given with
/// `--mcp-allowed-origin`.
#[utoipa::path(post, path = "/mcp", tag = "mcp", security(("bearer" = [])),
    request_body(content = crate::api::types::JsonRpcRequest, description = "a JSON-RPC 2.0 request", content_type = "application/json"),
    responses(
        (status = 200, body = serde_json::Value, description = "the JSON-RPC response; tool refusals are results with isError"),
        (status = 202, description = "a JSON-RPC notification or response: accepted, no body"),
        (status = 400, body = serde_json::Value, description = "JSON-RPC error: -32700 the body is not JSON; -32600 not a JSON-RPC 2.0 request; -32001 a secret in the URL (`token_in_url`) or two credentials (`ambiguous_credential`, WWW-Authenticate: Bearer error=\"invalid_request\")"),
        (status = 401, body = serde_json::Value, description = "missing, malformed, unknown, expired or revoked token: JSON-RPC error -32001, WWW-Authenticate: Bearer error=\"invalid_token\", resource_metadata=\"…/.well-known/oauth-protected-resource/mcp\" (RFC 9728)"),
        (status = 403, body = serde_json::Value, description = "JSON-RPC error -32003: an `Origin` header not allowed by --mcp-allowed-origin (or two of them), a request from outside the token's allowed networks, or a token whose audience lacks `tokctl` (`wrong_audience`)"),
        (status = 406, body = String, content_type = "text/plain", description = "the Accept header does not include both application/json and text/event-stream (MCP streamable HTTP)"),
        (status = 413, body = serde_json::Value, description = "the body is larger than 64 KiB: JSON-RPC error -32600"),
        (status = 415, body = String, content_type = "text/plain", description = "the Content-Type is not application/json"),
        (status = 429, body = serde_json::Value, description = "over the token's rate limit: JSON-RPC error -32029, Retry-After")))]
#[expect(
    dead_code,
    reason = "only its OpenAPI description is used: rmcp serves /mcp"
)]
pub(crate) async fn mcp_endpoint() {}

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

/// Refuses any request that carries a secret in its URL, path or query (see
/// [`url_part_carries_secret`]: any segment, after percent-decoding, checksum or not), before
/// routing, authentication, the access log and the audit log see it (on `/mcp` as a JSON-RPC
/// error). The request log of [`metrics::observe`], which wraps this layer to count the
/// refusal, writes the path redacted.
async fn refuse_secret_in_url(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let in_url = url_part_carries_secret(uri.path(), false)
        || uri
            .query()
            .is_some_and(|q| url_part_carries_secret(q, true));
    if in_url {
        let err = ApiError::new(
            ErrorCode::TokenInUrl,
            "a secret was sent in the URL; send it only in the `Authorization: Bearer` header, \
             and refer to tokens by id (tk_…) or name (and treat this secret as leaked: rotate it)",
        );
        let path = uri.path();
        if path == "/mcp" || path.starts_with("/mcp/") {
            return super::http::jsonrpc::error_response(err, serde_json::Value::Null);
        }
        return err.into_response();
    }
    next.run(req).await
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint (GET /openapi.json lists them)")
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

pub(crate) fn router(state: SharedState) -> Router {
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
        .route("/v1/trust", get(trust::list).post(trust::add))
        .route("/v1/trust/{name}", get(trust::show).delete(trust::remove))
        .route(
            "/v1/org/policy",
            get(org::get_policy).patch(org::patch_policy),
        )
        .route("/v1/oauth/introspect", post(oauth::introspect))
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
    // `/metrics` needs `audit:read`, through the same guard as `/v1` (counted and rate-limited
    // like every call), unless `--metrics-unauthenticated` serves it to anyone.
    let metrics = Router::new().route("/metrics", get(metrics::endpoint));
    let metrics = match state.metrics_unauthenticated {
        true => metrics,
        false => metrics.route_layer(middleware::from_fn_with_state(state.clone(), authenticate)),
    };
    let verify = Router::new()
        .route("/v1/verify", post(verify::verify))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            verify::authenticate_verify,
        ));
    // Leak reports need no credential (a sent one is checked) and keep to their own budget
    // (`ratelimit::leak_intake`) and body limits.
    let leaks = Router::new()
        .route("/v1/leaks", post(leaks::report))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            leaks::optional_authenticate,
        ))
        .route("/v1/leaks/github", post(leaks::github));
    let mcp = Router::new()
        .route_service("/mcp", mcp::service(state.clone()))
        .route_layer(middleware::map_response(plain_text_if_untyped))
        .route_layer(middleware::from_fn(mcp::jsonrpc_body_errors))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            mcp::authenticate_mcp,
        ));
    let routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/openapi.json", get(openapi))
        .route("/v1/sessions", post(sessions::login))
        .route("/v1/forward-auth", get(forward_auth::forward_auth))
        .route(
            "/v1/oauth/token",
            post(oauth::token).layer(axum::Extension(Arc::new(JwksCache::new(
                state.oidc_min_refetch,
            )))),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::authorization_server_metadata),
        )
        .route(
            "/.well-known/oauth-protected-resource",
            get(oauth::protected_resource_root),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(oauth::protected_resource_mcp),
        )
        .merge(authenticated)
        .merge(metrics)
        .merge(verify)
        .merge(leaks)
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
        .layer(middleware::from_fn_with_state(state, metrics::observe))
        .layer(middleware::from_fn(refuse_secret_in_url))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .service(routes);
    Router::new().fallback_service(stack)
}
