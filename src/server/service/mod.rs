//! The rules, independent of HTTP, shared by the REST routes and the MCP tools: token
//! operations, the org policy, no escalation, the verify decision and audit reads.

pub mod audit;
pub mod leaks;
pub mod me;
pub mod no_escalation;
pub mod policy;
pub mod tokens;
pub mod verify;
