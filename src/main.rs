//! The `tokctl` binary: parse the arguments, run the command, turn an error into one message
//! and an exit code. `tokctl server` goes to the server; everything else to the CLI.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::error::ErrorKind;
use tokctl::cli::{CliError, args::Command};

// The server allocates a few dozen small buffers per request: glibc's allocator spent about a
// fifth of a verify's instructions on them (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A shell asking for completions (`COMPLETE=bash tokctl -- …`) is answered first, before
    // anything else runs; an ordinary run pays one environment lookup (src/cli/complete.rs).
    tokctl::cli::complete::complete_and_exit();
    let args: Vec<OsString> = std::env::args_os().collect();
    let json = tokctl::cli::json_requested(&args);
    // Before clap, whose errors would echo the value: a secret typed where a token id or name
    // belongs is refused here, nothing sent (src/cli/secret_args.rs).
    if let Err(e) = tokctl::cli::refuse_secret_arguments(&args) {
        report(&e, json);
        return ExitCode::from(e.exit_code());
    }
    let cli = match tokctl::cli::parse(&args) {
        Ok(cli) => cli,
        // `--help` and `--version` print as usual; so do usage errors without `--json`.
        Err(e)
            if !json || matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) =>
        {
            e.exit()
        }
        Err(e) => {
            let e = CliError::from_clap(&e);
            report(&e, json);
            return ExitCode::from(e.exit_code());
        }
    };
    if let Command::Server(args) = cli.command {
        return match tokctl::server::main(args) {
            Ok(code) => ExitCode::from(code),
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(tokctl::api::error::exit::OTHER)
            }
        };
    }
    // A client command may hold a secret from here on: no core dumps (src/harden.rs).
    tokctl::harden::disable_core_dumps();
    let json = cli.global.json || cli.global.jq.is_some();
    match tokctl::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        // A reader that went away (`tokctl list | head -1`) is not an error worth a message.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            report(&e, json);
            ExitCode::from(e.exit_code())
        }
    }
}

/// `error: …` / `help: …` on stderr, or one JSON object with `--json`.
fn report(e: &CliError, json: bool) {
    let help = e.help();
    if json {
        let doc = serde_json::json!({
            "error": {
                "code": e.code(),
                "message": e.to_string(),
                "help": help,
                "exit_code": e.exit_code(),
            },
        });
        eprintln!("{doc}");
    } else {
        eprintln!("error: {e}");
        if let Some(h) = help {
            eprintln!("help: {h}");
        }
    }
}
