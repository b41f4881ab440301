//! A keyed GCRA throttle for guessing defences (login per email and per address).
//!
//! Each key may spend `burst` attempts at once, then one per `interval`. Only failures are
//! charged, so a person who types the password right is never slowed down.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    burst: u32,
    interval: Duration,
    /// Theoretical arrival time per key (GCRA's one number of state).
    tat: Mutex<HashMap<String, Instant>>,
}

impl Throttle {
    pub fn new(burst: u32, interval: Duration) -> Self {
        Throttle {
            burst,
            interval,
            tat: Mutex::new(HashMap::new()),
        }
    }

    /// Ok when the key may try now, else how long until it may.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let tat = self.lock();
        match tat.get(key) {
            Some(&t) if t > now + self.interval * (self.burst - 1) => {
                Err(t - (now + self.interval * (self.burst - 1)))
            }
            _ => Ok(()),
        }
    }

    /// Charges one failure to the key.
    pub fn charge(&self, key: &str, now: Instant) {
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
