//! Wire types of CI trust policies (`/v1/trust`) and of what a token made through one records
//! (`TokenInfo.via`): which policy, which issuer, which subject, which CI run.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::types::{RateLimit, RateLimitRequest};

/// How a token was obtained by exchanging a CI provider's OpenID Connect token: enough to name
/// the exact CI run when the token is revoked or an incident is traced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Via {
    /// The trust policy's name.
    pub trust: String,
    /// The ID token's `iss`.
    pub issuer: String,
    /// The ID token's `sub`.
    pub subject: String,
    /// The identifying claims the ID token carried, those of them present: GitHub's
    /// `repository`, `workflow`, `run_id`, `run_attempt`, `ref`, `sha`, `actor`, `environment`;
    /// GitLab's `project_path`, `pipeline_id`, `job_id`, `ref`, `ref_protected`.
    #[serde(default)]
    pub claims: BTreeMap<String, String>,
}

/// A trust policy: which CI identities may obtain a token of which service account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct TrustPolicy {
    pub name: String,
    /// The issuer URL, compared exactly with the ID token's `iss`.
    pub issuer: String,
    /// The ID token's `aud` must contain this.
    pub audience: String,
    /// Pattern for `sub`: exact, or `*` globs over the whole value.
    pub subject: String,
    /// Further claims and their patterns (exact or `*` globs over the whole value).
    pub claims: BTreeMap<String, String>,
    /// The service account whose tokens the exchange mints.
    pub owner: String,
    pub scopes: Vec<String>,
    /// Lifetime of each minted token (`15m`; at most the org policy's `max_trust_lifetime`).
    pub expires: String,
    pub rate_limit: RateLimit,
    pub allowed_cidrs: Vec<String>,
    /// Keys given with `--jwks-file` (air-gapped issuers): no discovery for this policy.
    pub jwks_pinned: bool,
    pub created_at: DateTime<Utc>,
    /// Who added it (email or service account name).
    pub created_by: Option<String>,
}

/// The most claim patterns a trust policy may add to its subject.
pub(crate) const MAX_CLAIMS: usize = 16;

/// `POST /v1/trust`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub(crate) struct AddTrustRequest {
    #[schema(schema_with = super::schema::token_name)]
    pub name: String,
    /// `https://…`, or `http://` on a loopback address only.
    #[schema(schema_with = super::schema::trust_issuer)]
    pub issuer: String,
    #[schema(schema_with = super::schema::trust_text)]
    pub audience: String,
    #[schema(schema_with = super::schema::trust_subject)]
    pub subject: String,
    #[serde(default)]
    #[schema(schema_with = super::schema::trust_claims)]
    pub claims: BTreeMap<String, String>,
    /// A service account.
    pub owner: String,
    /// Blank or `*` = the service account's full role (within the caller's own).
    #[serde(default)]
    #[schema(schema_with = super::schema::scopes)]
    pub scopes: Vec<String>,
    /// Default and maximum: the org policy's `max_trust_lifetime` (default 15m, at most 1h).
    #[serde(default)]
    #[schema(schema_with = super::schema::trust_lifetime)]
    pub expires: Option<String>,
    #[serde(default)]
    pub rate_limit: Option<RateLimitRequest>,
    #[serde(default)]
    #[schema(schema_with = super::schema::cidrs)]
    pub allowed_cidrs: Vec<String>,
    /// A JWK Set (`{"keys": [...]}`) used instead of discovery, for issuers the server cannot
    /// reach.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<serde_json::Value>,
    #[serde(default)]
    pub dry_run: bool,
}
