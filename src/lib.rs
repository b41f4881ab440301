//! tokctl: scoped, revocable, rate-limited, audited access tokens.
//!
//! One crate, two roles: [`server`] is the token service, [`cli`] the command line that talks
//! to it through [`client`]. [`api`] is the contract both compile against.

pub mod api;
pub mod cli;
pub mod cli_parsers;
pub mod client;
pub mod harden;
#[cfg(feature = "server")]
pub mod server;
pub mod session;
pub mod waiting;
