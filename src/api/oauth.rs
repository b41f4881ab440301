//! OAuth 2.0 wire types: the RFC 8693 token exchange at `POST /v1/oauth/token` and the RFC 6749
//! §5.2 error body every OAuth endpoint answers with (not tokctl's `{"error": {…}}`: OAuth
//! clients parse this shape).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const GRANT_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const TOKEN_TYPE_ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
pub const TOKEN_TYPE_ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
pub const TOKEN_TYPE_JWT: &str = "urn:ietf:params:oauth:token-type:jwt";

/// The form body of `POST /v1/oauth/token` (`application/x-www-form-urlencoded`).
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct TokenExchangeRequest {
    /// `urn:ietf:params:oauth:grant-type:token-exchange`.
    pub grant_type: Option<String>,
    /// The token being exchanged: a tokctl secret (`access_token`) or a CI provider's OpenID
    /// Connect ID token (`id_token`, `jwt`).
    pub subject_token: Option<String>,
    /// `urn:ietf:params:oauth:token-type:access_token`, `…:id_token` or `…:jwt`.
    pub subject_token_type: Option<String>,
    /// Space-separated scopes (access_token only; a trust policy fixes its tokens' scopes).
    pub scope: Option<String>,
    pub resource: Option<String>,
    pub audience: Option<String>,
    pub requested_token_type: Option<String>,
}

/// The subject token is a credential: never in `Debug` output.
impl std::fmt::Debug for TokenExchangeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenExchangeRequest")
            .field("grant_type", &self.grant_type)
            .field(
                "subject_token",
                &self.subject_token.as_ref().map(|_| "[redacted]"),
            )
            .field("subject_token_type", &self.subject_token_type)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// RFC 8693 §2.2.1: the issued token.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenExchangeResponse {
    /// The new tokctl secret, shown once.
    #[schema(value_type = String)]
    pub access_token: super::secret::Secret,
    /// Always `urn:ietf:params:oauth:token-type:access_token`.
    pub issued_token_type: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// Space-separated scopes of the new token (blank = the owner's full role).
    pub scope: String,
}

impl std::fmt::Debug for TokenExchangeResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenExchangeResponse")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// RFC 6749 §5.2 error codes the token endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidGrant,
    InvalidScope,
    UnsupportedGrantType,
    /// RFC 8693 §2.2.2 adds `invalid_target`; the server answers it for refused `resource`.
    InvalidTarget,
}

/// RFC 6749 §5.2 error body: `{"error": "invalid_grant", "error_description": "…"}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OAuthError {
    pub error: OAuthErrorCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl OAuthError {
    pub fn new(error: OAuthErrorCode, description: impl Into<String>) -> OAuthError {
        OAuthError {
            error,
            error_description: Some(description.into()),
        }
    }
}
