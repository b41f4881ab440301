//! clap `value_parser`s for the types of [`crate::api`], so bad input is a usage error (exit 2)
//! before any request is made.

use crate::api::duration::{self, Expiry};
use crate::api::validate;

pub(crate) fn duration(s: &str) -> Result<chrono::Duration, String> {
    duration::parse_duration(s).map_err(|e| e.to_string())
}

pub(crate) fn expiry(s: &str) -> Result<Expiry, String> {
    duration::parse_expiry(s).map_err(|e| e.to_string())
}

pub(crate) fn scope(s: &str) -> Result<String, String> {
    crate::api::perms::parse_scope(s)
        .map(|_| s.trim().to_string())
        .map_err(|e| e.to_string())
}

/// A token name ([`validate::token_name`], the server's own check).
pub(crate) fn token_name(s: &str) -> Result<String, String> {
    validate::token_name(s)
        .map(|()| s.to_string())
        .map_err(|e| e.to_string())
}

/// A token description ([`validate::description`]).
pub(crate) fn description(s: &str) -> Result<String, String> {
    validate::description(s)
        .map(|()| s.to_string())
        .map_err(|e| e.to_string())
}

/// One `--audience` resource ([`crate::api::audience::check_resource`]).
pub(crate) fn audience(s: &str) -> Result<String, String> {
    crate::api::audience::check_resource(s)
        .map(|()| s.to_string())
        .map_err(|e| format!("the audience {}", e.trim_start_matches("has ")))
}

/// One `--allow-cidr` network ([`validate::cidr`]): a CIDR or a single address.
pub(crate) fn cidr(s: &str) -> Result<ipnet::IpNet, String> {
    validate::cidr(s).map_err(|e| e.to_string())
}
