//! Blocks of a token's budget that a replica spends on its own.
//!
//! With counters in PostgreSQL, every check of a token is decided by a statement shared with
//! the checks in flight beside it. That statement (its round trip, its encoding, the wake-ups of
//! every request waiting for it, its row write) is what kept a verify on PostgreSQL at about
//! four times the CPU of `/healthz`; a build that decided the same checks in process measured
//! under two (docs/performance.md). So a replica that finds a token with plenty of room takes a
//! **block** of `k` requests in the statement that decides the token's checks, and answers the
//! token's next `k` checks itself, without a round trip, for at most [`HORIZON`].
//!
//! **Never more than the exact limiter.** A block is charged as if all its requests came at
//! `now + HORIZON`: the theoretical arrival time moves to `max(TAT, now + HORIZON) + k·T`, and
//! only if that fits the window of the real `now`. The replica spends the block only before
//! that instant by the database's clock (its deadline allows for how far this replica's reading
//! of that clock may trail it). So whenever a block's request is spent, the shared TAT already
//! lies past the moment it is spent, the GCRA step it stands for is a plain addition, and every
//! request other replicas admitted meanwhile was judged against a TAT that counted the whole
//! block. Replaying all admitted requests through the exact limiter, in the order they were
//! really admitted, allows every one: the property test
//! `blocks_never_admit_what_the_exact_limiter_would_refuse` checks exactly that.
//!
//! **What it gives up**, and only for tokens with room for at least [`FLOOR`] more requests in
//! both limits (the defaults, 60/min and 1000/hour, and sessions' 600/min never take a block,
//! and stay exact to the request across replicas):
//! - a block's unspent requests are lost when it expires, and while another replica holds a
//!   block this one cannot spend it, so such a token may be refused early by up to one block per
//!   other replica (at most [`MAX_BLOCK`], and at most 1/[`SHARE`] of its room);
//! - charging at `now + HORIZON` holds back up to [`HORIZON`] of refill (a tenth of a second's
//!   worth: 0.17% of a per-minute limit);
//! - a check answered from a block reports the room left as it was when the block was taken,
//!   plus what is left of the block.
//!
//! Blocks follow demand: the next block is what the last one's pace would spend in a quarter of
//! [`HORIZON`] (at most twice the last one), so a block runs out well before it expires unless
//! the token suddenly slows down fourfold, and only then are requests lost. A token used a few
//! times a second takes small blocks; one used thousands of times a second takes a statement per
//! [`MAX_BLOCK`] checks.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::api::types::RateLimit;

use super::{Cell, Decision, Entry, HOUR, Judged, LimitOutcome, MINUTE, nanos};

/// How long a block may be spent, by the database's clock, from the moment it was decided.
pub(crate) const HORIZON: Duration = Duration::from_millis(100);
/// Room (requests that fit now, in the tighter limit) below which a token takes no block.
pub(crate) const FLOOR: u32 = 1024;
/// The most requests in one block.
pub(crate) const MAX_BLOCK: u32 = 256;
/// A block is at most this fraction (1/SHARE) of the room left.
pub(crate) const SHARE: u32 = 16;
/// Allowance for the two clocks running at different rates over a [`HORIZON`] (NTP slews by up
/// to 500 ppm: 0.05 ms) and for scheduling between reading `Instant::now` and deciding.
const MARGIN: Duration = Duration::from_millis(2);
/// Blocks held beyond this are all dropped (bounded memory; a dropped block only wastes room).
const MAX_HELD: usize = 10_000;

/// One limit with a block of `k` taken at `now`, charged at `now + HORIZON`: the judgement, or
/// None when less than [`FLOOR`] fits or the token's limit changed since its row was written.
fn charge(
    cell: Option<Cell>,
    limit: u32,
    period: Duration,
    now: Duration,
    k: u128,
) -> Option<Judged> {
    let scale = u128::from(limit);
    let p = nanos(period);
    let now_s = nanos(now) * scale;
    let end = now_s + p * scale;
    let from = (nanos(now + HORIZON) * scale).max(match cell {
        Some(c) if c.limit == limit => c.tat,
        Some(_) => return None,
        None => 0,
    });
    let room = end.saturating_sub(from) / p;
    if limit == 0 || room < u128::from(FLOOR) {
        return None;
    }
    Some(Judged {
        limit,
        allowed: true,
        scale,
        period: p,
        now: now_s,
        end,
        tat: from,
        next_tat: from + k * p,
    })
}

/// Takes a block of up to `want` requests of a token whose row is `entry`, at `now` by the
/// database's clock. Returns the row to write, the decision the block's checks answer from (its
/// room is what is left after the whole block), and the block's size; None when the token has
/// too little room for a block (see [`FLOOR`]).
pub(crate) fn take(
    entry: Option<Entry>,
    limits: RateLimit,
    now: Duration,
    want: u32,
) -> Option<(Entry, Decision, u32)> {
    // The size depends on both limits' room: judge each once to learn it, then charge.
    let room = |cell: Option<Cell>, limit, period| {
        charge(cell, limit, period, now, 0).map(|j| (j.end - j.tat) / j.period)
    };
    let minute_room = room(entry.map(|e| e.minute), limits.per_minute, MINUTE)?;
    let hour_room = room(entry.map(|e| e.hour), limits.per_hour, HOUR)?;
    let k = u128::from(want.min(MAX_BLOCK))
        .min(minute_room.min(hour_room) / u128::from(SHARE))
        .max(1);
    let m = charge(entry.map(|e| e.minute), limits.per_minute, MINUTE, now, k)?;
    let h = charge(entry.map(|e| e.hour), limits.per_hour, HOUR, now, k)?;
    let decision = Decision {
        allowed: true,
        minute: m.outcome(true, MINUTE),
        hour: h.outcome(true, HOUR),
    };
    let next = Entry {
        minute: m.consumed_cell(),
        hour: h.consumed_cell(),
    };
    Some((next, decision, u32::try_from(k).unwrap_or(MAX_BLOCK)))
}

/// The last moment a block decided at `decided` (a local instant) may be spent, when this
/// replica's reading of the database's clock may trail it by up to `lag`; None when the lag
/// leaves less than half of [`HORIZON`] (the block would not be worth its charge).
pub(crate) fn deadline(decided: Instant, lag: Duration) -> Option<Instant> {
    let usable = HORIZON.checked_sub(lag + MARGIN)?;
    (usable >= HORIZON / 2).then(|| decided + usable)
}

/// A block this replica holds.
struct Block {
    limits: RateLimit,
    size: u32,
    left: u32,
    taken: Instant,
    until: Instant,
    decision: Decision,
}

impl Block {
    fn spendable(&self, limits: RateLimit, now: Instant) -> bool {
        self.limits == limits && self.left > 0 && now < self.until
    }
}

/// The blocks this replica holds, by token.
#[derive(Default)]
pub(crate) struct Blocks {
    held: HashMap<String, Block>,
}

impl Blocks {
    /// Spends one request of `key`'s block, when this replica holds one for these limits that
    /// has requests left and has not expired.
    pub(crate) fn spend(&mut self, key: &str, limits: RateLimit, now: Instant) -> Option<Decision> {
        let block = self.held.get_mut(key)?;
        if !block.spendable(limits, now) {
            return None;
        }
        block.left -= 1;
        let with_left = |o: LimitOutcome| LimitOutcome {
            remaining: o.remaining.saturating_add(block.left),
            ..o
        };
        Some(Decision {
            allowed: true,
            minute: with_left(block.decision.minute),
            hour: with_left(block.decision.hour),
        })
    }

    /// Whether this replica holds a block of `key` it can still spend: a batch that reaches the
    /// row while one does (its checks queued before the block came) takes no other, which would
    /// throw this one's requests away.
    pub(crate) fn holds(&self, key: &str, limits: RateLimit, now: Instant) -> bool {
        self.held.get(key).is_some_and(|b| b.spendable(limits, now))
    }

    /// How large `key`'s next block should be, given `demand` checks of it in the batch at
    /// hand: what the last block's pace (spent since it was taken) would spend in a quarter of
    /// [`HORIZON`], at most twice its size, and at least `demand`.
    pub(crate) fn want(&self, key: &str, demand: u32, now: Instant) -> u32 {
        let paced = self.held.get(key).map_or(0, |b| {
            let spent = u128::from(b.size - b.left);
            let took = now.saturating_duration_since(b.taken).as_micros().max(1);
            let quarter = (HORIZON / 4).as_micros();
            u32::try_from(spent * quarter / took)
                .unwrap_or(u32::MAX)
                .min(b.size.saturating_mul(2))
        });
        paced.max(demand).max(1)
    }

    /// Holds a block of `size` requests of `key`, taken at `taken`, to be spent before `until`.
    pub(crate) fn hold(
        &mut self,
        key: &str,
        limits: RateLimit,
        size: u32,
        (taken, until): (Instant, Instant),
        decision: Decision,
    ) {
        if self.held.len() >= MAX_HELD && !self.held.contains_key(key) {
            let now = Instant::now();
            self.held.retain(|_, b| b.until > now);
            if self.held.len() >= MAX_HELD {
                self.held.clear();
            }
        }
        let block = Block {
            limits,
            size,
            left: size,
            taken,
            until,
            decision,
        };
        self.held.insert(key.to_string(), block);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::gcra_step;
    use super::super::tests::limits;
    use super::*;

    const T0: Duration = Duration::from_secs(10_000);

    #[test]
    fn tokens_with_little_room_take_no_block() {
        // The defaults and sessions' limits: exact, a statement per batch, as before.
        for l in [limits(60, 1000), limits(600, 20_000), limits(100_000, 1000)] {
            assert!(take(None, l, T0, 8).is_none(), "{l:?}");
        }
        // Room for FLOOR and more in both: a block.
        let (_, _, k) = take(None, limits(60_000, 1_000_000), T0, 8).expect("a block");
        assert_eq!(k, 8);
    }

    #[test]
    fn a_block_is_capped_by_its_share_of_the_room_and_by_max_block() {
        let (_, _, k) = take(None, limits(1_000_000, 10_000_000), T0, 10_000).expect("a block");
        assert_eq!(k, MAX_BLOCK);
        // 2,000 a minute: 1,996 fit once the horizon's refill is held back; a 16th of that.
        let (_, _, k) = take(None, limits(2_000, 100_000), T0, 10_000).expect("a block");
        assert_eq!(k, 1_996 / SHARE);
    }

    #[test]
    fn a_block_is_charged_at_the_horizon_and_reports_the_room_after_it() {
        let l = limits(6_000, 1_000_000); // one request per 10 ms a minute
        let (entry, d, k) = take(None, l, T0, 100).expect("a block");
        assert_eq!(k, 100);
        // The minute's TAT: now + 100 ms (the horizon) + 100 × 10 ms.
        let scale = 6_000u128;
        assert_eq!(
            entry.minute.tat,
            nanos(T0 + HORIZON + Duration::from_millis(1_000)) * scale
        );
        // 6,000 - 10 (the horizon's refill) - 100.
        assert_eq!(d.minute.remaining, 5_890);
        assert!(d.allowed);
    }

    #[test]
    fn a_changed_limit_takes_no_block_until_the_row_is_rewritten() {
        let (entry, _, _) = take(None, limits(60_000, 1_000_000), T0, 8).expect("a block");
        assert!(take(Some(entry), limits(70_000, 1_000_000), T0, 8).is_none());
    }

    #[test]
    fn spending_a_block_counts_down_and_stops_at_the_deadline_or_on_new_limits() {
        let l = limits(60_000, 1_000_000);
        let (_, d, k) = take(None, l, T0, 3).expect("a block");
        let now = Instant::now();
        let mut blocks = Blocks::default();
        blocks.hold("tk", l, k, (now, now + Duration::from_millis(50)), d);
        assert!(blocks.spend("tk", limits(60_001, 1_000_000), now).is_none());
        let first = blocks.spend("tk", l, now).expect("spent");
        assert_eq!(first.minute.remaining, d.minute.remaining + 2);
        assert!(blocks.spend("tk", l, now).is_some());
        assert!(
            blocks
                .spend("tk", l, now + Duration::from_millis(50))
                .is_none(),
            "expired"
        );
        assert!(blocks.holds("tk", l, now));
        assert!(blocks.spend("tk", l, now).is_some());
        assert!(blocks.spend("tk", l, now).is_none(), "spent");
        assert!(!blocks.holds("tk", l, now));
        assert!(blocks.spend("other", l, now).is_none());
    }

    #[test]
    fn blocks_follow_the_pace_they_were_spent_at() {
        let l = limits(60_000, 1_000_000);
        let (_, d, _) = take(None, l, T0, 3).expect("a block");
        let now = Instant::now();
        let ms = Duration::from_millis;
        let mut blocks = Blocks::default();
        assert_eq!(
            blocks.want("tk", 3, now),
            3,
            "no block yet: the batch's demand"
        );
        blocks.hold("tk", l, 40, (now, now + ms(90)), d);
        for _ in 0..40 {
            blocks.spend("tk", l, now).expect("spent");
        }
        // 40 in 10 ms: 100 in a quarter of the horizon, but at most twice the last block.
        assert_eq!(blocks.want("tk", 1, now + ms(10)), 80);
        // 40 in 50 ms: 20 in 25 ms.
        assert_eq!(blocks.want("tk", 1, now + ms(50)), 20);
        blocks.hold("tk", l, 40, (now, now + ms(90)), d);
        for _ in 0..9 {
            blocks.spend("tk", l, now).expect("spent");
        }
        // Expired with 31 of 40 left: 9 in 90 ms is 2.5 in 25 ms.
        assert_eq!(blocks.want("tk", 1, now + ms(90)), 2);
        assert_eq!(blocks.want("tk", 5, now + ms(90)), 5, "the batch's demand");
    }

    #[test]
    fn a_deadline_allows_for_the_clock_reading_lag() {
        let now = Instant::now();
        assert_eq!(
            deadline(now, Duration::from_millis(8)),
            Some(now + HORIZON - Duration::from_millis(10))
        );
        assert_eq!(deadline(now, HORIZON / 2), None);
    }

    /// Why a block is charged at the horizon: taken on a full bucket and spent a pause later,
    /// a block charged at `now` would leave the row as if its requests had refilled during the
    /// pause, and a burst right after it would get that much more than the limit.
    #[test]
    fn a_block_spent_after_a_pause_leaves_no_extra_room_for_a_burst() {
        let l = limits(2_000, 1_000_000); // one request per 30 ms a minute
        let (d, row) = gcra_step(None, l, T0, true);
        assert!(d.allowed);
        let (row, _, k) = take(row, l, T0, 1).expect("a block");
        assert_eq!(k, 1);
        // 99 ms later the block is spent, and the rest of the burst goes to the row.
        let later = T0 + Duration::from_millis(99);
        let mut row = Some(row);
        let mut burst = k;
        loop {
            let (d, next) = gcra_step(row, l, later, true);
            if !d.allowed {
                break;
            }
            row = next;
            burst += 1;
        }
        // The bucket had refilled by then: the exact limiter allows 2,000 at once, no more.
        assert!(burst <= 2_000, "{burst} at once");
    }

    /// The requests of a simulation: which replica each reaches, and how long after the one
    /// before it (µs). They come in phases: a pause (up to longer than a block lasts), then a
    /// run of requests, bursting or steady, spread over the replicas. A block taken just before
    /// a pause and spent in the burst after it is where charging at the horizon matters.
    fn arrivals() -> impl Strategy<Value = Vec<(usize, u64)>> {
        let phase = (
            0..250_000u64,
            prop_oneof![1..8usize, 1..2_500usize],
            prop_oneof![0..20u64, 0..3_000u64],
            any::<u32>(),
        );
        prop::collection::vec(phase, 1..6).prop_map(|phases| {
            let mut out = Vec::new();
            for (pause, n, spread, mut seed) in phases {
                for i in 0..n {
                    // A cheap generator for the replica of each request.
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    let gap = if i == 0 {
                        pause
                    } else {
                        u64::from(seed >> 8) % (spread + 1)
                    };
                    out.push(((seed >> 28) as usize % 3, gap));
                }
            }
            out
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Three replicas share one row; each spends its block until it expires or runs out and
        /// otherwise goes to the row (taking a block when it can, as the PostgreSQL limiter
        /// does). Every request admitted is then replayed, in the order it was admitted, through
        /// the exact limiter on a row of its own: each must be allowed there too.
        #[test]
        fn blocks_never_admit_what_the_exact_limiter_would_refuse(
            arrivals in arrivals(),
            per_minute in prop_oneof![Just(1_100u32), Just(2_000), Just(60_000)],
            per_hour in prop_oneof![Just(1_500u32), Just(5_000), Just(1_000_000)],
        ) {
            let l = limits(per_minute, per_hour);
            // A replica's view: its block (requests left, size, deadline by the row's clock).
            let mut held: [(u32, u32, Duration); 3] = [(0, 0, Duration::ZERO); 3];
            let mut row: Option<Entry> = None;
            let mut admitted = Vec::new();
            let mut now = T0;
            for (replica, gap_us) in arrivals {
                now += Duration::from_micros(gap_us);
                let (left, size, until) = held[replica];
                if left > 0 && now < until {
                    held[replica].0 -= 1;
                    admitted.push(now);
                    continue;
                }
                let (d, next) = gcra_step(row, l, now, true);
                if next.is_some() {
                    row = next;
                }
                if !d.allowed {
                    continue;
                }
                admitted.push(now);
                let want = if left == 0 { size.saturating_mul(2) } else { size - left };
                if let Some((next, _, k)) = take(row, l, now, want.max(1)) {
                    row = Some(next);
                    held[replica] = (k, k, now + HORIZON);
                } else {
                    held[replica] = (0, 0, Duration::ZERO);
                }
            }
            let mut exact: Option<Entry> = None;
            for (i, at) in admitted.iter().enumerate() {
                let (d, next) = gcra_step(exact, l, *at, true);
                prop_assert!(d.allowed, "request {i} of {} at {at:?} over the limit", admitted.len());
                exact = next;
            }
        }
    }
}
