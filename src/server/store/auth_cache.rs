//! The credential cache: exact, not eventually consistent.
//!
//! Entries belong to one *generation*; a lookup that raced a change cannot put its stale
//! answer back, because inserts carry the generation read before the query and are dropped
//! when the generation has moved since. Misses are never cached, so minting needs no
//! invalidation. Where the generation comes from is the backend's business:
//! - SQLite: one server process owns the file (see `SqliteStore::claim_for_serving`) and every
//!   write that could change an authentication answer calls [`AuthCache::invalidate`] after it
//!   commits, before its response is sent.
//! - PostgreSQL: those writes bump the database's `credential_epoch` in their own transaction.
//!   A replica holding a credential lease has applied ([`AuthCache::advance_to`]) every epoch
//!   whose change was acknowledged (`lease`); one without a lease first reads the epoch (a read
//!   started after the request arrived) and applies it. Either way another replica's revoke
//!   empties this cache before the next request uses it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SubsecRound, Utc};

use super::Credential;

/// Entries beyond this clear the whole map (simple, bounded memory).
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub(crate) struct AuthCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    /// Shared: a hit costs a reference count, not a copy of the record.
    entries: HashMap<String, Arc<Credential>>,
}

impl AuthCache {
    pub(crate) fn get(&self, hash: &str) -> Option<Arc<Credential>> {
        self.lock().entries.get(hash).cloned()
    }

    /// The generation to pass to [`AuthCache::insert`] for a lookup starting now.
    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub(crate) fn insert(&self, hash: &str, cred: Arc<Credential>, generation: u64) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.clear();
        }
        inner.entries.insert(hash.to_string(), cred);
    }

    /// Carries written last-used times into the cached credentials: last use is shown from
    /// the cache (`/v1/me`, verify) but is not a change that empties it.
    pub(crate) fn touch(&self, last_used: &[(String, DateTime<Utc>)]) {
        if last_used.is_empty() {
            return;
        }
        let used: HashMap<&str, DateTime<Utc>> = last_used
            .iter()
            .map(|(id, at)| (id.as_str(), *at))
            .collect();
        let mut inner = self.lock();
        for cred in inner.entries.values_mut() {
            if let Some(&at) = used.get(cred.token.id.as_str()) {
                // As the database keeps it (microseconds): a use must not read differently
                // once the credential is read again from the database.
                let at = at.trunc_subsecs(6);
                let t = &mut Arc::make_mut(cred).token.last_used_at;
                *t = Some(t.map_or(at, |prev| prev.max(at)));
            }
        }
    }

    /// Moves to the database's epoch `epoch` when it is newer, forgetting everything cached
    /// under an older one. An older epoch (a read that finished late) changes nothing.
    pub(crate) fn advance_to(&self, epoch: u64) {
        let mut inner = self.lock();
        if epoch > inner.generation {
            inner.generation = epoch;
            inner.entries.clear();
        }
    }

    /// Forgets everything; called after every committed write that touches tokens, members
    /// or the org.
    pub(crate) fn invalidate(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::sample_credential;

    #[test]
    fn a_touched_last_use_reads_as_the_database_keeps_it() {
        let now = Utc::now();
        let cache = AuthCache::default();
        let cred = sample_credential(now);
        let id = cred.token.id.clone();
        cache.insert("h", Arc::new(cred), cache.generation());
        let used = DateTime::from_timestamp(1_800_000_000, 123_456_789).unwrap();
        cache.touch(&[(id, used)]);
        let kept = cache.get("h").unwrap().token.last_used_at.unwrap();
        assert_eq!(kept.timestamp_micros(), used.timestamp_micros());
        assert_eq!(kept.timestamp_subsec_nanos(), 123_456_000);
    }
}
