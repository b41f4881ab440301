//! HTTP handlers, one module per resource. They adapt HTTP to the operations in the server's
//! service modules and never hold the rules themselves.

pub(crate) mod audit;
pub(crate) mod forward_auth;
pub(crate) mod health;
pub(crate) mod leaks;
pub(crate) mod me;
pub(crate) mod metrics;
pub(crate) mod oauth;
pub(crate) mod org;
pub(crate) mod sessions;
pub(crate) mod tokens;
pub(crate) mod trust;
pub(crate) mod users;
pub(crate) mod verify;
