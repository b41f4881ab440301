//! The rules, independent of HTTP, shared by the REST routes and the MCP tools: token
//! operations and delegation, the org policy, no escalation, the verify decision and audit reads.

pub(crate) mod audit;
pub(crate) mod exchange;
pub(crate) mod leaks;
pub(crate) mod me;
pub(crate) mod no_escalation;
pub mod policy;
pub(crate) mod tokens;
pub(crate) mod trust;
pub(crate) mod verify;
