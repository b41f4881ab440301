//! HTTP plumbing under every route: the connection loop and its timeouts, the client's
//! address, the `Origin` check of `/mcp`, the body limit, the error type with its one mapping
//! to responses (and to `/mcp`'s JSON-RPC answers), and extractors that reject with it.

pub mod body;
pub mod client_ip;
pub mod error;
pub mod extract;
pub mod head_timeout;
pub mod jsonrpc;
pub mod origin;
pub mod serve;
