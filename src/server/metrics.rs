//! Prometheus metrics and the structured request log: the counters and their text format, served
//! and fed by `routes::metrics`.
//!
//! Counters are plain atomics: recording costs a few nanoseconds and no lock; `prometheus-client`
//! writes them out at a scrape. The request log
//! names the path, never the query string, and a secret-shaped part of the path is written as
//! `[redacted]` (such a request is refused, but the log line of the refusal is written too).

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, prometheus_text};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// The credential a response was made for, set by the auth middleware for the request log.
#[derive(Clone, Debug)]
pub(crate) struct CredentialId(pub(crate) String);

#[derive(Default)]
pub(crate) struct Metrics {
    requests_2xx: AtomicU64,
    requests_4xx: AtomicU64,
    requests_5xx: AtomicU64,
    requests_other: AtomicU64,
    pub(crate) auth_failures: AtomicU64,
    /// Failed authentications over the per-address audit cap, so not written as a row.
    pub(crate) auth_failures_unaudited: AtomicU64,
    pub(crate) rate_limited: AtomicU64,
}

impl Metrics {
    pub(crate) fn count(&self, status: u16) {
        let c = match status {
            200..=299 => &self.requests_2xx,
            400..=499 => &self.requests_4xx,
            500..=599 => &self.requests_5xx,
            _ => &self.requests_other,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4) of the counters, with the access-log
    /// buffer's `pending_usage` and `dropped_usage`.
    pub(crate) fn render(
        &self,
        pending_usage: usize,
        dropped_usage: u64,
        lease: Option<LeaseStats>,
        block_checks: Option<u64>,
    ) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let snapshot = Snapshot {
            requests: [
                ("2xx", get(&self.requests_2xx)),
                ("4xx", get(&self.requests_4xx)),
                ("5xx", get(&self.requests_5xx)),
                ("other", get(&self.requests_other)),
            ],
            auth_failures: get(&self.auth_failures),
            auth_failures_unaudited: get(&self.auth_failures_unaudited),
            rate_limited: get(&self.rate_limited),
            usage_pending: i64::try_from(pending_usage).unwrap_or(i64::MAX),
            usage_dropped: dropped_usage,
            lease,
            block_checks,
        };
        let mut registry = Registry::default();
        registry.register_collector(Box::new(snapshot));
        let mut text = String::new();
        prometheus_text::encode(&mut text, &registry).expect("writing to a String cannot fail");
        text
    }
}

/// The counters' values at one scrape. Counting stays on the plain atomics above (no lock, no
/// label lookup per request); this collector only writes the values, in a fixed order.
#[derive(Debug)]
struct Snapshot {
    requests: [(&'static str, u64); 4],
    auth_failures: u64,
    auth_failures_unaudited: u64,
    rate_limited: u64,
    usage_pending: i64,
    usage_dropped: u64,
    lease: Option<LeaseStats>,
    block_checks: Option<u64>,
}

/// How a PostgreSQL replica judges credentials: on a credential lease, or by reading the epoch
/// (`store::lease`). None on SQLite.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LeaseStats {
    pub(crate) held: bool,
    pub(crate) epoch_reads: u64,
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let mut requests = encoder.encode_descriptor(
            "tokctl_http_requests",
            "HTTP requests answered, by status class.",
            None,
            MetricType::Counter,
        )?;
        for (class, n) in self.requests {
            ConstCounter::new(n).encode(requests.encode_family(&[("class", class)])?)?;
        }
        let counters = [
            (
                "tokctl_auth_failures",
                "Requests refused for a missing, malformed, unknown, expired or revoked credential.",
                self.auth_failures,
            ),
            (
                "tokctl_auth_failures_unaudited",
                "Failed authentications not written to the audit log (over the per-address cap); each address's next auth.failed row counts them as suppressed.",
                self.auth_failures_unaudited,
            ),
            (
                "tokctl_rate_limited",
                "Requests and verifies refused by a token's rate limit.",
                self.rate_limited,
            ),
        ];
        for (name, help, n) in counters {
            ConstCounter::new(n).encode(encoder.encode_descriptor(
                name,
                help,
                None,
                MetricType::Counter,
            )?)?;
        }
        ConstGauge::new(self.usage_pending).encode(encoder.encode_descriptor(
            "tokctl_usage_pending",
            "Access-log rows buffered, not yet written.",
            None,
            MetricType::Gauge,
        )?)?;
        ConstCounter::new(self.usage_dropped).encode(encoder.encode_descriptor(
            "tokctl_usage_dropped",
            "Access-log rows dropped because the database stayed unreachable.",
            None,
            MetricType::Counter,
        )?)?;
        if let Some(n) = self.block_checks {
            ConstCounter::new(n).encode(encoder.encode_descriptor(
                "tokctl_rate_limit_block_checks",
                "Rate-limit checks this replica answered from a block of a token's budget it held, without a round trip (tokens with room for 1024 or more requests).",
                None,
                MetricType::Counter,
            )?)?;
        }
        let Some(lease) = self.lease else {
            return Ok(());
        };
        ConstGauge::new(i64::from(lease.held)).encode(encoder.encode_descriptor(
            "tokctl_credential_lease_held",
            "1 while this replica holds a credential lease and answers from its cache without reading the credential epoch.",
            None,
            MetricType::Gauge,
        )?)?;
        ConstCounter::new(lease.epoch_reads).encode(encoder.encode_descriptor(
            "tokctl_credential_epoch_reads",
            "Reads of the credential epoch for requests, made while this replica held no credential lease (one read serves the requests in flight).",
            None,
            MetricType::Counter,
        )?)
    }
}

/// Whether the request log is on; when it is off nothing needs to carry the credential id to
/// the request log (`routes::metrics::observe`; a copy and an allocation per request saved).
pub(crate) fn request_log_enabled() -> bool {
    tracing::enabled!(target: "tokctl::request", tracing::Level::INFO)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exposition scrapers and dashboards read, byte for byte (it was written by hand
    /// before prometheus-client).
    #[test]
    fn the_exposition_is_unchanged() {
        let m = Metrics::default();
        m.count(200);
        m.count(204);
        m.count(404);
        m.count(503);
        m.count(101);
        m.auth_failures.fetch_add(3, Ordering::Relaxed);
        m.auth_failures_unaudited.fetch_add(4, Ordering::Relaxed);
        m.rate_limited.fetch_add(5, Ordering::Relaxed);
        assert_eq!(
            m.render(6, 7, None, None),
            "# HELP tokctl_http_requests_total HTTP requests answered, by status class.\n\
             # TYPE tokctl_http_requests_total counter\n\
             tokctl_http_requests_total{class=\"2xx\"} 2\n\
             tokctl_http_requests_total{class=\"4xx\"} 1\n\
             tokctl_http_requests_total{class=\"5xx\"} 1\n\
             tokctl_http_requests_total{class=\"other\"} 1\n\
             # HELP tokctl_auth_failures_total Requests refused for a missing, malformed, unknown, expired or revoked credential.\n\
             # TYPE tokctl_auth_failures_total counter\n\
             tokctl_auth_failures_total 3\n\
             # HELP tokctl_auth_failures_unaudited_total Failed authentications not written to the audit log (over the per-address cap); each address's next auth.failed row counts them as suppressed.\n\
             # TYPE tokctl_auth_failures_unaudited_total counter\n\
             tokctl_auth_failures_unaudited_total 4\n\
             # HELP tokctl_rate_limited_total Requests and verifies refused by a token's rate limit.\n\
             # TYPE tokctl_rate_limited_total counter\n\
             tokctl_rate_limited_total 5\n\
             # HELP tokctl_usage_pending Access-log rows buffered, not yet written.\n\
             # TYPE tokctl_usage_pending gauge\n\
             tokctl_usage_pending 6\n\
             # HELP tokctl_usage_dropped_total Access-log rows dropped because the database stayed unreachable.\n\
             # TYPE tokctl_usage_dropped_total counter\n\
             tokctl_usage_dropped_total 7\n"
        );
    }

    #[test]
    fn a_postgres_replica_says_how_it_judges_credentials() {
        let text = Metrics::default().render(
            0,
            0,
            Some(LeaseStats {
                held: true,
                epoch_reads: 9,
            }),
            Some(11),
        );
        assert!(
            text.contains("\ntokctl_rate_limit_block_checks_total 11\n"),
            "{text}"
        );
        assert!(
            text.contains("\ntokctl_credential_lease_held 1\n"),
            "{text}"
        );
        assert!(
            text.contains("\ntokctl_credential_epoch_reads_total 9\n"),
            "{text}"
        );
    }
}
