//! HTTP plumbing under every route: the connection loop and its timeouts, the client's
//! address, the `Origin` check of `/mcp`, the error type with its one mapping to responses,
//! and extractors that reject with it.

pub mod client_ip;
pub mod error;
pub mod extract;
pub mod head_timeout;
pub mod origin;
pub mod serve;
