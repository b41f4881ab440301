//! clap `value_parser`s for the types of [`crate::api`], so bad input is a usage error (exit 2)
//! before any request is made.

use crate::api::duration::{self, Expiry};

pub fn duration(s: &str) -> Result<chrono::Duration, String> {
    duration::parse_duration(s).map_err(|e| e.to_string())
}

pub fn expiry(s: &str) -> Result<Expiry, String> {
    duration::parse_expiry(s).map_err(|e| e.to_string())
}

pub fn scope(s: &str) -> Result<String, String> {
    crate::api::perms::parse_scope(s)
        .map(|_| s.trim().to_string())
        .map_err(|e| e.to_string())
}
