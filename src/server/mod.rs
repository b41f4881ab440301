//! The token service: `tokctl server`. HTTP API, verify, forward-auth and MCP on one router,
//! over a storage trait with SQLite and PostgreSQL implementations.

mod args;

pub use args::{InitArgs, ServerArgs, ServerCommand};

/// Runs `tokctl server …` to completion; the returned code is the process exit code.
pub fn main(args: ServerArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("the server is not built yet")
}
