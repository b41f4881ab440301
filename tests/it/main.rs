//! The integration suite as one test binary (one link instead of one per file; `cargo test
//! --test it MODULE::` runs one module). Every module shares `common`: the server harness, the
//! CLI runner and the pty helpers. Tests here share one process, so none may change
//! process-wide state (environment, limits, working directory) that another test could see:
//! children get what they need through their own `Command`.

// A test binary has no API: `pub` here only shares helpers between its modules, so the
// crate-wide `unreachable_pub` (which keeps the library's API honest) does not apply.
#![allow(unreachable_pub)]

mod common;

mod abuse;
mod ambiguous_credential;
mod audience;
mod audit;
mod auth_fast_path;
mod cli_api;
mod cli_complete;
mod cli_docs;
mod cli_dry_run;
mod cli_json;
mod cli_leaks;
mod cli_login_lifecycle;
mod cli_mint_input;
mod cli_org;
mod cli_pty;
mod cli_readme;
mod cli_session;
mod cli_status;
mod cli_tables;
mod cli_tls;
mod cli_tokens;
mod cli_wait;
mod client_address;
mod crash_safety;
mod db_permissions;
mod delegation;
mod delegation_props;
mod dev_server;
mod doc_links;
mod failed_auth_audit;
mod forward_auth;
mod guessing;
mod hygiene;
mod keep_alive;
mod leaks;
mod leaks_github;
mod mcp;
mod mcp_delegation;
mod metrics_access;
mod module_graph;
mod no_escalation;
mod oauth_metadata;
mod oidc;
mod oidc_refusals;
mod openapi_contract;
mod permission_matrix;
mod props;
mod ratelimit;
mod redis_ratelimit;
mod replicas;
mod revocation_race;
mod scan;
mod secret_in_url;
mod server_api;
mod server_memory;
mod token_bounds;
mod token_exchange;
mod verify;
