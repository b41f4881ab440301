//! Why a presented credential is refused, named once for every surface that says so: the
//! `reason` of a verify answer, the refusal forward-auth answers, and the `reason` of an
//! `auth.failed` audit event.

use serde::{Deserialize, Serialize};

use super::error::ErrorCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Reason {
    /// Not a token of this server (to verify: nor of the caller's org).
    Unknown,
    /// Not a well-formed tokctl secret, or no credential at all.
    Malformed,
    /// Two credentials in one request. Only in the audit: verify judges the one secret of its
    /// body, and forward-auth refuses two before judging.
    Ambiguous,
    Revoked,
    Expired,
    IpNotAllowed,
    /// The token's `audience` does not name the resource asked about (RFC 8707).
    WrongAudience,
    RateLimited,
    /// The token lacks the permission asked about.
    Forbidden,
    /// A wrong email or password at login. Only in the audit.
    LoginFailed,
}

impl Reason {
    #[cfg(test)]
    pub(crate) const ALL: [Reason; 10] = [
        Reason::Unknown,
        Reason::Malformed,
        Reason::Ambiguous,
        Reason::Revoked,
        Reason::Expired,
        Reason::IpNotAllowed,
        Reason::WrongAudience,
        Reason::RateLimited,
        Reason::Forbidden,
        Reason::LoginFailed,
    ];

    /// The reason as it is written on the wire (the serde name).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Reason::Unknown => "unknown",
            Reason::Malformed => "malformed",
            Reason::Ambiguous => "ambiguous",
            Reason::Revoked => "revoked",
            Reason::Expired => "expired",
            Reason::IpNotAllowed => "ip_not_allowed",
            Reason::WrongAudience => "wrong_audience",
            Reason::RateLimited => "rate_limited",
            Reason::Forbidden => "forbidden",
            Reason::LoginFailed => "login_failed",
        }
    }

    /// The API error a surface that answers with a status (forward-auth, a refused request)
    /// gives for this refusal; its status is the one the access log records.
    pub(crate) fn error_code(self) -> ErrorCode {
        match self {
            Reason::Unknown => ErrorCode::TokenUnknown,
            Reason::Malformed => ErrorCode::TokenMalformed,
            Reason::Ambiguous => ErrorCode::AmbiguousCredential,
            Reason::Revoked => ErrorCode::TokenRevoked,
            Reason::Expired => ErrorCode::TokenExpired,
            Reason::IpNotAllowed => ErrorCode::IpNotAllowed,
            Reason::WrongAudience => ErrorCode::WrongAudience,
            Reason::RateLimited => ErrorCode::RateLimited,
            Reason::Forbidden => ErrorCode::Forbidden,
            Reason::LoginFailed => ErrorCode::LoginFailed,
        }
    }

    /// The status a proxy answers for this refusal (and the access log records).
    pub(crate) fn status(self) -> u16 {
        self.error_code().status()
    }

    /// Whether the credential itself is not valid: nothing about its permissions is told then.
    pub(crate) fn is_invalid_credential(self) -> bool {
        match self {
            Reason::Unknown
            | Reason::Malformed
            | Reason::Ambiguous
            | Reason::Revoked
            | Reason::Expired
            | Reason::LoginFailed => true,
            Reason::IpNotAllowed
            | Reason::WrongAudience
            | Reason::RateLimited
            | Reason::Forbidden => false,
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every reason's wire name, as DESIGN.md (verify) and the audit log know them.
    const WIRE_NAMES: [(Reason, &str); 10] = [
        (Reason::Unknown, "unknown"),
        (Reason::Malformed, "malformed"),
        (Reason::Ambiguous, "ambiguous"),
        (Reason::Revoked, "revoked"),
        (Reason::Expired, "expired"),
        (Reason::IpNotAllowed, "ip_not_allowed"),
        (Reason::WrongAudience, "wrong_audience"),
        (Reason::RateLimited, "rate_limited"),
        (Reason::Forbidden, "forbidden"),
        (Reason::LoginFailed, "login_failed"),
    ];

    #[test]
    fn every_reason_serializes_to_its_wire_name_and_back() {
        assert_eq!(WIRE_NAMES.map(|(r, _)| r), Reason::ALL);
        for (reason, name) in WIRE_NAMES {
            let json = format!("\"{name}\"");
            assert_eq!(serde_json::to_string(&reason).unwrap(), json);
            assert_eq!(serde_json::from_str::<Reason>(&json).unwrap(), reason);
            assert_eq!(reason.as_str(), name);
        }
    }

    #[test]
    fn refusals_answer_the_statuses_proxies_expect() {
        for (reason, status) in [
            (Reason::Unknown, 401),
            (Reason::Malformed, 401),
            (Reason::Revoked, 401),
            (Reason::Expired, 401),
            (Reason::IpNotAllowed, 403),
            (Reason::WrongAudience, 403),
            (Reason::Forbidden, 403),
            (Reason::RateLimited, 429),
        ] {
            assert_eq!(reason.status(), status, "{reason}");
        }
    }
}
