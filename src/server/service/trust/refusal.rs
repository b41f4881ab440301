//! Why an ID token exchange was refused. The caller only ever hears `invalid_grant` (an
//! attacker learns nothing about which check failed); the `auth.failed` audit event names the
//! precise reason for the admins.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not a JWT, or a required claim (`iss`, `sub`, `aud`, `exp`, `iat`, `jti`) is missing.
    Malformed,
    /// `alg` is not RS256, ES256 or EdDSA (`none` and every HMAC: algorithm confusion).
    BadAlgorithm,
    /// No trust policy names this `iss`.
    UnknownIssuer,
    /// The issuer's key set has no key of that `kid`, even after a refetch.
    UnknownKey,
    /// The issuer's keys could not be fetched (discovery or JWKS).
    IssuerUnavailable,
    BadSignature,
    WrongAudience,
    Expired,
    NotYetValid,
    /// This `jti` was exchanged already.
    Replayed,
    /// Signed and valid, but no policy's subject and claim patterns match.
    NoMatchingTrust,
    /// The matching policy's service account is gone or no longer a service account.
    OwnerUnavailable,
}

impl Refusal {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::BadAlgorithm => "bad_algorithm",
            Refusal::UnknownIssuer => "unknown_issuer",
            Refusal::UnknownKey => "unknown_key",
            Refusal::IssuerUnavailable => "issuer_unavailable",
            Refusal::BadSignature => "bad_signature",
            Refusal::WrongAudience => "wrong_audience",
            Refusal::Expired => "expired",
            Refusal::NotYetValid => "not_yet_valid",
            Refusal::Replayed => "replayed",
            Refusal::NoMatchingTrust => "no_matching_trust",
            Refusal::OwnerUnavailable => "owner_unavailable",
        }
    }
}
