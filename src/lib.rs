//! tokctl: scoped, revocable, rate-limited, audited access tokens.
//!
//! One crate, two roles: [`server`] is the token service, [`cli`] the command line that talks
//! to it through `client`. [`api`] is the contract both compile against.
//!
//! The map (`tests/it/module_graph.rs` keeps it free of import cycles; `api` uses neither side):
//! - `api/`: token format, permissions, durations, wire types, error codes, field checks; no I/O.
//! - `cli/`, `cli_parsers`, `client`, `tls`, `session`, `waiting`, `harden`: the command line,
//!   its argument parsers, its HTTP client and that client's TLS, its keyring login, its
//!   waiting, its process hardening.
//! - `server/http/`: the connection loop, client address, body limit, errors as responses.
//! - `server/auth/`: bearer secret → principal (the guard in front of every route), networks,
//!   passwords.
//! - `server/service/`: the rules shared by REST and MCP: tokens, policy, verify, audit reads.
//! - `server/routes/`: thin HTTP handlers, one per resource; `server/mcp/`: the MCP tools.
//! - `server/ratelimit/`: per-token limits (one module per backend) and failure throttles.
//! - `server/audit/`: the buffered access log and the failed-authentication cap.
//! - `server/store/`: the storage trait, SQLite and PostgreSQL, the exact credential caches.
//! - `server/startup/`: arguments, `server init`, start and stop; `server/router.rs` wires it all.

// The module docs are the map for the people who work on tokctl, read with
// `cargo doc --document-private-items`, where their links to private items resolve.
#![allow(rustdoc::private_intra_doc_links)]

pub mod api;
pub mod cli;
pub(crate) mod cli_parsers;
pub(crate) mod client;
pub mod harden;
#[cfg(feature = "server")]
pub mod server;
pub(crate) mod session;
pub(crate) mod tls;
pub(crate) mod waiting;
