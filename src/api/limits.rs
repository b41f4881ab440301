//! Limits the API document states and the server enforces: one definition for both, so the
//! document is written the same with or without the server compiled in.

use chrono::TimeDelta;

/// The longest grace period a rotation may give the old secret.
pub(crate) const MAX_GRACE: TimeDelta = TimeDelta::hours(1);

/// The most rows one page of a listing (tokens, audit) holds.
pub(crate) const MAX_PAGE: u32 = 500;

/// The shortest password accepted for a person.
pub(crate) const MIN_PASSWORD_LENGTH: usize = 12;

/// The actions an audit event can have.
#[cfg(feature = "server")]
pub(crate) const AUDIT_ACTIONS: [&str; 14] = [
    "token.mint",
    "token.rotate",
    "token.revoke",
    "token.leaked",
    "session.login",
    "session.logout",
    "auth.failed",
    "user.add",
    "user.role",
    "user.remove",
    "org.policy",
    "leak.report",
    "trust.add",
    "trust.remove",
];
