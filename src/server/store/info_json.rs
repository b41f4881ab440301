//! A cached credential's TokenInfo as JSON, written once per state of the token rather than
//! once per verify.
//!
//! Every verify answer carries the verified token's TokenInfo. Serializing it (a dozen fields,
//! three of them times) was about 8k instructions of a verify's 103k (callgrind,
//! docs/performance.md), though a hot token's answer changes only when its record does or when time
//! moves its status on. The record behind a cached credential changes in one place only: the
//! usage flush writes `last_used_at` into it (`AuthCache::touch`); any other change replaces the
//! credential. So the JSON is kept with the parts of `info(now)` that can move under it, and
//! written again when one of them has.
//!
//! The cost is memory: a verified credential keeps its JSON (about 400 bytes) for as long as it
//! stays cached, on top of the record itself.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::value::RawValue;

use super::{Credential, TokenRecord};
use crate::api::types::TokenStatus;

/// What `TokenRecord::info(now)` depends on besides the record's fixed fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Moving {
    last_used_at: Option<DateTime<Utc>>,
    status: TokenStatus,
    previous_secret_shown: bool,
}

impl Moving {
    fn of(token: &TokenRecord, now: DateTime<Utc>) -> Moving {
        Moving {
            last_used_at: token.last_used_at,
            status: token.status(now),
            previous_secret_shown: token.info_shows_previous_secret(now),
        }
    }
}

#[derive(Default)]
pub(crate) struct InfoJson(Mutex<Option<(Moving, Arc<RawValue>)>>);

impl std::fmt::Debug for InfoJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InfoJson")
    }
}

impl Clone for InfoJson {
    fn clone(&self) -> Self {
        InfoJson(Mutex::new(self.lock().clone()))
    }
}

impl InfoJson {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Moving, Arc<RawValue>)>> {
        // Only a finished value is ever stored: one left by a panic is still whole.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Credential {
    /// `serde_json::to_string(&self.token.info(now))`, from the copy kept since it last changed.
    pub(crate) fn token_info_json(&self, now: DateTime<Utc>) -> serde_json::Result<Arc<RawValue>> {
        let moving = Moving::of(&self.token, now);
        if let Some((kept, json)) = &*self.info_json.lock()
            && *kept == moving
        {
            return Ok(Arc::clone(json));
        }
        let json: Arc<RawValue> = serde_json::value::to_raw_value(&self.token.info(now))?.into();
        *self.info_json.lock() = Some((moving, Arc::clone(&json)));
        Ok(json)
    }
}

/// A cached credential as tests need one: an active token whose previous secret stops working
/// 5 s after `now` and which expires 10 s after it.
#[cfg(test)]
pub(crate) fn sample_credential(now: DateTime<Utc>) -> Credential {
    Credential {
        chain: Default::default(),
        token: TokenRecord {
            parent_id: None,
            depth: 0,
            id: "tk_a".into(),
            org_id: 1,
            user_id: 1,
            owner: "a@example.com".into(),
            name: "a \"quoted\" name".into(),
            kind: crate::api::secret::TokenType::Pat,
            scopes: vec!["work:read".into()],
            created_at: now,
            issued_at: now,
            expires_at: Some(now + chrono::Duration::seconds(10)),
            last_used_at: None,
            revoked_at: None,
            revoke_reason: None,
            rate_limit: crate::api::types::RateLimit {
                per_minute: 60,
                per_hour: 600,
            },
            allowed_cidrs: vec![],
            description: Some("ci".into()),
            prev_expires_at: Some(now + chrono::Duration::seconds(5)),
            audience: Vec::new(),
            via: None,
        },
        user: super::UserRecord {
            id: 1,
            org_id: 1,
            email: Some("a@example.com".into()),
            name: "a".into(),
            role: crate::api::perms::Role::Member,
            service: false,
            password_hash: None,
            created_at: now,
            removed_at: None,
        },
        org_name: "o".into(),
        via_previous: false,
        info_json: InfoJson::default(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn fresh(c: &Credential, at: DateTime<Utc>) -> String {
        serde_json::to_string(&c.token.info(at)).unwrap()
    }

    #[test]
    fn the_kept_json_follows_every_change_of_the_info() {
        let now = Utc::now();
        let mut c = sample_credential(now);
        let first = c.token_info_json(now).unwrap();
        assert_eq!(first.get(), fresh(&c, now));
        assert!(
            Arc::ptr_eq(&first, &c.token_info_json(now).unwrap()),
            "not kept"
        );
        // The usage flush writes last_used_at into the cached record in place.
        c.token.last_used_at = Some(now);
        assert_eq!(c.token_info_json(now).unwrap().get(), fresh(&c, now));
        // Time alone ends the previous secret's grace, then the token.
        for later in [now + Duration::seconds(6), now + Duration::seconds(11)] {
            assert_eq!(c.token_info_json(later).unwrap().get(), fresh(&c, later));
        }
        assert!(
            c.token_info_json(now + Duration::seconds(11))
                .unwrap()
                .get()
                .contains(r#""status":"expired""#)
        );
    }
}
