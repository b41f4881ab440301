//! The error codes of the wire protocol, their HTTP statuses and the CLI exit codes they map to.
//! One table, used by the server to answer and by the CLI to exit.

use serde::{Deserialize, Serialize};

/// `{"error": {"code": "…", "message": "…"}}`, the body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

/// Every error code the API answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// No `Authorization: Bearer` header.
    Unauthenticated,
    TokenMalformed,
    TokenUnknown,
    TokenExpired,
    TokenRevoked,
    LoginFailed,
    /// The credential is valid but lacks the permission.
    Forbidden,
    /// The request came from outside the token's allowed networks.
    IpNotAllowed,
    /// A credential tried to mint or rotate a token, or grant a role, holding permissions it
    /// does not hold itself.
    ScopeExceedsCredential,
    /// A token tried to mint or rotate a token outliving it, with higher rate limits, or usable
    /// from networks it is not (the message names the field).
    ExceedsCredential,
    NotFound,
    Conflict,
    /// A field's value is refused (unknown scope, expiry beyond policy, weak password, …).
    Invalid,
    /// The body is not the JSON the endpoint takes.
    BadRequest,
    TokenInUrl,
    /// Two credentials in one request (two `Authorization` headers, or two in one): which one
    /// the request acts as would be a guess, so none is used.
    AmbiguousCredential,
    PayloadTooLarge,
    RateLimited,
    /// The server cannot reach its database; nothing was decided.
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 20] = [
        ErrorCode::Unauthenticated,
        ErrorCode::TokenMalformed,
        ErrorCode::TokenUnknown,
        ErrorCode::TokenExpired,
        ErrorCode::TokenRevoked,
        ErrorCode::LoginFailed,
        ErrorCode::Forbidden,
        ErrorCode::IpNotAllowed,
        ErrorCode::ScopeExceedsCredential,
        ErrorCode::ExceedsCredential,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::Invalid,
        ErrorCode::BadRequest,
        ErrorCode::TokenInUrl,
        ErrorCode::AmbiguousCredential,
        ErrorCode::PayloadTooLarge,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::TokenMalformed => "token_malformed",
            ErrorCode::TokenUnknown => "token_unknown",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::TokenRevoked => "token_revoked",
            ErrorCode::LoginFailed => "login_failed",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::IpNotAllowed => "ip_not_allowed",
            ErrorCode::ScopeExceedsCredential => "scope_exceeds_credential",
            ErrorCode::ExceedsCredential => "exceeds_credential",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Invalid => "invalid",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::TokenInUrl => "token_in_url",
            ErrorCode::AmbiguousCredential => "ambiguous_credential",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn status(self) -> u16 {
        match self {
            ErrorCode::Unauthenticated
            | ErrorCode::TokenMalformed
            | ErrorCode::TokenUnknown
            | ErrorCode::TokenExpired
            | ErrorCode::TokenRevoked
            | ErrorCode::LoginFailed => 401,
            ErrorCode::Forbidden
            | ErrorCode::IpNotAllowed
            | ErrorCode::ScopeExceedsCredential
            | ErrorCode::ExceedsCredential => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::Invalid => 422,
            ErrorCode::BadRequest | ErrorCode::TokenInUrl | ErrorCode::AmbiguousCredential => 400,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }

    /// The CLI exit code of DESIGN.md for this error.
    pub fn exit_code(self) -> u8 {
        exit::for_status(self.status())
    }
}

/// The CLI's exit codes (DESIGN.md "Exit codes").
pub mod exit {
    pub const OK: u8 = 0;
    pub const OTHER: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NOT_LOGGED_IN: u8 = 3;
    pub const FORBIDDEN: u8 = 4;
    pub const NOT_FOUND: u8 = 5;
    pub const REJECTED: u8 = 6;
    pub const RATE_LIMITED: u8 = 7;
    pub const UNREACHABLE: u8 = 8;

    /// Maps an HTTP status to an exit code; a 503 (database down) counts as unreachable so
    /// scripts retry it like a network failure.
    pub fn for_status(status: u16) -> u8 {
        match status {
            401 => NOT_LOGGED_IN,
            403 => FORBIDDEN,
            404 => NOT_FOUND,
            400 | 409 | 413 | 422 => REJECTED,
            429 => RATE_LIMITED,
            502..=504 => UNREACHABLE,
            _ => OTHER,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_refusals_of_the_request_exit_6() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        for code in [ErrorCode::TokenInUrl, ErrorCode::AmbiguousCredential] {
            assert_eq!(code.status(), 400);
            assert_eq!(code.exit_code(), exit::REJECTED);
        }
        assert_eq!(
            ErrorCode::AmbiguousCredential.as_str(),
            "ambiguous_credential"
        );
    }
}
