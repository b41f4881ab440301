//! The OAuth documents tokctl speaks, for standard clients: RFC 8693 token exchange at
//! `POST /v1/oauth/token` (answers and RFC 6749 §5.2 error bodies), RFC 7662 introspection at
//! `POST /v1/oauth/introspect`, RFC 8414 authorization-server metadata and RFC 9728
//! protected-resource metadata. Field names are the RFCs'.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::secret::Secret;
use super::types::TokenInfo;

/// `grant_type` of a token exchange (RFC 8693 §2.1).
pub(crate) const GRANT_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// A token type: an OAuth access token (for tokctl: a tokctl secret).
pub(crate) const TOKEN_TYPE_ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
/// A token type: an OpenID Connect ID token.
pub(crate) const TOKEN_TYPE_ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
#[cfg(feature = "server")]
/// A token type: a JWT.
pub(crate) const TOKEN_TYPE_JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
/// Where the token endpoint lives.
pub(crate) const TOKEN_PATH: &str = "/v1/oauth/token";
#[cfg(feature = "server")]
/// Where the introspection endpoint lives.
pub(crate) const INTROSPECT_PATH: &str = "/v1/oauth/introspect";

/// The `error` of an RFC 6749 §5.2 error body (and RFC 8693 §2.2.2's `invalid_target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OAuthErrorCode {
    /// A parameter is missing, repeated, unsupported or malformed.
    InvalidRequest,
    InvalidClient,
    /// The subject token is not valid: malformed, unknown, revoked, expired, outside its
    /// networks.
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    /// A requested scope is unknown or beyond the subject token's.
    InvalidScope,
    /// A requested `resource`/`audience` is beyond the subject token's audience (RFC 8693).
    InvalidTarget,
    /// Not an RFC 6749 code: the server could not reach its database or counters (503).
    TemporarilyUnavailable,
}

impl OAuthErrorCode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => "invalid_request",
            OAuthErrorCode::InvalidClient => "invalid_client",
            OAuthErrorCode::InvalidGrant => "invalid_grant",
            OAuthErrorCode::UnauthorizedClient => "unauthorized_client",
            OAuthErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthErrorCode::InvalidScope => "invalid_scope",
            OAuthErrorCode::InvalidTarget => "invalid_target",
            OAuthErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

/// An RFC 6749 §5.2 error body: `{"error": "invalid_grant", "error_description": "…"}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct OAuthError {
    pub error: OAuthErrorCode,
    /// For a person to read; never holds a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// tokctl's extension: the error code the same refusal has in tokctl's own API
    /// (`delegation_too_deep`, `scope_exceeds_credential`, …), so `tokctl delegate` exits as
    /// `tokctl mint` would. OAuth clients ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub tokctl_code: Option<crate::api::error::WireCode>,
}

#[cfg(feature = "server")]
impl OAuthError {
    pub(crate) fn new(error: OAuthErrorCode, description: impl Into<String>) -> OAuthError {
        OAuthError {
            error,
            error_description: Some(description.into()),
            tokctl_code: None,
        }
    }
}

#[cfg(feature = "server")]
/// The form of `POST /v1/oauth/token` (`application/x-www-form-urlencoded`), documented here;
/// the server reads the form itself (`resource` and `audience` may repeat, nothing else may).
/// No `Debug`: `subject_token` is a secret.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct TokenExchangeForm {
    /// `urn:ietf:params:oauth:grant-type:token-exchange`.
    #[schema(pattern = "^urn:ietf:params:oauth:grant-type:token-exchange$")]
    pub grant_type: String,
    /// A tokctl secret (the parent of the token issued), or a CI job's ID token. The only
    /// credential needed.
    #[schema(min_length = 1)]
    pub subject_token: String,
    /// `urn:ietf:params:oauth:token-type:access_token` (a tokctl secret: a delegation), or
    /// `…:id_token` / `…:jwt` (a CI job's OpenID Connect ID token, matched against the org's
    /// trust policies, docs/ci.md).
    #[schema(pattern = "^urn:ietf:params:oauth:token-type:(access_token|id_token|jwt)$")]
    pub subject_token_type: String,
    /// Space-separated scopes, within the subject's (default: the subject's). Not with an ID
    /// token: its trust policy fixes them. A form field is text or absent, never null.
    #[serde(default)]
    #[schema(nullable = false)]
    pub scope: Option<String>,
    /// RFC 8707 resource URI the token is for (repeatable); within the subject's audience. Not
    /// with an ID token.
    #[serde(default)]
    #[schema(nullable = false)]
    pub resource: Option<String>,
    /// A logical name of a resource the token is for (repeatable), `tokctl` for tokctl's API.
    /// Not with an ID token.
    #[serde(default)]
    #[schema(nullable = false)]
    pub audience: Option<String>,
    /// `urn:ietf:params:oauth:token-type:access_token` or absent.
    #[serde(default)]
    #[schema(
        nullable = false,
        pattern = "^urn:ietf:params:oauth:token-type:access_token$"
    )]
    pub requested_token_type: Option<String>,
    /// tokctl's extension: the lifetime (`10m`, `2h`, an RFC 3339 time); default 15m, at most the
    /// subject's remaining lifetime. Not with an ID token: its trust policy fixes it.
    #[serde(default)]
    #[schema(schema_with = super::schema::expires_in_form)]
    pub expires: Option<String>,
}

/// A token exchange's answer (RFC 8693 §2.2.1). Sent with `Cache-Control: no-store`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct TokenExchangeResponse {
    /// The new token's secret, shown once.
    pub access_token: Secret,
    pub issued_token_type: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires (absent: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i64>,
    /// The token's scopes, space-separated.
    pub scope: String,
    /// tokctl's extension: the new token as `GET /v1/tokens/{id}` shows it (never its secret).
    pub token: TokenInfo,
}

#[cfg(feature = "server")]
/// An RFC 7662 introspection answer. An inactive token is exactly `{"active": false}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub(crate) struct Introspection {
    pub active: bool,
    /// Effective permissions (scopes ∩ the owner's role), space-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The token's id (`tk_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The owner: an email, or a service account's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Seconds since the epoch; absent for a token that never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// When the current secret was issued, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// The token's id (`tk_…`), the subject of the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The token's audience (absent when it has none: any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Vec<String>>,
    /// The issuer: this server's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
}

#[cfg(feature = "server")]
/// RFC 8414 authorization-server metadata (`/.well-known/oauth-authorization-server`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct AuthorizationServerMetadata {
    pub issuer: String,
    pub token_endpoint: String,
    pub introspection_endpoint: String,
    pub grant_types_supported: Vec<String>,
    /// `none`: the subject token is the only credential a token exchange needs.
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// `bearer`: a caller holding `tokens:verify`.
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    pub scopes_supported: Vec<String>,
    pub service_documentation: String,
}

#[cfg(feature = "server")]
/// RFC 9728 protected-resource metadata (`/.well-known/oauth-protected-resource[/mcp]`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ProtectedResourceMetadata {
    pub resource: String,
    pub authorization_servers: Vec<String>,
    pub bearer_methods_supported: Vec<String>,
    pub scopes_supported: Vec<String>,
    pub resource_name: String,
    pub resource_documentation: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_written_as_rfc_6749_names() {
        let body = OAuthError {
            error: OAuthErrorCode::InvalidGrant,
            error_description: None,
            tokctl_code: None,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":"invalid_grant"}"#
        );
        for code in [
            OAuthErrorCode::InvalidRequest,
            OAuthErrorCode::InvalidScope,
            OAuthErrorCode::InvalidTarget,
            OAuthErrorCode::UnsupportedGrantType,
        ] {
            assert_eq!(
                serde_json::to_string(&code).unwrap(),
                format!("\"{}\"", code.as_str())
            );
        }
    }

    #[test]
    #[cfg(feature = "server")]
    fn an_inactive_introspection_is_active_false_and_nothing_more() {
        assert_eq!(
            serde_json::to_string(&Introspection::default()).unwrap(),
            r#"{"active":false}"#
        );
    }
}
