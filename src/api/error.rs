//! The error codes of the wire protocol, their HTTP statuses and the CLI exit codes they map to.
//! One enum, used by the server to answer and by the CLI to exit; each mapping is one `match`
//! the compiler checks for completeness.

use serde::{Deserialize, Serialize};

/// `{"error": {"code": "…", "message": "…"}}`, the body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    pub(crate) error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    // Documented as a plain string, as it always was: a client must accept codes it does not
    // know yet.
    #[schema(value_type = String)]
    pub(crate) code: WireCode,
    pub(crate) message: String,
}

/// Every error code the API answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No `Authorization: Bearer` header.
    Unauthenticated,
    TokenMalformed,
    TokenUnknown,
    TokenExpired,
    TokenRevoked,
    LoginFailed,
    /// A signed leak report (`/v1/leaks/github`) whose signature headers are missing, repeated,
    /// name an unknown key or do not match the body.
    SignatureInvalid,
    /// The credential is valid but lacks the permission.
    Forbidden,
    /// The request came from outside the token's allowed networks.
    IpNotAllowed,
    /// The token's `audience` does not name the resource it was presented to (RFC 8707):
    /// another resource server, or tokctl's own API (`tokctl`).
    WrongAudience,
    /// A credential tried to mint or rotate a token, or grant a role, holding permissions it
    /// does not hold itself.
    ScopeExceedsCredential,
    /// A token tried to mint or rotate a token outliving it, with higher rate limits, or usable
    /// from networks it is not (the message names the field).
    ExceedsCredential,
    /// A mint would make a delegation chain deeper than the org's `max_delegation_depth`.
    DelegationTooDeep,
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
    #[cfg(test)]
    pub(crate) const ALL: [ErrorCode; 23] = [
        ErrorCode::Unauthenticated,
        ErrorCode::TokenMalformed,
        ErrorCode::TokenUnknown,
        ErrorCode::TokenExpired,
        ErrorCode::TokenRevoked,
        ErrorCode::LoginFailed,
        ErrorCode::SignatureInvalid,
        ErrorCode::Forbidden,
        ErrorCode::IpNotAllowed,
        ErrorCode::WrongAudience,
        ErrorCode::ScopeExceedsCredential,
        ErrorCode::ExceedsCredential,
        ErrorCode::DelegationTooDeep,
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

    /// The code as it is written on the wire (the serde name); also the MCP error's
    /// `data.code` and the CLI's `--json` error code.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::TokenMalformed => "token_malformed",
            ErrorCode::TokenUnknown => "token_unknown",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::TokenRevoked => "token_revoked",
            ErrorCode::LoginFailed => "login_failed",
            ErrorCode::SignatureInvalid => "signature_invalid",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::IpNotAllowed => "ip_not_allowed",
            ErrorCode::WrongAudience => "wrong_audience",
            ErrorCode::ScopeExceedsCredential => "scope_exceeds_credential",
            ErrorCode::ExceedsCredential => "exceeds_credential",
            ErrorCode::DelegationTooDeep => "delegation_too_deep",
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

    #[cfg(feature = "server")]
    pub(crate) fn status(self) -> u16 {
        match self {
            ErrorCode::Unauthenticated
            | ErrorCode::TokenMalformed
            | ErrorCode::TokenUnknown
            | ErrorCode::TokenExpired
            | ErrorCode::TokenRevoked
            | ErrorCode::LoginFailed
            | ErrorCode::SignatureInvalid => 401,
            ErrorCode::Forbidden
            | ErrorCode::IpNotAllowed
            | ErrorCode::WrongAudience
            | ErrorCode::ScopeExceedsCredential
            | ErrorCode::ExceedsCredential
            | ErrorCode::DelegationTooDeep => 403,
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
    pub(crate) fn exit_code(self) -> u8 {
        match self {
            ErrorCode::Unauthenticated
            | ErrorCode::TokenMalformed
            | ErrorCode::TokenUnknown
            | ErrorCode::TokenExpired
            | ErrorCode::TokenRevoked
            | ErrorCode::LoginFailed
            | ErrorCode::SignatureInvalid => exit::NOT_LOGGED_IN,
            ErrorCode::Forbidden
            | ErrorCode::IpNotAllowed
            | ErrorCode::WrongAudience
            | ErrorCode::ScopeExceedsCredential
            | ErrorCode::ExceedsCredential
            | ErrorCode::DelegationTooDeep => exit::FORBIDDEN,
            ErrorCode::NotFound => exit::NOT_FOUND,
            ErrorCode::Conflict
            | ErrorCode::Invalid
            | ErrorCode::BadRequest
            | ErrorCode::TokenInUrl
            | ErrorCode::AmbiguousCredential
            | ErrorCode::PayloadTooLarge => exit::REJECTED,
            ErrorCode::RateLimited => exit::RATE_LIMITED,
            // Scripts retry a server without its database like a network failure.
            ErrorCode::Unavailable => exit::UNREACHABLE,
            ErrorCode::Internal => exit::OTHER,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error code as a client reads it: one of this build's, or one it does not know (a newer
/// server's), kept as sent. The server only ever writes `Known`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WireCode {
    Known(ErrorCode),
    /// Not a code of this build. The client also files here the names it gives answers that
    /// came without a tokctl error body (a proxy's 502 page): the status, not the name, is
    /// what such an answer says.
    Other(String),
}

impl WireCode {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            WireCode::Known(code) => code.as_str(),
            WireCode::Other(name) => name,
        }
    }

    pub(crate) fn known(&self) -> Option<ErrorCode> {
        match self {
            WireCode::Known(code) => Some(*code),
            WireCode::Other(_) => None,
        }
    }

    /// The CLI exit code of an error answer with this code and HTTP `status`: the code's own,
    /// or the status's for a code this build does not know.
    pub(crate) fn exit_code(&self, status: u16) -> u8 {
        match self {
            WireCode::Known(code) => code.exit_code(),
            WireCode::Other(_) => exit::for_status(status),
        }
    }
}

impl From<ErrorCode> for WireCode {
    fn from(code: ErrorCode) -> Self {
        WireCode::Known(code)
    }
}

impl std::fmt::Display for WireCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The CLI's exit codes (DESIGN.md "Exit codes").
pub mod exit {
    pub(crate) const OK: u8 = 0;
    pub const OTHER: u8 = 1;
    pub(crate) const USAGE: u8 = 2;
    pub(crate) const NOT_LOGGED_IN: u8 = 3;
    pub(crate) const FORBIDDEN: u8 = 4;
    pub(crate) const NOT_FOUND: u8 = 5;
    pub(crate) const REJECTED: u8 = 6;
    pub(crate) const RATE_LIMITED: u8 = 7;
    pub(crate) const UNREACHABLE: u8 = 8;
    /// `tokctl scan` found a secret (so a pre-commit hook or a CI step fails).
    pub(crate) const SECRETS_FOUND: u8 = 9;

    /// Maps an HTTP status to an exit code, for answers whose code this build does not know
    /// ([`super::WireCode::Other`]); a 503 (database down) or a gateway's 502/504 counts as
    /// unreachable so scripts retry it like a network failure.
    pub(crate) fn for_status(status: u16) -> u8 {
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

    /// Every code's wire name, as DESIGN.md and the clients in the field know them.
    const WIRE_NAMES: [(ErrorCode, &str); 23] = [
        (ErrorCode::Unauthenticated, "unauthenticated"),
        (ErrorCode::TokenMalformed, "token_malformed"),
        (ErrorCode::TokenUnknown, "token_unknown"),
        (ErrorCode::TokenExpired, "token_expired"),
        (ErrorCode::TokenRevoked, "token_revoked"),
        (ErrorCode::LoginFailed, "login_failed"),
        (ErrorCode::SignatureInvalid, "signature_invalid"),
        (ErrorCode::Forbidden, "forbidden"),
        (ErrorCode::IpNotAllowed, "ip_not_allowed"),
        (ErrorCode::WrongAudience, "wrong_audience"),
        (
            ErrorCode::ScopeExceedsCredential,
            "scope_exceeds_credential",
        ),
        (ErrorCode::ExceedsCredential, "exceeds_credential"),
        (ErrorCode::DelegationTooDeep, "delegation_too_deep"),
        (ErrorCode::NotFound, "not_found"),
        (ErrorCode::Conflict, "conflict"),
        (ErrorCode::Invalid, "invalid"),
        (ErrorCode::BadRequest, "bad_request"),
        (ErrorCode::TokenInUrl, "token_in_url"),
        (ErrorCode::AmbiguousCredential, "ambiguous_credential"),
        (ErrorCode::PayloadTooLarge, "payload_too_large"),
        (ErrorCode::RateLimited, "rate_limited"),
        (ErrorCode::Unavailable, "unavailable"),
        (ErrorCode::Internal, "internal"),
    ];

    #[test]
    fn every_code_serializes_to_its_design_name_and_back() {
        assert_eq!(WIRE_NAMES.map(|(c, _)| c), ErrorCode::ALL);
        for (code, name) in WIRE_NAMES {
            let json = format!("\"{name}\"");
            assert_eq!(serde_json::to_string(&code).unwrap(), json);
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
            assert_eq!(code.as_str(), name);
            let wire = WireCode::Known(code);
            assert_eq!(serde_json::to_string(&wire).unwrap(), json);
            assert_eq!(serde_json::from_str::<WireCode>(&json).unwrap(), wire);
        }
    }

    #[test]
    fn an_unknown_code_parses_and_exits_by_its_status() {
        let body = r#"{"error":{"code":"quota_exhausted","message":"m"}}"#;
        let parsed: ErrorBody = serde_json::from_str(body).unwrap();
        assert_eq!(parsed.error.code, WireCode::Other("quota_exhausted".into()));
        assert_eq!(serde_json::to_string(&parsed).unwrap(), body);
        assert_eq!(parsed.error.code.exit_code(429), exit::RATE_LIMITED);
        assert_eq!(parsed.error.code.exit_code(502), exit::UNREACHABLE);
        assert_eq!(parsed.error.code.exit_code(418), exit::OTHER);
    }

    #[cfg(feature = "server")]
    #[test]
    fn a_codes_exit_code_is_the_one_its_status_always_gave() {
        for code in ErrorCode::ALL {
            assert_eq!(code.exit_code(), exit::for_status(code.status()), "{code}");
        }
        for code in [ErrorCode::TokenInUrl, ErrorCode::AmbiguousCredential] {
            assert_eq!(code.status(), 400);
            assert_eq!(code.exit_code(), exit::REJECTED);
        }
    }
}
