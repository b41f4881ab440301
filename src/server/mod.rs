//! The token service: `tokctl server`. HTTP API, verify, forward-auth and MCP on one router,
//! over a storage trait with SQLite and PostgreSQL implementations.

pub mod audit;
pub mod auth;
pub mod coalesce;
pub mod github_keys;
pub mod http;
pub mod mcp;
pub mod metrics;
pub mod ratelimit;
pub mod router;
pub mod routes;
pub mod service;
pub mod startup;
pub mod state;
pub mod store;

pub use startup::{InitArgs, ServerArgs, ServerCommand, main};
