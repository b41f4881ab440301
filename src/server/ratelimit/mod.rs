//! Per-token rate limits: a per-minute and a per-hour limit from the token record, both GCRA.
//!
//! GCRA (the generic cell rate algorithm) keeps one number per limit: the *theoretical arrival
//! time* (TAT). A limit of `L` requests per period `P` has an emission interval `T = P / L`;
//! a request at `now` is allowed when `max(TAT, now) + T ≤ now + P`, and then moves the TAT
//! there. So a fresh key may spend a burst of `L` at once, after which one request refills every
//! `T` — evenly, never a fixed window that lets `2 × L` through across a boundary.
//!
//! Exactness: times are kept *scaled by the limit* (nanoseconds × `L`), which makes `T` exactly
//! `P` nanoseconds in scaled units and every comparison integer arithmetic: `L` allowed at
//! once, the `L + 1`-th refused, allowed again exactly `T` later, with no rounding drift.
//!
//! Both limits are decided together and consumed atomically: a request refused by the hour limit
//! does not spend a minute slot, and the other way round.
//!
//! What this module is not: the HTTP mapping (the auth middleware and verify turn a [`Decision`]
//! into a 429 or `rate_limited`), nor the limiters shared by several replicas,
//! [`postgres`] and [`redis`], behind the same [`RateLimiter`].
//! Those queue each [`Check`] in a batch ([`Batches`]) and decide a token's checks of a batch
//! with [`apply_in_order`] on one read of its state, then write it back by compare-and-set;
//! they judge by the store's wall clock (shared by every replica) instead of the monotonic
//! clock of the in-process limiter ([`memory`]), and fail with [`LimiterError::Unavailable`]
//! (503), never "allowed".

pub(crate) mod budget;
pub(crate) mod leak_intake;
pub(crate) mod memory;
pub(crate) mod postgres;
pub(crate) mod redis;
pub(crate) mod throttle;

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};

use crate::api::types::{RateLimit, RateLimitState};

pub(crate) use memory::LocalLimiter;

pub(crate) const MINUTE: Duration = Duration::from_secs(60);
pub(crate) const HOUR: Duration = Duration::from_secs(3600);

pub(crate) const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
pub(crate) const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
pub(crate) const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// One limit's state: the TAT in nanoseconds × `limit`, and the limit it was scaled by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cell {
    pub(crate) tat: u128,
    pub(crate) limit: u32,
}

/// Both limits of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) minute: Cell,
    pub(crate) hour: Cell,
}

/// One limit judged at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LimitOutcome {
    pub(crate) limit: u32,
    pub(crate) allowed: bool,
    /// Requests left after this one (if it was allowed and consumed).
    pub(crate) remaining: u32,
    /// Until this limit is fully refilled.
    pub(crate) reset: Duration,
    /// When refused: until one request fits.
    pub(crate) retry_after: Duration,
}

/// The answer to one check of a key against its two limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) allowed: bool,
    pub(crate) minute: LimitOutcome,
    pub(crate) hour: LimitOutcome,
}

impl Decision {
    /// How long until the request would be allowed (zero when it was).
    pub(crate) fn retry_after(&self) -> Duration {
        if self.allowed {
            return Duration::ZERO;
        }
        let m = if self.minute.allowed {
            Duration::ZERO
        } else {
            self.minute.retry_after
        };
        let h = if self.hour.allowed {
            Duration::ZERO
        } else {
            self.hour.retry_after
        };
        m.max(h)
    }

    /// `Retry-After` in whole seconds, rounded up (at least 1 when refused).
    pub(crate) fn retry_after_secs(&self) -> u64 {
        ceil_secs(self.retry_after()).max(u64::from(!self.allowed))
    }

    /// The limit that binds: the one with fewer requests left (the minute limit on a tie).
    pub(crate) fn binding(&self) -> &LimitOutcome {
        if !self.hour.allowed && self.minute.allowed {
            return &self.hour;
        }
        if !self.minute.allowed {
            return &self.minute;
        }
        if self.hour.remaining < self.minute.remaining {
            &self.hour
        } else {
            &self.minute
        }
    }

    /// verify's `rate_limit` object.
    pub(crate) fn state(&self) -> RateLimitState {
        RateLimitState {
            per_minute: self.minute.limit,
            per_hour: self.hour.limit,
            remaining_minute: self.minute.remaining,
            remaining_hour: self.hour.remaining,
        }
    }

    /// Sets `RateLimit-Limit`, `-Remaining`, `-Reset` (of the binding limit) and, when refused,
    /// `Retry-After`.
    pub(crate) fn apply_headers(&self, headers: &mut HeaderMap) {
        let b = self.binding();
        headers.insert(RATELIMIT_LIMIT, HeaderValue::from(b.limit));
        headers.insert(RATELIMIT_REMAINING, HeaderValue::from(b.remaining));
        headers.insert(RATELIMIT_RESET, HeaderValue::from(ceil_secs(b.reset)));
        if !self.allowed {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(self.retry_after_secs()),
            );
        }
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

fn nanos(d: Duration) -> u128 {
    d.as_nanos()
}

/// One limit judged at one instant, before deciding whether to consume.
#[derive(Debug, Clone, Copy)]
struct Judged {
    limit: u32,
    allowed: bool,
    /// Scaled units: the limit's multiplier, the period, now, the window end.
    scale: u128,
    period: u128,
    now: u128,
    end: u128,
    /// The TAT as it stands (at least `now`), and where this request would move it.
    tat: u128,
    next_tat: u128,
}

impl Judged {
    fn to_duration(self, scaled: u128) -> Duration {
        Duration::from_nanos(u64::try_from(scaled.div_ceil(self.scale)).unwrap_or(u64::MAX))
    }

    fn outcome(self, consumed: bool, period: Duration) -> LimitOutcome {
        let kept = if consumed { self.next_tat } else { self.tat };
        LimitOutcome {
            limit: self.limit,
            allowed: self.allowed,
            remaining: u32::try_from(self.end.saturating_sub(kept) / self.period)
                .unwrap_or(u32::MAX),
            reset: self.to_duration(kept - self.now),
            retry_after: match (self.allowed, self.limit) {
                (true, _) => Duration::ZERO,
                (false, 0) => period,
                (false, _) => self.to_duration(self.next_tat.saturating_sub(self.end)),
            },
        }
    }

    fn consumed_cell(self) -> Cell {
        Cell {
            tat: self.next_tat,
            limit: self.limit,
        }
    }
}

/// GCRA for one limit of `limit` requests per `period` at `now` (time since any fixed origin).
fn judge(cell: Option<Cell>, limit: u32, period: Duration, now: Duration) -> Judged {
    let scale = u128::from(limit.max(1));
    let p = nanos(period);
    let now_s = nanos(now) * scale;
    let window = p * scale;
    let tat = match cell {
        Some(c) if c.limit == limit => c.tat.max(now_s),
        // The token's limit changed: in scaled units the backlog `tat - now` counts used
        // requests × P whatever the limit, so carry it over as is (capped to the new window).
        Some(c) => {
            let old_now = nanos(now) * u128::from(c.limit.max(1));
            now_s + c.tat.saturating_sub(old_now).min(window)
        }
        None => now_s,
    };
    let next_tat = tat + p;
    Judged {
        limit,
        allowed: limit > 0 && next_tat <= now_s + window,
        scale,
        period: p,
        now: now_s,
        end: now_s + window,
        tat,
        next_tat,
    }
}

/// The whole step for one key: both limits judged, both consumed only if both allow (and
/// `consume` is asked). Pure, so every backend can share or mirror it. Returns the decision and
/// the entry to store when something was consumed.
pub(crate) fn gcra_step(
    entry: Option<Entry>,
    limits: RateLimit,
    now: Duration,
    consume: bool,
) -> (Decision, Option<Entry>) {
    let m = judge(entry.map(|e| e.minute), limits.per_minute, MINUTE, now);
    let h = judge(entry.map(|e| e.hour), limits.per_hour, HOUR, now);
    let allowed = m.allowed && h.allowed;
    let consumed = allowed && consume;
    let decision = Decision {
        allowed,
        minute: m.outcome(consumed, MINUTE),
        hour: h.outcome(consumed, HOUR),
    };
    let next = consumed.then(|| Entry {
        minute: m.consumed_cell(),
        hour: h.consumed_cell(),
    });
    (decision, next)
}

/// One request's check of a token, as the shared limiters queue it for a batch.
pub(crate) struct Check {
    pub(crate) key: String,
    pub(crate) limits: RateLimit,
    pub(crate) consume: bool,
}

/// Each token's checks in a batch, in arrival order, under its key (sorted: the order in which
/// a shared limiter touches rows, so replicas never deadlock).
pub(crate) type ByKey<'a> = std::collections::BTreeMap<&'a str, Vec<usize>>;

/// A shared limiter's queue: checks in flight, decided one batch at a time.
pub(crate) type Batches = super::coalesce::Coalescer<Check, Decision, String>;

/// Queues one check of `key` in `batches` and waits for its decision.
pub(crate) async fn check_in(
    batches: &Batches,
    key: &str,
    limits: RateLimit,
    consume: bool,
) -> Result<Decision, LimiterError> {
    let check = Check {
        key: key.to_string(),
        limits,
        consume,
    };
    match batches.call(check).await {
        Ok(answer) => answer.map_err(LimiterError::Unavailable),
        Err(super::coalesce::WorkerGone) => Err(LimiterError::Unavailable(
            "the rate-limit worker stopped".into(),
        )),
    }
}

pub(crate) fn by_key(checks: &[Check]) -> ByKey<'_> {
    let mut keys = ByKey::new();
    for (i, c) in checks.iter().enumerate() {
        keys.entry(c.key.as_str()).or_default().push(i);
    }
    keys
}

/// Applies one token's checks (`indices` into `checks`), one after another, to its state as
/// read at `now`, writing each decision. Returns the state to store when something was consumed.
pub(crate) fn apply_in_order(
    checks: &[Check],
    indices: &[usize],
    read: Option<Entry>,
    now: Duration,
    decisions: &mut [Option<Decision>],
) -> Option<Entry> {
    let mut entry = read;
    let mut moved = false;
    for &i in indices {
        let c = &checks[i];
        let (decision, next) = gcra_step(entry, c.limits, now, c.consume);
        if next.is_some() {
            entry = next;
            moved = true;
        }
        decisions[i] = Some(decision);
    }
    entry.filter(|_| moved)
}

/// Whether a key's entry is fully refilled at `now` (and so the same as no entry at all).
pub(crate) fn idle(entry: &Entry, now: Duration) -> bool {
    let full = |c: &Cell| c.tat <= nanos(now) * u128::from(c.limit.max(1));
    full(&entry.minute) && full(&entry.hour)
}

/// The counter store could not decide; the request is refused with 503, never allowed.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum LimiterError {
    #[error("the rate-limit store is unavailable: {0}")]
    Unavailable(String),
}

/// The limiter the server runs with. Handlers call [`RateLimiter::check`] and never see which
/// backend answers: in-process for one server (SQLite), in PostgreSQL or Redis for replicas.
pub(crate) enum RateLimiter {
    Local(LocalLimiter),
    Postgres(postgres::PgLimiter),
    Redis(Box<self::redis::RedisLimiter>),
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::Local(LocalLimiter::default())
    }
}

impl RateLimiter {
    /// Whether checks are decided by a store shared with other replicas (a round trip each)
    /// rather than in this process.
    pub(crate) fn is_shared(&self) -> bool {
        !matches!(self, RateLimiter::Local(_))
    }

    /// Checks and, if allowed, consumes one request of the token `key`.
    pub(crate) async fn check(
        &self,
        key: &str,
        limits: RateLimit,
    ) -> Result<Decision, LimiterError> {
        self.decide(key, limits, true).await
    }

    /// What a check would answer now, consuming nothing.
    pub(crate) async fn peek(
        &self,
        key: &str,
        limits: RateLimit,
    ) -> Result<Decision, LimiterError> {
        self.decide(key, limits, false).await
    }

    async fn decide(
        &self,
        key: &str,
        limits: RateLimit,
        consume: bool,
    ) -> Result<Decision, LimiterError> {
        // The shared backends' futures are boxed: they already pay a network round trip, and
        // inline they would make every future awaiting a check (the auth middleware's, verify's)
        // kilobytes larger, copied on every request even when the limiter is local.
        match self {
            RateLimiter::Local(l) => Ok(if consume {
                l.check_at(key, limits, l.now())
            } else {
                l.peek_at(key, limits, l.now())
            }),
            RateLimiter::Postgres(l) => Box::pin(l.check(key, limits, consume)).await,
            RateLimiter::Redis(l) => Box::pin(l.check(key, limits, consume)).await,
        }
    }

    /// Checks answered from blocks of budget this replica held (PostgreSQL counters only).
    pub(crate) fn checks_from_blocks(&self) -> Option<u64> {
        match self {
            RateLimiter::Postgres(l) => Some(l.checks_from_blocks()),
            RateLimiter::Local(_) | RateLimiter::Redis(_) => None,
        }
    }

    /// Forgets keys idle past their hour window (bounded memory); run periodically.
    pub(crate) async fn sweep(&self) -> usize {
        match self {
            RateLimiter::Local(l) => l.sweep_at(l.now()),
            RateLimiter::Postgres(l) => match l.sweep().await {
                Ok(n) => usize::try_from(n).unwrap_or(usize::MAX),
                Err(e) => {
                    tracing::warn!(error = %e, "rate-limit sweep failed; will retry");
                    0
                }
            },
            // Redis expires idle keys itself (a TTL on every write).
            RateLimiter::Redis(_) => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn limits(per_minute: u32, per_hour: u32) -> RateLimit {
        RateLimit {
            per_minute,
            per_hour,
        }
    }

    const T0: Duration = Duration::from_secs(1_000);

    #[test]
    fn burst_of_n_then_refused_then_allowed_exactly_after_one_interval() {
        let l = LocalLimiter::default();
        let lim = limits(7, 1000);
        for i in 0..7 {
            let d = l.check_at("tk_a", lim, T0);
            assert!(d.allowed, "request {i}");
            assert_eq!(d.minute.remaining, 6 - i);
        }
        let refused = l.check_at("tk_a", lim, T0);
        assert!(!refused.allowed);
        assert_eq!(refused.minute.remaining, 0);
        // 60 s / 7 = 8.571428571… s, rounded up to the next nanosecond.
        assert_eq!(refused.retry_after(), Duration::from_nanos(8_571_428_572));
        assert_eq!(refused.retry_after_secs(), 9);
        // One nanosecond early is still too early (the interval is 8.5714285714… s).
        assert!(
            !l.check_at("tk_a", lim, T0 + Duration::from_nanos(8_571_428_571))
                .allowed
        );
        let again = l.check_at("tk_a", lim, T0 + Duration::from_nanos(8_571_428_572));
        assert!(again.allowed);
        assert_eq!(again.minute.remaining, 0);
        // Other keys are untouched.
        assert!(l.check_at("tk_b", lim, T0).allowed);
    }

    #[test]
    fn after_the_burst_the_rate_is_even_never_a_fresh_window() {
        let l = LocalLimiter::default();
        let lim = limits(60, 100_000);
        for _ in 0..60 {
            assert!(l.check_at("k", lim, T0).allowed);
        }
        // A fixed window would hand out 60 more at the minute boundary; GCRA gives one a second.
        let mut allowed = 0;
        for ms in (0..=60_000u64).step_by(100) {
            let now = T0 + Duration::from_millis(ms);
            while l.check_at("k", lim, now).allowed {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 60);
    }

    #[test]
    fn refused_by_the_hour_limit_spends_no_minute_slot() {
        let l = LocalLimiter::default();
        let lim = limits(10, 3);
        for _ in 0..3 {
            assert!(l.check_at("k", lim, T0).allowed);
        }
        let d = l.check_at("k", lim, T0);
        assert!(!d.allowed);
        assert!(d.minute.allowed && !d.hour.allowed);
        assert_eq!(d.state().remaining_minute, 7);
        assert_eq!(d.state().remaining_hour, 0);
        assert_eq!(d.retry_after(), Duration::from_secs(1200));
        assert_eq!(d.binding().limit, 3);
        // Still 7 minute slots: the refusals above consumed nothing.
        for _ in 0..5 {
            assert!(!l.check_at("k", lim, T0).allowed);
        }
        assert_eq!(l.peek_at("k", lim, T0).minute.remaining, 7);
    }

    #[test]
    fn refused_by_the_minute_limit_spends_no_hour_slot() {
        let l = LocalLimiter::default();
        let lim = limits(2, 100);
        assert!(l.check_at("k", lim, T0).allowed);
        assert!(l.check_at("k", lim, T0).allowed);
        for _ in 0..10 {
            let d = l.check_at("k", lim, T0);
            assert!(!d.allowed && !d.minute.allowed && d.hour.allowed);
            assert_eq!(d.hour.remaining, 98);
        }
    }

    #[test]
    fn peek_consumes_nothing() {
        let l = LocalLimiter::default();
        let lim = limits(2, 10);
        for _ in 0..5 {
            let d = l.peek_at("k", lim, T0);
            assert!(d.allowed);
            assert_eq!((d.minute.remaining, d.hour.remaining), (2, 10));
        }
        assert!(l.is_empty());
        l.check_at("k", lim, T0);
        assert_eq!(l.peek_at("k", lim, T0).minute.remaining, 1);
    }

    #[test]
    fn headers_name_the_binding_limit() {
        let l = LocalLimiter::default();
        let lim = limits(5, 1000);
        let d = l.check_at("k", lim, T0);
        let mut h = HeaderMap::new();
        d.apply_headers(&mut h);
        assert_eq!(h[RATELIMIT_LIMIT], "5");
        assert_eq!(h[RATELIMIT_REMAINING], "4");
        assert_eq!(h[RATELIMIT_RESET], "12");
        assert!(h.get(header::RETRY_AFTER).is_none());
        for _ in 0..4 {
            l.check_at("k", lim, T0);
        }
        let refused = l.check_at("k", lim, T0);
        let mut h = HeaderMap::new();
        refused.apply_headers(&mut h);
        assert_eq!(h[RATELIMIT_REMAINING], "0");
        assert_eq!(h[RATELIMIT_RESET], "60");
        assert_eq!(h[header::RETRY_AFTER], "12");
    }

    #[test]
    fn idle_keys_are_swept_once_fully_refilled() {
        let l = LocalLimiter::default();
        let lim = limits(60, 1000);
        l.check_at("a", lim, T0);
        l.check_at("b", lim, T0 + Duration::from_secs(600));
        assert_eq!(l.sweep_at(T0 + Duration::from_secs(3)), 0);
        // One request fills 3.6 s of the hour limit: "a" is idle 3.6 s after its request.
        assert_eq!(l.sweep_at(T0 + Duration::from_millis(3_600)), 1);
        assert_eq!(l.len(), 1);
        assert_eq!(l.sweep_at(T0 + Duration::from_secs(700)), 1);
        assert!(l.is_empty());
    }

    #[test]
    fn a_changed_limit_keeps_what_was_used() {
        let l = LocalLimiter::default();
        for _ in 0..4 {
            assert!(l.check_at("k", limits(5, 1000), T0).allowed);
        }
        // Raised to 10/min: 4 used, 6 left.
        let d = l.check_at("k", limits(10, 1000), T0);
        assert!(d.allowed);
        assert_eq!(d.minute.remaining, 5);
        // Lowered to 3/min: 5 used already, nothing left.
        assert!(!l.check_at("k", limits(3, 1000), T0).allowed);
    }

    #[test]
    fn a_zero_limit_refuses_everything() {
        let l = LocalLimiter::default();
        let d = l.check_at("k", limits(0, 10), T0);
        assert!(!d.allowed);
        assert_eq!(d.retry_after(), MINUTE);
    }
}
