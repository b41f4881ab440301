//! HTTP handlers, one module per resource. They adapt HTTP to the operations in the server's
//! service modules and never hold the rules themselves.

pub mod audit;
pub mod forward_auth;
pub mod health;
pub mod leaks;
pub mod me;
pub mod metrics;
pub mod org;
pub mod sessions;
pub mod tokens;
pub mod users;
pub mod verify;
