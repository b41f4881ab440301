//! A credential's delegation chain (docs/delegation.md): its ancestors, read with it and cached
//! with it.
//!
//! A child token never allows more than any ancestor, and ends when one ends. Both are decided
//! per request from this summary, made once when the credential is read from the database. It
//! cannot go stale in the cache: every change that could narrow or end an ancestor (revoke,
//! rotation, role change, member removal, policy) empties the whole credential cache, on
//! SQLite at once and on PostgreSQL through the credential epoch, so the next request reads
//! the chain again.

use chrono::{DateTime, Utc};

use super::{TokenRecord, UserRecord};
use crate::api::perms::{PermSet, effective_permissions};

/// The longest chain ever followed: a policy allows at most
/// [`crate::api::types::MAX_DELEGATION_DEPTH`], so a longer one means a corrupt database.
pub(crate) const MAX_FOLLOWED: u32 = 32;

/// What a token's ancestors allow, summed up.
#[derive(Debug, Clone)]
pub(crate) struct Chain {
    /// The ids from the root to the token itself (just the token's for a root).
    pub(crate) ids: Vec<String>,
    /// The root's id, when the token is not the root.
    pub(crate) root: Option<std::sync::Arc<str>>,
    /// The permissions every ancestor allows (its scopes ∩ its owner's current role); all of
    /// them for a root.
    pub(crate) allows: PermSet,
    /// The earliest expiry of an ancestor.
    pub(crate) ends_at: Option<DateTime<Utc>>,
    /// An ancestor is revoked, its owner removed, or the chain could not be followed whole.
    pub(crate) broken: bool,
}

impl Default for Chain {
    fn default() -> Self {
        Chain {
            ids: Vec::new(),
            root: None,
            allows: PermSet::all(),
            ends_at: None,
            broken: false,
        }
    }
}

impl Chain {
    /// The chain of `token` from its ancestors, root first (each with its owner).
    pub(crate) fn of(token: &TokenRecord, ancestors: &[(TokenRecord, UserRecord)]) -> Chain {
        let mut chain = Chain {
            ids: ancestors
                .iter()
                .map(|(t, _)| t.id.clone())
                .chain(std::iter::once(token.id.clone()))
                .collect(),
            root: ancestors.first().map(|(t, _)| t.id.as_str().into()),
            ..Chain::default()
        };
        // Followed from the token upwards: each link must be the previous one's parent.
        let mut expected = token.parent_id.as_deref();
        for (t, owner) in ancestors.iter().rev() {
            if expected != Some(t.id.as_str()) {
                chain.broken = true;
            }
            expected = t.parent_id.as_deref();
            chain.allows = chain
                .allows
                .intersect(effective_permissions(owner.role, &t.scopes));
            if t.revoked_at.is_some() || owner.removed_at.is_some() {
                chain.broken = true;
            }
            if let Some(at) = t.expires_at {
                chain.ends_at = Some(chain.ends_at.map_or(at, |e| e.min(at)));
            }
        }
        // The root was reached (a missing ancestor leaves an expected parent).
        if expected.is_some() {
            chain.broken = true;
        }
        chain
    }

    /// Whether every ancestor is still active at `now` (`Err(true)`: one is revoked,
    /// `Err(false)`: one has expired).
    pub(crate) fn holds(&self, now: DateTime<Utc>) -> Result<(), bool> {
        if self.broken {
            return Err(true);
        }
        if self.ends_at.is_some_and(|e| e <= now) {
            return Err(false);
        }
        Ok(())
    }
}
