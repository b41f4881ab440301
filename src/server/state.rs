//! What every handler shares: the store, the usage buffer and the server's settings.

use std::sync::Arc;

use ipnet::IpNet;

use super::audit::access_log::UsageBuffer;
use super::store::Database;

pub(crate) struct AppState {
    pub(crate) store: Database,
    /// The org the database serves. A failed authentication that names no credential or
    /// account (an unknown bearer, a login for an unknown email) is its audit event too: the
    /// org's admins are the ones being probed.
    pub(crate) org_id: i64,
    /// HMAC key for secret hashes; None = plain SHA-256.
    pub(crate) pepper: Option<secrecy::SecretSlice<u8>>,
    pub(crate) usage: UsageBuffer,
    pub(crate) trusted_proxies: Vec<IpNet>,
    /// Failed logins per email and per client address.
    pub(crate) login_throttle: super::ratelimit::throttle::Throttle,
    /// Per-token rate limits (minute and hour, from the token record).
    pub(crate) limiter: super::ratelimit::RateLimiter,
    /// Unknown or malformed secrets presented to verify and forward-auth, per presenting client
    /// address (`verify::throttle_guess`): nobody fishes for valid tokens through them.
    pub(crate) verify_throttle: super::ratelimit::throttle::Throttle,
    /// The same, per verify caller across the `client_ip`s it names (a larger budget): a
    /// gateway credential that names a fresh address each time is still throttled.
    pub(crate) verify_caller_throttle: super::ratelimit::throttle::Throttle,
    /// `auth.failed` rows per client address: an outsider's bad bearers must not buy
    /// unbounded database writes.
    pub(crate) failure_audit: super::audit::failed_auth_cap::FailureAuditCap,
    pub(crate) metrics: super::metrics::Metrics,
    /// `--mcp-allowed-origin`: browser origins `/mcp` answers (see [`super::http::origin`]).
    pub(crate) mcp_allowed_origins: Vec<super::http::origin::Origin>,
    /// `--metrics-unauthenticated`: `/metrics` without a credential.
    pub(crate) metrics_unauthenticated: bool,
    /// The least time between two fetches of one OIDC issuer's keys (60 s; tests lower it).
    pub(crate) oidc_min_refetch: std::time::Duration,
    /// Leak reports' own throttle and concurrency cap (`ratelimit::leak_intake`).
    pub(crate) leak_intake: super::ratelimit::leak_intake::LeakIntake,
    /// GitHub's secret-scanning keys (`--github-scanning-keys[-url]`).
    pub(crate) github_keys: super::github_keys::GithubKeys,
}

pub(crate) type SharedState = Arc<AppState>;

impl AppState {
    pub(crate) fn hash_secret(&self, secret: &str) -> String {
        use secrecy::ExposeSecret;
        crate::api::secret::hash(secret, self.pepper.as_ref().map(|p| p.expose_secret()))
    }
}
