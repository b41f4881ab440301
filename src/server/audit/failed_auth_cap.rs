//! The cap on `auth.failed` audit rows per client address.
//!
//! A failed authentication costs an outsider nothing, so without a cap every bad bearer would
//! buy one database write. Each address (an IPv6 client by its /64, like the login throttle)
//! may write [`BURST`] rows at once, then one per [`INTERVAL`] (GCRA). A failure over the cap
//! is not written but counted, and the address's next row that is written carries the count as
//! `"suppressed": n` in its detail, so the log still accounts for every failure; the process
//! total is `tokctl_auth_failures_unaudited_total` in `/metrics`.
//!
//! It does not refuse or slow any request: the 401 answers are the same with or without it.
//! Kept in each replica's memory, like the login throttle.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::server::ratelimit::throttle::address_key;

/// Rows one address may write at once.
pub const BURST: u32 = 20;
/// Then one row per interval: 20 a minute sustained.
pub const INTERVAL: Duration = Duration::from_secs(3);
/// Addresses tracked at most. An address stays tracked for at most `BURST × INTERVAL` after
/// its last failure, so this is only reached by a spray from more addresses than that in a
/// minute; their failures then go unwritten (and counted in `/metrics`) rather than letting
/// memory or database writes grow without bound.
pub(crate) const MAX_ADDRESSES: usize = 100_000;

/// Whether a failure may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Write it, with the number of this address's failures left unwritten since its last row.
    Record { suppressed: u64 },
    /// Over the cap: not written; counted towards the address's next row.
    Suppress,
}

struct Slot {
    /// Theoretical arrival time (GCRA's one number of state).
    tat: Instant,
    suppressed: u64,
}

struct Table {
    slots: HashMap<String, Slot>,
    /// When a full table was last swept: sweeping is O(size), so a spray that keeps it full
    /// must not pay for a sweep on every request.
    last_sweep: Option<Instant>,
}

pub(crate) struct FailureAuditCap {
    burst: u32,
    interval: Duration,
    max_addresses: usize,
    table: Mutex<Table>,
}

impl Default for FailureAuditCap {
    fn default() -> Self {
        FailureAuditCap::new(BURST, INTERVAL, MAX_ADDRESSES)
    }
}

impl FailureAuditCap {
    pub(crate) fn new(burst: u32, interval: Duration, max_addresses: usize) -> Self {
        FailureAuditCap {
            burst: burst.max(1),
            interval,
            max_addresses,
            table: Mutex::new(Table {
                slots: HashMap::new(),
                last_sweep: None,
            }),
        }
    }

    /// Charges one failed authentication from `ip` at `now`.
    pub(crate) fn admit(&self, ip: IpAddr, now: Instant) -> Admission {
        let key = address_key(ip);
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        if !table.slots.contains_key(&key) && table.slots.len() >= self.max_addresses {
            let swept_recently = table
                .last_sweep
                .is_some_and(|at| now.saturating_duration_since(at) < self.interval);
            if !swept_recently {
                // A fully refilled address would be admitted anyway; a pending count it
                // still held is lost from the log here (it stays in `/metrics`).
                table.slots.retain(|_, s| s.tat > now);
                table.last_sweep = Some(now);
            }
            if table.slots.len() >= self.max_addresses {
                return Admission::Suppress;
            }
        }
        let slot = table.slots.entry(key).or_insert(Slot {
            tat: now,
            suppressed: 0,
        });
        let tat = slot.tat.max(now);
        if tat > now + self.interval * (self.burst - 1) {
            slot.suppressed += 1;
            return Admission::Suppress;
        }
        slot.tat = tat + self.interval;
        Admission::Record {
            suppressed: std::mem::take(&mut slot.suppressed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn burst_then_suppressed_then_the_next_row_carries_the_count() {
        let cap = FailureAuditCap::new(3, Duration::from_secs(10), 100);
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(
                cap.admit(ip("10.0.0.1"), now),
                Admission::Record { suppressed: 0 }
            );
        }
        for _ in 0..5 {
            assert_eq!(cap.admit(ip("10.0.0.1"), now), Admission::Suppress);
        }
        // Another address has its own budget.
        assert_eq!(
            cap.admit(ip("10.0.0.2"), now),
            Admission::Record { suppressed: 0 }
        );
        let later = now + Duration::from_secs(10);
        assert_eq!(
            cap.admit(ip("10.0.0.1"), later),
            Admission::Record { suppressed: 5 }
        );
        assert_eq!(cap.admit(ip("10.0.0.1"), later), Admission::Suppress);
    }

    #[test]
    fn an_ipv6_slash_64_shares_one_budget() {
        let cap = FailureAuditCap::new(2, Duration::from_secs(10), 100);
        let now = Instant::now();
        assert!(matches!(
            cap.admit(ip("2001:db8:1:2::1"), now),
            Admission::Record { .. }
        ));
        assert!(matches!(
            cap.admit(ip("2001:db8:1:2::2"), now),
            Admission::Record { .. }
        ));
        assert_eq!(cap.admit(ip("2001:db8:1:2::3"), now), Admission::Suppress);
        assert!(matches!(
            cap.admit(ip("2001:db8:1:3::1"), now),
            Admission::Record { .. }
        ));
    }

    #[test]
    fn a_full_table_forgets_refilled_addresses_and_suppresses_new_ones_while_full() {
        let cap = FailureAuditCap::new(1, Duration::from_secs(10), 2);
        let now = Instant::now();
        assert!(matches!(
            cap.admit(ip("10.0.0.1"), now),
            Admission::Record { .. }
        ));
        assert!(matches!(
            cap.admit(ip("10.0.0.2"), now),
            Admission::Record { .. }
        ));
        // Both still draining: a third address is not tracked, so it is not written.
        assert_eq!(cap.admit(ip("10.0.0.3"), now), Admission::Suppress);
        // Once they have refilled, the sweep makes room.
        let later = now + Duration::from_secs(10);
        assert!(matches!(
            cap.admit(ip("10.0.0.3"), later),
            Admission::Record { .. }
        ));
    }
}
