//! Errors as `/mcp` answers them: JSON-RPC error bodies with the API error's HTTP status and
//! headers. Here, not in `mcp`, because the auth guard and the URL check in front of every
//! route answer `/mcp` requests too.

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::ApiError;
use crate::api::error::ErrorCode;

/// JSON-RPC error code for a request whose credential does not authenticate (DESIGN.md).
pub(crate) const UNAUTHENTICATED: i32 = -32001;
/// JSON-RPC error code for a credential outside its allowed networks.
pub(crate) const FORBIDDEN: i32 = -32003;
/// JSON-RPC error code for a token over its rate limit (`data.retry_after` in seconds).
pub(crate) const RATE_LIMITED: i32 = -32029;
/// JSON-RPC: the body is not JSON.
pub(crate) const PARSE_ERROR: i32 = -32700;
/// JSON-RPC: the body is JSON but not a valid request.
pub(crate) const INVALID_REQUEST: i32 = -32600;
const INTERNAL_ERROR: i32 = -32603;

/// The JSON-RPC error code of an API error: a request refused for its credential (a secret in
/// the URL or two credentials included) is -32001, like the 401s.
fn jsonrpc_code(code: ErrorCode) -> i32 {
    match code {
        ErrorCode::Unauthenticated
        | ErrorCode::TokenMalformed
        | ErrorCode::TokenUnknown
        | ErrorCode::TokenExpired
        | ErrorCode::TokenRevoked
        | ErrorCode::LoginFailed
        | ErrorCode::SignatureInvalid
        | ErrorCode::TokenInUrl
        | ErrorCode::AmbiguousCredential => UNAUTHENTICATED,
        ErrorCode::Forbidden
        | ErrorCode::IpNotAllowed
        | ErrorCode::WrongAudience
        | ErrorCode::ScopeExceedsCredential
        | ErrorCode::ExceedsCredential
        | ErrorCode::DelegationTooDeep => FORBIDDEN,
        ErrorCode::RateLimited => RATE_LIMITED,
        ErrorCode::BadRequest | ErrorCode::PayloadTooLarge | ErrorCode::Invalid => INVALID_REQUEST,
        ErrorCode::NotFound
        | ErrorCode::Conflict
        | ErrorCode::Unavailable
        | ErrorCode::Internal => INTERNAL_ERROR,
    }
}

/// An [`ApiError`] as an MCP answer: the error's HTTP status and headers, a JSON-RPC error body
/// for request `id` (null when unknown), `data.code` the API error code.
pub(crate) fn error_response(err: ApiError, id: Value) -> Response {
    let status = err.status();
    let mut data = json!({"code": err.code.as_str()});
    if let Some(secs) = err.retry_after {
        data["retry_after"] = json!(secs);
    }
    let body = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": jsonrpc_code(err.code), "message": err.message, "data": data},
    });
    let mut resp = (status, Json(body)).into_response();
    if let Some(secs) = err.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if let Some(challenge) = super::error::challenge(err.code) {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table by status this mapping replaced, for every code.
    #[test]
    fn jsonrpc_codes_are_the_ones_their_statuses_gave() {
        for code in ErrorCode::ALL {
            let by_status = match code.status() {
                401 => UNAUTHENTICATED,
                _ if matches!(code, ErrorCode::TokenInUrl | ErrorCode::AmbiguousCredential) => {
                    UNAUTHENTICATED
                }
                403 => FORBIDDEN,
                429 => RATE_LIMITED,
                400 | 413 | 422 => INVALID_REQUEST,
                _ => INTERNAL_ERROR,
            };
            assert_eq!(jsonrpc_code(code), by_status, "{code}");
        }
    }

    #[test]
    fn error_codes_map_to_jsonrpc() {
        assert_eq!(jsonrpc_code(ErrorCode::TokenRevoked), UNAUTHENTICATED);
        assert_eq!(jsonrpc_code(ErrorCode::Unauthenticated), UNAUTHENTICATED);
        assert_eq!(jsonrpc_code(ErrorCode::TokenInUrl), UNAUTHENTICATED);
        assert_eq!(jsonrpc_code(ErrorCode::IpNotAllowed), FORBIDDEN);
        assert_eq!(jsonrpc_code(ErrorCode::RateLimited), RATE_LIMITED);
        assert_eq!(jsonrpc_code(ErrorCode::Unavailable), INTERNAL_ERROR);
    }
}
