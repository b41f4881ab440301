//! The SQLite backend's credential cache: exact, not eventually consistent.
//!
//! Only sound because one server process owns the SQLite file (see `SqliteStore::open`'s
//! lock) and every write that could change an authentication answer goes through that
//! process and calls [`AuthCache::invalidate`] after it commits, before its response is sent.
//! A lookup that raced such a write cannot put its stale answer back: inserts carry the
//! generation read before the query and are dropped when a write bumped it since.
//! PostgreSQL replicas keep no cache at all: another replica's revoke would not reach it.
//! Misses are never cached, so minting needs no invalidation.

use std::collections::HashMap;
use std::sync::Mutex;

use super::Credential;

/// Entries beyond this clear the whole map (simple, bounded memory).
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct AuthCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    entries: HashMap<String, Credential>,
}

impl AuthCache {
    pub fn get(&self, hash: &str) -> Option<Credential> {
        self.lock().entries.get(hash).cloned()
    }

    /// The generation to pass to [`AuthCache::insert`] for a lookup starting now.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub fn insert(&self, hash: &str, cred: Credential, generation: u64) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.clear();
        }
        inner.entries.insert(hash.to_string(), cred);
    }

    /// Forgets everything; called after every committed write that touches tokens, members
    /// or the org.
    pub fn invalidate(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}
