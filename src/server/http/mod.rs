//! HTTP plumbing under every route: the connection loop and its timeouts, the client's
//! address, the `Origin` check of `/mcp`, the body limit, the error type with its one mapping
//! to responses (and to `/mcp`'s JSON-RPC answers), and extractors that reject with it.

pub(crate) mod body;
pub(crate) mod client_ip;
pub(crate) mod error;
pub(crate) mod extract;
pub(crate) mod head_timeout;
pub(crate) mod jsonrpc;
pub(crate) mod origin;
pub(crate) mod serve;
