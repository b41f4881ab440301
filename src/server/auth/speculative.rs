//! The speculative rate-limit check: with counters shared between replicas (PostgreSQL or
//! Redis), confirming a credential and checking its rate limit are a round trip each, and the
//! check needs the credential (its token id and limits). When this replica has the credential
//! cached ([`Store::unconfirmed_credential`], the PostgreSQL store only), the check starts on
//! that copy while the lookup confirms it, and the request pays one round trip instead of two.
//! Verify starts its token's check even earlier, alongside the caller's authentication
//! ([`Prefetch`], made by `service::verify::prefetch`).
//!
//! The invariant, against the plain path (confirm, then check the confirmed credential):
//!
//! - **The answer rests on the confirmed credential alone.** The cached copy may be stale; it
//!   chooses which check to start early and nothing else. Whether the request is allowed, and
//!   with which code, reason, token and permissions, comes from the credential the plain path
//!   would use, looked up with an epoch read after the request arrived. So revocation stays
//!   instant: a revoke committed before the request arrived has moved the epoch, the
//!   confirmation sees it, and the request is refused as the plain path refuses it, whatever
//!   the early check said.
//! - **An early decision is used only when it is the plain path's check.** It is kept when the
//!   confirmed credential asks for the same check ([`RateCheck`]: peek or consume, from the
//!   caller's plan) of the same token under the same limits ([`EarlyCheck::agrees`]); a
//!   limiter's decision depends on nothing else but the moment, which is after the request
//!   arrived either way. Otherwise the plain path's check is made on the confirmed credential,
//!   and a refusal of the credential wins over anything the early check answered (even a
//!   limiter error).
//! - **Its one cost: a stale guess spends.** An early check that is not kept has been made
//!   anyway: when it consumed, the token has spent one unit of its budget that the plain path
//!   would not have spent. A token's limits and networks never change (rotation keeps them), so
//!   that happens only when the cached copy is refused on confirmation: a secret presented just
//!   after it was rotated away (the token lives on under its new secret), a token revoked since
//!   (harmless: it is never allowed again), or a verify whose caller's cached copy was out of
//!   date (revoked, demoted), so the judgement never happened. One unit per such request. The
//!   fast path therefore never allows a request the plain path refuses; a token can at worst be
//!   refused `rate_limited` sooner than on the plain path, after requests made with its stale
//!   copies. A replica holding its credential lease (`store::lease`) drops a changed credential
//!   before the change is acknowledged, so there only a request that overlaps the change can
//!   guess stale; one without its lease keeps a stale copy until its next epoch read.
//!
//! `tests/it/auth_fast_path.rs` runs the same requests against servers with and without the
//! fast path and compares every answer.
//!
//! [`Store::unconfirmed_credential`]: crate::server::store::Store::unconfirmed_credential

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{RateCheck, ResolveError, admit, rate_check};
use crate::api::secret;
use crate::api::types::RateLimit;
use crate::server::ratelimit::{Decision, LimiterError};
use crate::server::state::AppState;
use crate::server::store::{Credential, Store};

/// A rate-limit check made on the unconfirmed (cached) copy of a credential, while its
/// confirmation was under way.
#[derive(Debug, Clone)]
pub(crate) struct EarlyCheck {
    token_id: String,
    limits: RateLimit,
    check: RateCheck,
    decision: Result<Option<Decision>, LimiterError>,
}

impl EarlyCheck {
    /// Whether this is the check the plain path would make: `check` of `cred` (confirmed).
    fn agrees(&self, cred: &Credential, check: RateCheck) -> bool {
        check == self.check
            && cred.token.id == self.token_id
            && cred.token.rate_limit == self.limits
    }
}

/// The decision of `early`, when it is the check `check` of the confirmed `cred`; None when
/// the plain path's check is still to be made.
pub(super) fn kept(
    early: Option<EarlyCheck>,
    cred: &Credential,
    check: RateCheck,
) -> Option<Result<Option<Decision>, LimiterError>> {
    early.filter(|e| e.agrees(cred, check)).map(|e| e.decision)
}

/// A credential's rate-limit check to start alongside the caller's authentication (verify's
/// token, see `service::verify::prefetch`): the unconfirmed copy, and the check its plan asks
/// for.
pub(crate) struct Prefetch {
    pub(crate) guess: Arc<Credential>,
    pub(crate) check: RateCheck,
}

/// What this replica has cached for `secret`, unconfirmed, when it would authenticate at `now`
/// and an early check on it could save a round trip (counters shared between replicas). Never
/// the basis of an answer.
pub(crate) fn unconfirmed(
    state: &AppState,
    secret: &str,
    now: DateTime<Utc>,
) -> Option<Arc<Credential>> {
    // Shared counters checked first: on SQLite there is nothing to gain, not even a hash.
    if !state.limiter.is_shared() || secret::parse(secret).is_err() {
        return None;
    }
    cached(state, &state.hash_secret(secret), now)
}

/// [`unconfirmed`], for a secret already parsed and hashed.
fn cached(state: &AppState, hash: &str, now: DateTime<Utc>) -> Option<Arc<Credential>> {
    if !state.limiter.is_shared() {
        return None;
    }
    state
        .store
        .unconfirmed_credential(hash)
        .filter(|c| admit(c, now).is_ok())
}

/// Makes `check` on an unconfirmed credential (None for [`RateCheck::Skip`]).
async fn check_early(state: &AppState, guess: &Credential, check: RateCheck) -> Option<EarlyCheck> {
    if check == RateCheck::Skip {
        return None;
    }
    Some(EarlyCheck {
        token_id: guess.token.id.clone(),
        limits: guess.token.rate_limit,
        check,
        decision: rate_check(state, guess, check).await,
    })
}

/// Awaits `confirming` (the credential for `hash`), with the early check to judge it by:
/// `early` when one came with the request, else one made meanwhile on this replica's cached
/// copy, when there is one and `plan` asks it for a check.
pub(super) async fn confirm_alongside(
    state: &AppState,
    hash: &str,
    now: DateTime<Utc>,
    plan: &impl Fn(&Credential) -> RateCheck,
    early: Option<EarlyCheck>,
    confirming: impl Future<Output = Result<Arc<Credential>, ResolveError>>,
) -> Result<(Arc<Credential>, Option<EarlyCheck>), ResolveError> {
    let guess = match early {
        Some(_) => None,
        None => cached(state, hash, now)
            .map(|c| (plan(&c), c))
            .filter(|(check, _)| *check != RateCheck::Skip),
    };
    match guess {
        Some((check, guess)) => {
            let (confirmed, early) = tokio::join!(confirming, check_early(state, &guess, check));
            Ok((confirmed?, early))
        }
        None => Ok((confirming.await?, early)),
    }
}

/// Awaits `resolving` (the caller's authentication), making `prefetch`'s check meanwhile.
pub(super) async fn resolve_alongside<T>(
    state: &AppState,
    prefetch: Prefetch,
    resolving: impl Future<Output = T>,
) -> (T, Option<EarlyCheck>) {
    tokio::join!(
        resolving,
        check_early(state, &prefetch.guess, prefetch.check)
    )
}
