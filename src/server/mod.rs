//! The token service: `tokctl server`. HTTP API, verify, forward-auth and MCP on one router,
//! over a storage trait with SQLite and PostgreSQL implementations.

pub mod app;
mod args;
pub mod audit;
pub mod auth;
pub mod client_ip;
pub mod coalesce;
pub mod db_files;
pub mod dev_dir;
pub mod error;
pub mod extract;
pub mod failure_audit;
pub mod head_timeout;
pub mod mcp;
pub mod metrics;
pub mod no_escalation;
pub mod origin;
pub mod password;
pub mod policy;
pub mod ratelimit;
pub mod ratelimit_pg;
pub mod ratelimit_redis;
pub mod routes;
mod run;
pub mod serve;
pub mod state;
pub mod store;
pub mod throttle;
pub mod tokens;
pub mod usage;
pub mod verify;

pub use args::{InitArgs, ServerArgs, ServerCommand};
pub use run::main;
