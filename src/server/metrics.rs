//! Prometheus metrics and the structured request log: the counters and their text format, served
//! and fed by `routes::metrics`.
//!
//! Counters are plain atomics: recording costs a few nanoseconds and no lock. The request log
//! names the path, never the query string, and a secret-shaped part of the path is written as
//! `[redacted]` (such a request is refused, but the log line of the refusal is written too).

use std::sync::atomic::{AtomicU64, Ordering};

/// The credential a response was made for, set by the auth middleware for the request log.
#[derive(Clone, Debug)]
pub struct CredentialId(pub String);

#[derive(Default)]
pub struct Metrics {
    requests_2xx: AtomicU64,
    requests_4xx: AtomicU64,
    requests_5xx: AtomicU64,
    requests_other: AtomicU64,
    pub auth_failures: AtomicU64,
    /// Failed authentications over the per-address audit cap, so not written as a row.
    pub auth_failures_unaudited: AtomicU64,
    pub rate_limited: AtomicU64,
}

impl Metrics {
    pub fn count(&self, status: u16) {
        let c = match status {
            200..=299 => &self.requests_2xx,
            400..=499 => &self.requests_4xx,
            500..=599 => &self.requests_5xx,
            _ => &self.requests_other,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, pending_usage: usize, dropped_usage: u64) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "# HELP tokctl_http_requests_total HTTP requests answered, by status class.\n\
             # TYPE tokctl_http_requests_total counter\n\
             tokctl_http_requests_total{{class=\"2xx\"}} {}\n\
             tokctl_http_requests_total{{class=\"4xx\"}} {}\n\
             tokctl_http_requests_total{{class=\"5xx\"}} {}\n\
             tokctl_http_requests_total{{class=\"other\"}} {}\n\
             # HELP tokctl_auth_failures_total Requests refused for a missing, malformed, unknown, expired or revoked credential.\n\
             # TYPE tokctl_auth_failures_total counter\n\
             tokctl_auth_failures_total {}\n\
             # HELP tokctl_auth_failures_unaudited_total Failed authentications not written to the audit log (over the per-address cap); each address's next auth.failed row counts them as suppressed.\n\
             # TYPE tokctl_auth_failures_unaudited_total counter\n\
             tokctl_auth_failures_unaudited_total {}\n\
             # HELP tokctl_rate_limited_total Requests and verifies refused by a token's rate limit.\n\
             # TYPE tokctl_rate_limited_total counter\n\
             tokctl_rate_limited_total {}\n\
             # HELP tokctl_usage_pending Access-log rows buffered, not yet written.\n\
             # TYPE tokctl_usage_pending gauge\n\
             tokctl_usage_pending {pending_usage}\n\
             # HELP tokctl_usage_dropped_total Access-log rows dropped because the database stayed unreachable.\n\
             # TYPE tokctl_usage_dropped_total counter\n\
             tokctl_usage_dropped_total {dropped_usage}\n",
            get(&self.requests_2xx),
            get(&self.requests_4xx),
            get(&self.requests_5xx),
            get(&self.requests_other),
            get(&self.auth_failures),
            get(&self.auth_failures_unaudited),
            get(&self.rate_limited),
        )
    }
}

/// Whether the request log is on; when it is off nothing needs to carry the credential id to
/// the request log (`routes::metrics::observe`; a copy and an allocation per request saved).
pub fn request_log_enabled() -> bool {
    tracing::enabled!(target: "tokctl::request", tracing::Level::INFO)
}
