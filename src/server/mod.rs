//! The token service: `tokctl server`. HTTP API, verify, forward-auth and MCP on one router,
//! over a storage trait with SQLite and PostgreSQL implementations.

pub mod audit;
pub mod auth;
pub(crate) mod coalesce;
pub(crate) mod github_keys;
pub(crate) mod http;
pub(crate) mod mcp;
pub(crate) mod metrics;
pub(crate) mod ratelimit;
pub(crate) mod router;
pub(crate) mod routes;
pub mod service;
pub(crate) mod startup;
pub(crate) mod state;
pub mod store;

pub use startup::{ServerArgs, main};
