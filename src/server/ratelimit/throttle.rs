//! A keyed GCRA throttle for guessing defences (login per email and per address).
//!
//! Each key may spend `burst` attempts at once, then one per `interval`. Only failures are
//! charged, so a person who types the password right is never slowed down.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The throttle key of a client address: an IPv4 address as is, an IPv6 address by its /64.
/// A single host is usually given a whole /64, so keying by the full address would let one
/// attacker cycle through 2^64 fresh budgets.
pub(crate) fn address_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => format!("ip:{v4}"),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let s = v6.segments();
                format!("ip6:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

pub(crate) struct Throttle {
    burst: u32,
    interval: Duration,
    /// Theoretical arrival time per key (GCRA's one number of state).
    tat: Mutex<HashMap<String, Instant>>,
}

impl Throttle {
    pub(crate) fn new(burst: u32, interval: Duration) -> Self {
        Throttle {
            burst,
            interval,
            tat: Mutex::new(HashMap::new()),
        }
    }

    /// Ok when the key may try now, else how long until it may.
    pub(crate) fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let tat = self.lock();
        match tat.get(key) {
            Some(&t) if t > now + self.interval * (self.burst - 1) => {
                Err(t - (now + self.interval * (self.burst - 1)))
            }
            _ => Ok(()),
        }
    }

    /// Charges one failure to the key.
    pub(crate) fn charge(&self, key: &str, now: Instant) {
        let mut tat = self.lock();
        if tat.len() > 100_000 {
            // Forget keys whose budget has fully refilled: bounded memory under a spray.
            tat.retain(|_, t| *t > now);
        }
        let t = tat.get(key).copied().unwrap_or(now).max(now);
        tat.insert(key.to_string(), t + self.interval);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.tat.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_share_their_slash_64() {
        let a = address_key("2001:db8:1:2::1".parse().unwrap());
        let b = address_key("2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap());
        let c = address_key("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            address_key("::ffff:10.0.0.1".parse().unwrap()),
            "ip:10.0.0.1"
        );
        assert_eq!(address_key("10.0.0.1".parse().unwrap()), "ip:10.0.0.1");
    }

    #[test]
    fn burst_then_refused_then_refilled() {
        let t = Throttle::new(3, Duration::from_secs(10));
        let now = Instant::now();
        for _ in 0..3 {
            assert!(t.check("a", now).is_ok());
            t.charge("a", now);
        }
        let wait = t.check("a", now).unwrap_err();
        assert_eq!(wait, Duration::from_secs(10));
        assert!(t.check("b", now).is_ok());
        assert!(t.check("a", now + Duration::from_secs(10)).is_ok());
    }
}
