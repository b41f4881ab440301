//! JSON documents of the `/v1` API, shared by the server (which answers them) and the CLI
//! (which prints them with `--json`). Field names are the contract of DESIGN.md.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::perms::Role;
#[cfg(feature = "server")]
use super::reason::Reason;
use super::schema;
use super::secret::{Secret, TokenType};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RateLimit {
    pub per_minute: u32,
    pub per_hour: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TokenStatus::Active => "active",
            TokenStatus::Expired => "expired",
            TokenStatus::Revoked => "revoked",
        }
    }

    #[cfg(feature = "server")]
    pub(crate) fn parse(s: &str) -> Option<TokenStatus> {
        match s {
            "active" => Some(TokenStatus::Active),
            "expired" => Some(TokenStatus::Expired),
            "revoked" => Some(TokenStatus::Revoked),
            _ => None,
        }
    }
}

/// A token as everyone but its holder sees it: never the secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct TokenInfo {
    pub(crate) id: String,
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) kind: TokenType,
    /// The owner's email, or a service account's name.
    pub(crate) owner: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) created_at: DateTime<Utc>,
    /// null = never.
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) last_used_at: Option<DateTime<Utc>>,
    pub(crate) revoked_at: Option<DateTime<Utc>>,
    /// Why it was revoked: `"leaked"` (reported through `/v1/leaks`), the `--reason` of a
    /// revoke, `"logout"`, `"member removed"`; null when not revoked or revoked with no reason.
    #[serde(default)]
    pub(crate) revoked_reason: Option<String>,
    pub(crate) status: TokenStatus,
    pub(crate) rate_limit: RateLimit,
    pub(crate) allowed_cidrs: Vec<String>,
    pub(crate) description: Option<String>,
    /// After a rotation with a grace period: when the previous secret stops working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) previous_secret_expires_at: Option<DateTime<Utc>>,
    /// The token whose credential minted this one (same owner), null for a root
    /// (docs/delegation.md).
    #[serde(default)]
    pub(crate) parent: Option<String>,
    /// 0 for a root, its parent's + 1 for a child.
    #[serde(default)]
    pub(crate) depth: u32,
    /// RFC 8707 resources the token may be presented to (`tokctl` = tokctl's own API); empty =
    /// any.
    #[serde(default)]
    pub(crate) audience: Vec<String>,
    /// A token obtained by exchanging a CI provider's ID token: the trust policy, issuer,
    /// subject and the CI run's identifying claims. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) via: Option<super::trust::Via>,
}

/// The one response that carries a secret: mint, rotate, login.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct TokenWithSecret {
    pub(crate) token: TokenInfo,
    pub(crate) secret: Secret,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub(crate) struct MintRequest {
    #[schema(schema_with = schema::token_name)]
    pub(crate) name: String,
    /// Blank or `*` = the owner's full role; `work:*` = every `work:` permission.
    #[serde(default)]
    #[schema(schema_with = schema::scopes)]
    pub(crate) scopes: Vec<String>,
    /// `pat` (default) or `mcp`.
    #[serde(default, rename = "type")]
    #[schema(schema_with = schema::mint_type)]
    pub(crate) kind: Option<TokenType>,
    /// `90m`, `12h`, `30d`, `52w`, an RFC 3339 date, or `never`; default from org policy.
    #[serde(default)]
    #[schema(schema_with = schema::expires)]
    pub(crate) expires: Option<String>,
    #[serde(default, deserialize_with = "object_or_null")]
    pub(crate) rate_limit: Option<RateLimitRequest>,
    #[serde(default)]
    #[schema(schema_with = schema::cidrs)]
    pub(crate) allowed_cidrs: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = schema::description)]
    pub(crate) description: Option<String>,
    /// A service account's name (admins only).
    #[serde(default)]
    pub(crate) owner: Option<String>,
    /// RFC 8707 resources the token may be presented to (`tokctl` = tokctl's own API; without
    /// it the token cannot call `/v1` or `/mcp`); empty = any, or, minted with a token, that
    /// token's audience, which it may only narrow.
    #[serde(default)]
    #[schema(schema_with = schema::audience)]
    pub(crate) audience: Vec<String>,
    /// Run every check and answer what would be minted (200, no secret); change nothing.
    #[serde(default)]
    pub(crate) dry_run: bool,
}

/// Reads an optional count the way JSON Schema's `integer` means it: any number without a
/// fraction, so `1000.0` (what some JSON encoders write) is 1000, as the OpenAPI document
/// promises. A fraction, a negative number, one beyond `u32`, or a string is refused.
/// A struct-typed field that must be written as a JSON object (or null): serde's derived
/// structs would also take an array of their fields in order (`"rate_limit": [null]`), which
/// the document does not allow.
fn object_or_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::de::Error;
    match Option::<serde_json::Map<String, serde_json::Value>>::deserialize(d)? {
        None => Ok(None),
        Some(map) => serde_path_to_error::deserialize(serde_json::Value::Object(map))
            .map(Some)
            .map_err(|e| D::Error::custom(format_args!("`{}`: {}", e.path(), e.inner()))),
    }
}

pub(crate) fn whole_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<u32>, D::Error> {
    d.deserialize_any(WholeNumber { text: false })
}

/// [`whole_number`] for a query string, whose values are all text.
pub(crate) fn whole_number_text<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<u32>, D::Error> {
    d.deserialize_any(WholeNumber { text: true })
}

struct WholeNumber {
    text: bool,
}

impl serde::de::Visitor<'_> for WholeNumber {
    type Value = Option<u32>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a whole number from 0 to 4294967295")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        u32::try_from(v)
            .map(Some)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        u32::try_from(v)
            .map(Some)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
            // Whole and within u32, as checked just above: the cast is exact.
            Ok(Some(v as u32))
        } else {
            Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let bad = || E::invalid_value(serde::de::Unexpected::Str(v), &self);
        if !self.text {
            return Err(E::invalid_type(serde::de::Unexpected::Str(v), &self));
        }
        match v.parse::<u64>() {
            Ok(n) => self.visit_u64(n),
            Err(_) => match v.parse::<f64>() {
                Ok(f) if f.is_finite() => self.visit_f64(f),
                _ => Err(bad()),
            },
        }
    }
}

/// Either limit may be left out to take the org's default.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
pub(crate) struct RateLimitRequest {
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(schema_with = schema::rate_limit_value)]
    pub(crate) per_minute: Option<u32>,
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(schema_with = schema::rate_limit_value)]
    pub(crate) per_hour: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub(crate) struct RotateRequest {
    /// Default: the lifetime the token had.
    #[serde(default)]
    #[schema(schema_with = schema::expires)]
    pub(crate) expires: Option<String>,
    /// How long the old secret keeps working (at most `1h`; default none).
    #[serde(default)]
    #[schema(schema_with = schema::grace)]
    pub(crate) grace: Option<String>,
    /// Run every check and answer the token as it would be after the rotation (no secret);
    /// change nothing.
    #[serde(default)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub(crate) struct RevokeRequest {
    #[serde(default)]
    pub(crate) reason: Option<String>,
    /// Run every check and answer what would be revoked; change nothing.
    #[serde(default)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct BulkRevokeRequest {
    /// The member (email or service account name) whose tokens and sessions to revoke.
    pub(crate) owner: String,
    #[serde(default)]
    pub(crate) dry_run: bool,
    #[serde(default)]
    pub(crate) reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct RevokeResult {
    pub(crate) count: usize,
    pub(crate) revoked: Vec<TokenInfo>,
    /// True when nothing was changed because the token(s) were already revoked.
    #[serde(default)]
    pub(crate) already_revoked: bool,
    #[serde(default)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct LoginRequest {
    pub(crate) email: String,
    pub(crate) password: Secret,
    /// The session's name (`tokctl login` sends `cli@<hostname>`); default `session`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = schema::session_name)]
    pub(crate) name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct UserInfo {
    pub(crate) email: Option<String>,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) service: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct OrgInfo {
    pub(crate) name: String,
}

/// `GET /v1/me`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub(crate) user: UserInfo,
    pub(crate) org: OrgInfo,
    pub(crate) credential: TokenInfo,
    pub(crate) permissions: Vec<String>,
    /// The owner's tokens revoked as leaked in the last 7 days (the CLI warns about each).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) leaked_tokens: Vec<super::leaks::LeakNotice>,
}

/// The schema is [`schema::add_user`]: which fields a request needs depends on `service`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AddUserRequest {
    /// A person's email (with `password`), or omitted for a service account.
    #[serde(default)]
    pub(crate) email: Option<String>,
    /// A service account's name (with `service: true`).
    #[serde(default)]
    pub(crate) name: Option<String>,
    pub(crate) role: Role,
    #[serde(default)]
    pub(crate) password: Option<Secret>,
    #[serde(default)]
    pub(crate) service: bool,
    /// Run every check and answer the member as it would be (200); change nothing.
    #[serde(default)]
    pub(crate) dry_run: bool,
}

impl utoipa::PartialSchema for AddUserRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        schema::add_user()
    }
}

impl ToSchema for AddUserRequest {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((
            Role::name().into_owned(),
            <Role as utoipa::PartialSchema>::schema(),
        ));
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PatchUserRequest {
    pub(crate) role: Role,
    /// Run every check and answer the member as it would be; change nothing.
    #[serde(default)]
    pub(crate) dry_run: bool,
}

/// What a dry-run mint or rotate answers: the token as it would be. There is no secret: none
/// is generated, and the id is not reserved (a real mint gets another).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct TokenPreview {
    pub(crate) token: TokenInfo,
    /// Always true.
    pub(crate) dry_run: bool,
}

/// What mint and rotate answer: the token with its new secret or, for a `dry_run`, the token
/// as it would be, without a secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[cfg(feature = "server")]
pub(crate) enum TokenAnswer {
    Issued(TokenWithSecret),
    DryRun(TokenPreview),
}

/// What a dry-run `PATCH /v1/org/policy` answers: the policy now and as it would be.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PolicyPreview {
    pub(crate) old: OrgPolicy,
    pub(crate) new: OrgPolicy,
    /// Always true.
    pub(crate) dry_run: bool,
}

/// What `PATCH /v1/org/policy` answers: the new policy or, for a `dry_run`, old and new.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[cfg(feature = "server")]
pub(crate) enum PolicyAnswer {
    Changed(OrgPolicy),
    DryRun(PolicyPreview),
}

/// `?dry_run=true` on a call without a body (`DELETE /v1/users/{member}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[cfg(feature = "server")]
pub(crate) struct DryRunQuery {
    /// Run every check and answer what would happen; change nothing.
    #[serde(default)]
    pub(crate) dry_run: bool,
}

/// One page of a keyset-paginated listing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub(crate) next_cursor: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListTokensQuery {
    #[param(schema_with = schema::token_cursor)]
    pub(crate) cursor: Option<String>,
    /// 1–500, default 100.
    #[serde(default, deserialize_with = "whole_number_text")]
    #[param(schema_with = schema::page_limit)]
    pub(crate) limit: Option<u32>,
    /// A member's email or name, or `*` for everyone (tokens:admin).
    pub(crate) owner: Option<String>,
    /// `active` (default), `expired`, `revoked`, or `all`.
    #[param(schema_with = schema::status_filter)]
    pub(crate) status: Option<String>,
    #[serde(rename = "type")]
    #[param(rename = "type", schema_with = schema::type_filter)]
    pub(crate) kind: Option<String>,
    /// Active tokens expiring within this duration (`7d`).
    #[param(schema_with = schema::duration)]
    pub(crate) expiring_within: Option<String>,
    /// Tokens not used for this duration (`30d`), never-used ones included.
    #[param(schema_with = schema::duration)]
    pub(crate) unused_for: Option<String>,
}

/// `POST /v1/verify`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg(feature = "server")]
pub(crate) struct VerifyRequest {
    pub(crate) token: Secret,
    #[serde(default)]
    #[schema(schema_with = schema::permission_or_null)]
    pub(crate) permission: Option<String>,
    #[serde(default)]
    #[schema(schema_with = schema::client_ip)]
    pub(crate) client_ip: Option<String>,
    /// The resource the token was presented to (RFC 8707): a token whose `audience` does not
    /// name it is refused `wrong_audience`.
    #[serde(default)]
    #[schema(schema_with = schema::resource_or_null)]
    pub(crate) audience: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg(feature = "server")]
pub(crate) struct VerifyResponse {
    pub(crate) allowed: bool,
    /// null when allowed; else unknown, malformed, revoked, expired, forbidden, rate_limited,
    /// ip_not_allowed, wrong_audience.
    #[schema(value_type = Option<String>)]
    pub(crate) reason: Option<Reason>,
    pub(crate) token: Option<TokenInfo>,
    pub(crate) permissions: Vec<String>,
    pub(crate) rate_limit: Option<RateLimitState>,
    /// The token's delegation chain, root first, ending with the token itself (just its id
    /// for a root; empty when the token is unknown).
    #[serde(default)]
    pub(crate) delegation: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[cfg(feature = "server")]
pub(crate) struct RateLimitState {
    pub(crate) per_minute: u32,
    pub(crate) per_hour: u32,
    pub(crate) remaining_minute: u32,
    pub(crate) remaining_hour: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg(feature = "server")]
pub(crate) struct AuditEvent {
    pub(crate) id: i64,
    pub(crate) at: DateTime<Utc>,
    pub(crate) action: String,
    /// Who did it: an email or service account name (null for failed authentication).
    pub(crate) actor: Option<String>,
    pub(crate) credential_id: Option<String>,
    pub(crate) target: Option<String>,
    pub(crate) ip: Option<String>,
    pub(crate) detail: serde_json::Value,
    /// The root of the acting credential's delegation chain (absent: a root, or none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) root_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg(feature = "server")]
pub(crate) struct AccessRow {
    pub(crate) id: i64,
    pub(crate) at: DateTime<Utc>,
    pub(crate) credential_id: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) status: u16,
    pub(crate) ip: Option<String>,
    pub(crate) latency_ms: f64,
    /// The permission a verify or forward-auth call asked about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) permission: Option<String>,
    /// The root of the credential's delegation chain (absent: the credential is a root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) root_id: Option<String>,
    /// The CI run the credential was issued to, for a token from a trust policy (as the
    /// token's `via`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) via: Option<super::trust::Via>,
}

/// The body of `PATCH /v1/org/policy`: read as JSON by `policy::apply_patch`; this type only
/// names its schema, [`schema::policy_patch`].
#[cfg(feature = "server")]
pub(crate) struct PolicyPatch;

#[cfg(feature = "server")]
impl utoipa::PartialSchema for PolicyPatch {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        schema::policy_patch()
    }
}

#[cfg(feature = "server")]
impl ToSchema for PolicyPatch {}

/// The body of `POST /mcp`, read by the rmcp SDK; this type only names its schema,
/// [`schema::jsonrpc_request`].
#[cfg(feature = "server")]
pub(crate) struct JsonRpcRequest;

#[cfg(feature = "server")]
impl utoipa::PartialSchema for JsonRpcRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        schema::jsonrpc_request()
    }
}

#[cfg(feature = "server")]
impl ToSchema for JsonRpcRequest {}

/// The org's token policy (`GET/PATCH /v1/org/policy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrgPolicy {
    pub default_expiry: String,
    pub max_expiry: String,
    pub allow_never: bool,
    pub default_rate_limit: RateLimit,
    /// null = no cap.
    pub max_rate_limit: Option<RateLimit>,
    pub session_rate_limit: RateLimit,
    pub session_ttl: String,
    /// How deep a delegation chain may go: a root is depth 0, its child 1 (1–10, default 3).
    #[serde(default = "default_delegation_depth")]
    pub max_delegation_depth: u32,
    /// The longest lifetime of a token obtained through a CI trust policy (default 15m, at
    /// most 1h).
    #[serde(default = "default_max_trust_lifetime")]
    pub max_trust_lifetime: String,
}

/// The default `max_delegation_depth` (also what a policy saved before it existed gets).
pub const DEFAULT_DELEGATION_DEPTH: u32 = 3;
/// The highest `max_delegation_depth` a policy may set.
pub const MAX_DELEGATION_DEPTH: u32 = 10;

fn default_delegation_depth() -> u32 {
    DEFAULT_DELEGATION_DEPTH
}

fn default_max_trust_lifetime() -> String {
    "15m".into()
}

impl Default for OrgPolicy {
    fn default() -> Self {
        OrgPolicy {
            default_expiry: "30d".into(),
            max_expiry: "365d".into(),
            allow_never: false,
            default_rate_limit: RateLimit {
                per_minute: 60,
                per_hour: 1000,
            },
            max_rate_limit: None,
            session_rate_limit: RateLimit {
                per_minute: 600,
                per_hour: 20000,
            },
            session_ttl: "30d".into(),
            max_delegation_depth: DEFAULT_DELEGATION_DEPTH,
            max_trust_lifetime: default_max_trust_lifetime(),
        }
    }
}

/// `GET /v1/audit` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[cfg(feature = "server")]
pub(crate) struct AuditQuery {
    /// `events` (default) or `access`.
    #[param(schema_with = schema::audit_kind)]
    pub(crate) kind: Option<String>,
    /// A token id (`tk_…`), or the name of one of the caller's tokens.
    pub(crate) token: Option<String>,
    /// With `token`: the token's whole subtree of delegated tokens too (`true`).
    #[serde(default)]
    pub(crate) descendants: Option<bool>,
    /// A member's email or service account name.
    pub(crate) user: Option<String>,
    /// Events only: `token.mint`, `token.rotate`, `token.revoke`, `session.login`,
    /// `session.logout`, `auth.failed`, `user.add`, `user.role`, `user.remove`, `org.policy`.
    #[param(schema_with = schema::audit_action)]
    pub(crate) action: Option<String>,
    /// A duration back from now (`24h`, `7d`) or an RFC 3339 time.
    #[param(schema_with = schema::since)]
    pub(crate) since: Option<String>,
    #[param(schema_with = schema::audit_cursor)]
    pub(crate) cursor: Option<String>,
    /// 1–500, default 100.
    #[serde(default, deserialize_with = "whole_number_text")]
    #[param(schema_with = schema::page_limit)]
    pub(crate) limit: Option<u32>,
}

/// `GET /v1/audit`: a page of events or of access-log rows, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg(feature = "server")]
pub(crate) enum AuditPage {
    Events(Page<AuditEvent>),
    Access(Page<AccessRow>),
}

// The shape of `AuditPage` as utoipa derives it (`oneOf`), for its schema below.
#[cfg(feature = "server")]
/// `GET /v1/audit`: a page of events or of access-log rows, newest first.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum AuditPageShape {
    Events(Page<AuditEvent>),
    Access(Page<AccessRow>),
}

/// `anyOf` rather than the derived `oneOf`: an empty page is both a page of events and a page of
/// access rows, and `oneOf` would call that invalid.
#[cfg(feature = "server")]
impl utoipa::PartialSchema for AuditPage {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        schema::one_of_as_any_of(<AuditPageShape as utoipa::PartialSchema>::schema())
    }
}

#[cfg(feature = "server")]
impl ToSchema for AuditPage {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <AuditPageShape as ToSchema>::schemas(schemas);
    }
}

/// `GET /v1/tokens/{id}/usage` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[cfg(feature = "server")]
pub(crate) struct UsageQuery {
    /// A duration back from now (`24h`, `7d`) or an RFC 3339 time; default: everything kept.
    #[param(schema_with = schema::since)]
    pub(crate) since: Option<String>,
    /// For a token named rather than given by id: whose (tokens:admin).
    pub(crate) owner: Option<String>,
}

/// `GET /v1/tokens/{id}/usage`: what a dashboard shows about one token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct TokenUsage {
    pub(crate) token: TokenInfo,
    /// The start of the period summed up (null = everything the retention keeps).
    pub(crate) since: Option<DateTime<Utc>>,
    /// Access-log rows: requests made with the token, and verify / forward-auth checks of it.
    pub(crate) requests: i64,
    /// Rows answered with a status of 400 or more.
    pub(crate) errors: i64,
    /// errors / requests (0 without requests).
    pub(crate) error_rate: f64,
    /// Most used routes first (at most 10).
    pub(crate) routes: Vec<RouteUsage>,
    /// Permissions most asked about by verify and forward-auth (at most 10).
    pub(crate) permissions: Vec<PermissionUsage>,
    pub(crate) latency_ms: LatencyStats,
    pub(crate) last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct RouteUsage {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) count: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PermissionUsage {
    pub(crate) permission: String,
    pub(crate) count: i64,
}

/// Nearest-rank percentiles; null without requests.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub(crate) struct LatencyStats {
    pub(crate) p50: Option<f64>,
    pub(crate) p95: Option<f64>,
}
