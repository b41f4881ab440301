//! Wire types of leak reports: `POST /v1/leaks` (anyone holding a secret), GitHub's
//! secret-scanning partner format (`POST /v1/leaks/github`), and the notice `GET /v1/me` gives
//! an owner whose token leaked. See docs/leaks.md.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
#[cfg(feature = "server")]
use utoipa::openapi::{RefOr, schema::Schema};

use super::secret::Secret;

/// The most secrets one report may carry (both formats).
pub(crate) const MAX_REPORTED: usize = 100;

#[cfg(feature = "server")]
/// The most entries one GitHub report may carry (GitHub batches what it finds).
pub(crate) const MAX_GITHUB_REPORTED: usize = 1000;

#[cfg(feature = "server")]
/// The longest `url` a report may give (longer ones are cut, never refused: a report is
/// never lost for the shape of its metadata).
pub(crate) const MAX_URL_CHARS: usize = 2048;

#[cfg(feature = "server")]
/// The longest `source` a report may give (cut likewise).
pub(crate) const MAX_SOURCE_CHARS: usize = 200;

#[cfg(feature = "server")]
/// For how long `whoami` reminds an owner of a leaked token.
pub(crate) const LEAK_NOTICE_DAYS: i64 = 7;

/// The revocation reason of a leaked token (`TokenInfo.revoked_reason`).
pub(crate) const LEAKED: &str = "leaked";

/// The revocation reason of a token revoked because an ancestor's secret leaked: it did not
/// leak itself (whoami's leak warnings leave it out), it ended with its ancestor.
#[cfg(feature = "server")]
pub(crate) const LEAKED_ANCESTOR: &str = "ancestor leaked";

/// One secret found somewhere it should not be.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct LeakReport {
    /// The secret as found. Anything that is not a checksum-valid tokctl secret is ignored.
    #[schema(value_type = String)]
    pub token: Secret,
    /// Where it was found (a commit, a file, a page); kept with the revocation, cut to 2048
    /// characters.
    #[serde(default)]
    pub url: Option<String>,
    /// Who or what found it (`tokctl scan`, `tokctl revoke`, a scanner's name); kept cut to 200
    /// characters.
    #[serde(default)]
    pub source: Option<String>,
}

#[cfg(feature = "server")]
/// The body of `POST /v1/leaks` as the document states it: a list of [`LeakReport`], at most
/// [`MAX_REPORTED`].
pub(crate) struct LeakReportList;

#[cfg(feature = "server")]
/// The body of `POST /v1/leaks/github`: a list of [`GithubLeak`], at most
/// [`MAX_GITHUB_REPORTED`].
pub(crate) struct GithubLeakList;

/// A list of `T`'s schema, at most `max` items.
#[cfg(feature = "server")]
fn bounded_list<T: utoipa::PartialSchema>(max: usize) -> RefOr<Schema> {
    let items = serde_json::to_value(T::schema()).unwrap_or_default();
    serde_json::from_value(serde_json::json!({"type": "array", "items": items, "maxItems": max}))
        .unwrap_or_else(|_| RefOr::T(Schema::default()))
}

#[cfg(feature = "server")]
impl utoipa::PartialSchema for LeakReportList {
    fn schema() -> RefOr<Schema> {
        bounded_list::<LeakReport>(MAX_REPORTED)
    }
}

#[cfg(feature = "server")]
impl ToSchema for LeakReportList {}

#[cfg(feature = "server")]
impl utoipa::PartialSchema for GithubLeakList {
    fn schema() -> RefOr<Schema> {
        bounded_list::<GithubLeak>(MAX_GITHUB_REPORTED)
    }
}

#[cfg(feature = "server")]
impl ToSchema for GithubLeakList {}

/// The answer to every accepted report, the same whether or not any secret was known: a report
/// tells nobody which secrets are real.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct LeakReceipt {
    /// How many entries the report carried.
    pub received: usize,
    /// Only when the report came with a credential: the tokens it matched that the credential
    /// may see (its owner's; with `tokens:admin`, the org's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<LeakMatch>>,
}

/// A reported secret's token, as a reporting credential that may see it is told.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct LeakMatch {
    /// The token as it is now.
    pub token: super::types::TokenInfo,
    /// True when this report revoked it; false when it was revoked or expired already.
    pub revoked: bool,
}

#[cfg(feature = "server")]
/// One entry of GitHub's secret-scanning payload.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct GithubLeak {
    #[schema(value_type = String)]
    pub token: Secret,
    /// The token type GitHub matched (the pattern's name registered with GitHub).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}

#[cfg(feature = "server")]
/// GitHub's label for one reported token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum GithubLabel {
    /// A live tokctl secret: it has been revoked.
    TruePositive,
    /// Not a live tokctl secret (malformed, unknown, already revoked or expired).
    FalsePositive,
}

#[cfg(feature = "server")]
/// One entry of the partner response to GitHub, in the order of the payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct GithubVerdict {
    /// Lower-case hex SHA-256 of the reported token, as GitHub sent it.
    pub token_hash: String,
    /// The `type` GitHub sent.
    pub token_type: String,
    pub label: GithubLabel,
}

/// A token of the caller's owner revoked as leaked within the last [`LEAK_NOTICE_DAYS`] days,
/// as `GET /v1/me` lists it (`leaked_tokens`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct LeakNotice {
    /// The token's id (`tk_…`).
    pub id: String,
    pub name: String,
    /// When it was revoked.
    pub leaked_at: DateTime<Utc>,
    /// Where it was found, as reported.
    pub url: Option<String>,
    /// Who reported it, as reported.
    pub source: Option<String>,
}

#[cfg(feature = "server")]
/// A reported `url` or `source` as kept: cut to `max` characters, control characters dropped
/// (it is printed in terminals), and any secret-shaped text in it redacted (a report must never
/// write a secret into the database through its metadata).
pub(crate) fn clean_metadata(s: Option<&str>, max: usize) -> Option<String> {
    let s = s?.trim();
    if s.is_empty() {
        return None;
    }
    let cut: String = s.chars().filter(|c| !c.is_control()).take(max).collect();
    Some(super::secret::redact_secrets(&cut).into_owned())
}

#[cfg(all(test, feature = "server"))]
mod tests {
    use super::*;
    use crate::api::secret::{TokenType, generate};

    #[test]
    fn metadata_is_cut_cleaned_and_never_carries_a_secret() {
        let s = generate(TokenType::Pat);
        let url = format!("https://example.com/a?x={}\u{1b}[2J", s.expose());
        let kept = clean_metadata(Some(&url), MAX_URL_CHARS).unwrap();
        assert!(!kept.contains(s.expose()), "{kept}");
        assert!(!kept.contains('\u{1b}'));
        assert_eq!(clean_metadata(Some("  "), 10), None);
        assert_eq!(clean_metadata(None, 10), None);
        assert_eq!(clean_metadata(Some("abcdef"), 3).as_deref(), Some("abc"));
    }
}
