//! Limits the API document states and the server enforces: one definition for both, so the
//! document is written the same with or without the server compiled in.

use chrono::TimeDelta;

/// The longest grace period a rotation may give the old secret.
pub const MAX_GRACE: TimeDelta = TimeDelta::hours(1);

/// The most rows one page of a listing (tokens, audit) holds.
pub const MAX_PAGE: u32 = 500;

/// The shortest password accepted for a person.
pub const MIN_PASSWORD_LENGTH: usize = 12;

/// The actions an audit event can have.
pub const AUDIT_ACTIONS: [&str; 12] = [
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
];
