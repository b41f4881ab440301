//! `POST /mcp`: the MCP endpoint (streamable HTTP, JSON-RPC 2.0) on the official `rmcp` SDK,
//! authenticated with the same tokens as `/v1`, with tools that call the same service functions
//! as their REST routes (`whoami` ↔ `GET /v1/me`, `list_tokens` ↔ `GET /v1/tokens`,
//! `revoke_token` ↔ `POST /v1/tokens/{id}/revoke`, `audit` ↔ `GET /v1/audit`, `delegate` ↔
//! `POST /v1/oauth/token`'s token exchange, with the calling token as the subject).
//!
//! How rmcp 3.11 is wired here (read from its source, `transport/streamable_http_server/tower.rs`):
//!
//! - `StreamableHttpService` is a tower `Service<http::Request<B>>` answering
//!   `Response<BoxBody<Bytes, Infallible>>` with `Error = Infallible`, so axum mounts it with
//!   `Router::route_service("/mcp", …)`, and `route_layer` puts our middleware in front of it.
//! - Stateless mode is `legacy_session_mode: false` (sessions are gone from the 2026-07-28
//!   protocol anyway): every POST is served by a fresh handler from the factory closure, with no
//!   `Mcp-Session-Id` and no in-memory session that could outlive a revocation. With
//!   `json_response: true` a plain request/response answers `application/json` instead of an
//!   SSE stream. The session manager is then unused; [`NeverSessionManager`] says so.
//! - A POST must send `Accept: application/json, text/event-stream` (else 406) and
//!   `Content-Type: application/json` (else 415); that is rmcp's, per the MCP spec.
//! - rmcp validates the `Host` header against loopback names by default (a DNS-rebinding defence
//!   for unauthenticated local servers). Deployments sit behind real host names, so that check
//!   is disabled; the MCP spec's own defence, the `Origin` check, is ours instead
//!   ([`super::http::origin`], `--mcp-allowed-origin`): a browser's request from an origin not listed
//!   is refused with 403 and a JSON-RPC error (-32003) before authentication, so it gets
//!   nothing done and writes nothing. rmcp's Origin check answers plain text, so it is unused.
//! - The handler sees the HTTP request: rmcp inserts the request's `http::request::Parts` into
//!   the JSON-RPC request's extensions, so `RequestContext::extensions.get::<Parts>()` gives the
//!   headers and the axum extensions, where the auth middleware put the [`Principal`].
//! - Unauthenticated requests never reach rmcp: [`authenticate_mcp`] reads the (small) body to
//!   learn the JSON-RPC `id`, then runs the same guard as `/v1` ([`auth::guard`]) with
//!   [`error_response`] as the renderer: HTTP 401, `WWW-Authenticate: Bearer
//!   error="invalid_token"`, and `{"jsonrpc":"2.0","id":…,"error":{"code":-32001,…}}` whose
//!   message names the reason (missing, malformed, unknown, expired, revoked). Over the rate
//!   limit it is HTTP 429 with `Retry-After` and code
//!   [`RATE_LIMITED`](super::http::jsonrpc::RATE_LIMITED); a secret in the URL
//!   (see `router::refuse_secret_in_url`) or two credentials (`ambiguous_credential`) is HTTP 400
//!   with code -32001.
//! - A body rmcp cannot parse gets HTTP 400 and -32700 (not JSON) or -32600 (not a JSON-RPC
//!   2.0 message) from [`jsonrpc_body_errors`], instead of rmcp's 415 with plain text.
//!
//! Tool-level refusals (a permission the token lacks, a token not found) are tool results with
//! `isError: true` and `{"error": {"code", "message"}}` as structured content — the MCP
//! convention, so the agent sees why — not JSON-RPC errors.

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ErrorData, Implementation, JsonObject,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{RoleServer, ServerHandler};
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;

use super::auth::{self, Principal, Surface};
use super::http::body::{BODY_LIMIT, too_large};
use super::http::client_ip::client_ip;
use super::http::error::ApiError;
use super::http::jsonrpc::{INVALID_REQUEST, PARSE_ERROR, error_response};
use super::http::origin;
use super::routes::oauth;
use super::service::exchange::{self, Delegation};
use super::service::{audit, tokens};
use super::state::SharedState;
use crate::api::error::ErrorCode;
use crate::api::types::{AuditQuery, ListTokensQuery};

/// The JSON-RPC `id` of a request body (null for a batch, a notification or junk).
fn request_id(body: &[u8]) -> Value {
    #[derive(Deserialize)]
    struct Envelope {
        #[serde(default)]
        id: Value,
    }
    serde_json::from_slice::<Envelope>(body)
        .map(|e| e.id)
        .unwrap_or(Value::Null)
}

/// The middleware in front of `/mcp`: the `Origin` check, then the `/v1` guard with JSON-RPC
/// errors.
pub(crate) async fn authenticate_mcp(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    // Before anything else: a page a browser was tricked into (DNS rebinding) gets nothing
    // done, not even a failed-authentication row.
    if !origin::allowed(req.headers(), &state.mcp_allowed_origins) {
        return error_response(
            ApiError::forbidden(
                "this request's `Origin` is not one the server allows for /mcp (one `Origin` \
                 header naming an origin given with --mcp-allowed-origin; non-browser clients \
                 send none)",
            ),
            Value::Null,
        );
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return error_response(too_large(), Value::Null);
    };
    let id = request_id(&bytes);
    let ip = client_ip(peer.ip(), &parts.headers, &state.trusted_proxies);
    let base = oauth::base_url(Some(peer.ip()), &parts.headers, &state);
    let req = Request::from_parts(parts, Body::from(bytes));
    let mut resp = auth::guard(&state, ip, req, next, Surface::Mcp { id }, None).await;
    // The MCP authorization spec: a 401 names the protected-resource metadata (RFC 9728 §5.1).
    if resp.status() == StatusCode::UNAUTHORIZED
        && let Some(challenge) = oauth::mcp_challenge(&base)
    {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    resp
}

/// Answers a POST whose body is not JSON (-32700 parse error) or not a JSON-RPC 2.0 message
/// (-32600 invalid request) with HTTP 400 and a JSON-RPC error body, as MCP clients expect.
/// rmcp makes the transport checks (406 for the Accept header, 415 for the Content-Type) and
/// then parses the body, answering a body it cannot parse with 415 and plain text: that one
/// answer is rewritten here, so the order of the checks stays rmcp's and a good request costs
/// no second parse. Runs after authentication, like the body checks of the REST routes.
pub(crate) async fn jsonrpc_body_errors(req: Request, next: Next) -> Response {
    if req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    let declared_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let essence = v.split_once(';').map_or(v, |(essence, _)| essence);
            essence.trim().eq_ignore_ascii_case("application/json")
        });
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return error_response(too_large(), Value::Null);
    };
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    if declared_json && resp.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        return jsonrpc_problem(&bytes);
    }
    resp
}

/// The JSON-RPC error for a body rmcp cannot take: -32700 when it is not JSON, else -32600
/// naming the first rule of JSON-RPC 2.0 it breaks. The messages never quote the body.
fn jsonrpc_problem(body: &[u8]) -> Response {
    let (code, id, message) = match serde_json::from_slice::<Value>(body) {
        Err(e) => (
            PARSE_ERROR,
            Value::Null,
            format!(
                "parse error: the body is not JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        ),
        Ok(v) => {
            let id = match v.get("id") {
                Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
                _ => Value::Null,
            };
            (
                INVALID_REQUEST,
                id,
                format!("invalid request: {}", jsonrpc_rule_broken(&v)),
            )
        }
    };
    let body = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code, "message": message, "data": {"code": ErrorCode::BadRequest.as_str()}},
    });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// Which rule of a JSON-RPC 2.0 message (as MCP uses it: no batches) `v` breaks.
fn jsonrpc_rule_broken(v: &Value) -> &'static str {
    let Some(obj) = v.as_object() else {
        return "a JSON-RPC 2.0 message is one JSON object (MCP does not take batches)";
    };
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return "`jsonrpc` must be \"2.0\"";
    }
    if let Some(id) = obj.get("id")
        && !matches!(id, Value::String(_) | Value::Number(_))
    {
        return "`id` must be a string or an integer";
    }
    match obj.get("method") {
        Some(Value::String(_)) => {}
        Some(_) => return "`method` must be a string",
        None if obj.contains_key("result") || obj.contains_key("error") => {}
        None => return "`method` is missing",
    }
    if obj
        .get("params")
        .is_some_and(|p| !matches!(p, Value::Object(_)))
    {
        return "`params` must be an object";
    }
    "the message does not match any JSON-RPC 2.0 request, notification or response MCP takes \
     (check the parameters of the method)"
}

/// The rmcp service mounted at `/mcp`.
pub(crate) fn service(state: SharedState) -> StreamableHttpService<TokctlMcp, NeverSessionManager> {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(BODY_LIMIT)
        .disable_allowed_hosts();
    StreamableHttpService::new(
        move || Ok(TokctlMcp::new(state.clone())),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// The MCP server: one per request (stateless), holding only the shared state.
#[derive(Clone)]
pub(crate) struct TokctlMcp {
    state: SharedState,
}

impl TokctlMcp {
    pub(crate) fn new(state: SharedState) -> Self {
        TokctlMcp { state }
    }
}

fn schema(v: Value) -> JsonObject {
    match v {
        Value::Object(map) => map,
        _ => JsonObject::new(),
    }
}

fn string_prop(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

/// The tools, with their JSON Schemas.
pub(crate) fn tools() -> Vec<Tool> {
    let page = json!({"type": "integer", "minimum": 1, "maximum": 500, "description": "page size (default 100)"});
    let cursor = string_prop("next_cursor of the previous page");
    vec![
        Tool::new(
            "whoami",
            "Who this token is: user, role, org, the token itself (expiry, rate limit) and its \
             effective permissions (scopes ∩ the owner's current role).",
            schema(json!({"type": "object", "properties": {}, "additionalProperties": false})),
        )
        .with_annotations(ToolAnnotations::new().read_only(true)),
        Tool::new(
            "list_tokens",
            "List tokens (never their secrets): the caller's own by default (tokens:read), another \
             member's or everyone's (`owner: \"*\"`) with tokens:admin.",
            schema(json!({
                "type": "object",
                "properties": {
                    "owner": string_prop("a member's email or name, or `*` for everyone"),
                    "status": {"type": "string", "enum": ["active", "expired", "revoked", "all"]},
                    "type": {"type": "string", "enum": ["pat", "mcp", "ses", "all"]},
                    "expiring_within": string_prop("active tokens expiring within this duration, e.g. 7d"),
                    "unused_for": string_prop("tokens not used for this duration, e.g. 30d"),
                    "cursor": cursor,
                    "limit": page,
                },
                "additionalProperties": false,
            })),
        )
        .with_annotations(ToolAnnotations::new().read_only(true)),
        Tool::new(
            "revoke_token",
            "Revoke a token at once, on every surface. Without `token` it revokes the calling \
             token itself (an agent done with its work). One's own tokens with tokens:write, any \
             in the org with tokens:admin. Revoking a revoked token succeeds and says so.",
            schema(json!({
                "type": "object",
                "properties": {
                    "token": string_prop("token id (tk_…) or name; default: this token"),
                    "owner": string_prop("for a token named rather than given by id: whose"),
                    "reason": string_prop("why, for the audit log"),
                },
                "additionalProperties": false,
            })),
        )
        .with_annotations(
            ToolAnnotations::new()
                .read_only(false)
                .destructive(true)
                .idempotent(true),
        ),
        Tool::new(
            "audit",
            "Read the org's audit events (default) or access log, newest first (audit:read).",
            schema(json!({
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["events", "access"]},
                    "token": string_prop("token id (tk_…) or the name of one of the caller's tokens"),
                    "user": string_prop("a member's email or name"),
                    "action": {"type": "string", "enum": audit::ACTIONS},
                    "since": string_prop("a duration back from now (24h, 7d) or an RFC 3339 time"),
                    "cursor": cursor,
                    "limit": page,
                },
                "additionalProperties": false,
            })),
        )
        .with_annotations(ToolAnnotations::new().read_only(true)),
        Tool::new(
            "delegate",
            "Hand a sub-agent or tool a narrower token of its own (a child of this token): scopes \
             within this token's permissions (default: all of them), audience within this \
             token's, lifetime 15 minutes by default and never beyond this token's. Revoking \
             this token revokes it too. The answer holds the new secret once: pass it on, never \
             log it.",
            schema(json!({
                "type": "object",
                "properties": {
                    "scopes": {"type": "array", "items": {"type": "string"}, "description": "permissions, e.g. [\"work:read\"]; default: this token's"},
                    "audience": {"type": "array", "items": {"type": "string"}, "description": "resources the new token may be presented to (RFC 8707), e.g. an MCP server's URL; `tokctl` for tokctl itself; default: this token's"},
                    "expires": string_prop("lifetime such as 10m or 2h (default 15m, at most this token's remaining lifetime)"),
                },
                "additionalProperties": false,
            })),
        )
        .with_annotations(ToolAnnotations::new().read_only(false).destructive(false)),
    ]
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DelegateArgs {
    scopes: Option<Vec<String>>,
    #[serde(default)]
    audience: Vec<String>,
    expires: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeArgs {
    token: Option<String>,
    owner: Option<String>,
    reason: Option<String>,
}

fn arguments<T: serde::de::DeserializeOwned>(args: Option<JsonObject>) -> Result<T, ErrorData> {
    serde_json::from_value(Value::Object(args.unwrap_or_default()))
        // serde names the field and expected type, never the argument's value.
        .map_err(|e| ErrorData::invalid_params(format!("invalid arguments: {e}"), None))
}

fn to_value<T: serde::Serialize>(v: T) -> Result<Value, ApiError> {
    serde_json::to_value(v)
        .map_err(|_| ApiError::new(ErrorCode::Internal, "could not encode the result"))
}

impl TokctlMcp {
    async fn run_tool(
        &self,
        p: &Principal,
        name: &str,
        args: Option<JsonObject>,
    ) -> Result<Result<Value, ApiError>, ErrorData> {
        let state = &self.state;
        Ok(match name {
            "whoami" => {
                arguments::<serde_json::Map<String, Value>>(args)?;
                match super::service::me::describe(state, p).await {
                    Ok(me) => to_value(me),
                    Err(e) => Err(e),
                }
            }
            "list_tokens" => {
                let q: ListTokensQuery = arguments(args)?;
                match tokens::list(state, p, q).await {
                    Ok(page) => to_value(page),
                    Err(e) => Err(e),
                }
            }
            "revoke_token" => {
                let a: RevokeArgs = arguments(args)?;
                let reference = a.token.unwrap_or_else(|| p.token.id.clone());
                match tokens::revoke(state, p, &reference, a.owner.as_deref(), a.reason, false)
                    .await
                {
                    Ok(r) => to_value(r),
                    Err(e) => Err(e),
                }
            }
            "audit" => {
                let q: AuditQuery = arguments(args)?;
                match audit::query(state, p, q).await {
                    Ok(page) => to_value(page),
                    Err(e) => Err(e),
                }
            }
            "delegate" => {
                let a: DelegateArgs = arguments(args)?;
                let d = Delegation {
                    scopes: a.scopes,
                    audience: a.audience,
                    expires: a.expires,
                };
                match exchange::delegate(state, p, d).await {
                    Ok(issued) => to_value(issued),
                    Err(e) => Err(e),
                }
            }
            other => {
                return Err(ErrorData::invalid_params(
                    format!("unknown tool `{other}`; tools/list names them"),
                    None,
                ));
            }
        })
    }
}

impl ServerHandler for TokctlMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("tokctl", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "tokctl: scoped, revocable, rate-limited access tokens. `whoami` shows what this \
                 token may do; `revoke_token` with no arguments revokes this token when the work \
                 is done.",
            )
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools().into_iter().find(|t| t.name == name)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        // Put there by `authenticate_mcp`, which runs before every request reaches rmcp.
        let principal = context
            .extensions
            .get::<Parts>()
            .and_then(|parts| parts.extensions.get::<Principal>())
            .cloned()
            .ok_or_else(|| ErrorData::internal_error("the request was not authenticated", None))?;
        let result = self
            .run_tool(&principal, &request.name, request.arguments)
            .await?;
        Ok(match result {
            Ok(value) => CallToolResult::structured(value),
            Err(e) => CallToolResult::structured_error(json!({
                "error": {"code": e.code.as_str(), "message": e.message}
            })),
        }
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_read_from_bodies() {
        assert_eq!(
            request_id(br#"{"jsonrpc":"2.0","id":7,"method":"x"}"#),
            json!(7)
        );
        assert_eq!(request_id(br#"{"id":"a"}"#), json!("a"));
        assert_eq!(request_id(b"[1,2]"), Value::Null);
        assert_eq!(request_id(b"junk"), Value::Null);
    }

    #[test]
    fn every_tool_has_an_object_schema() {
        let names: Vec<_> = tools().iter().map(|t| t.name.to_string()).collect();
        assert_eq!(
            names,
            ["whoami", "list_tokens", "revoke_token", "audit", "delegate"]
        );
        for t in tools() {
            assert_eq!(t.input_schema["type"], "object");
        }
    }
}
