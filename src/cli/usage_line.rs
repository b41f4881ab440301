//! Parsing the command line so that a usage error's `Usage:` line shows what is required, not
//! what the environment happened to supply.
//!
//! clap counts a value taken from an environment variable (`TOKCTL_SERVER`, `TOKCTL_PROFILE`)
//! as given on the command line, and the usage line of a "required argument missing" error
//! lists given arguments beside the required ones: `tokctl revoke` with TOKCTL_SERVER set said
//! `Usage: tokctl revoke --server <URL> <TOKEN|--user <MEMBER>>`, as if `--server` were
//! required. That error is made again here with the environment left out of the grammar.

use std::ffi::OsString;

use clap::error::ErrorKind;
use clap::{Command, CommandFactory, FromArgMatches};

use super::Cli;

/// [`Cli`] from the command line, as `Cli::try_parse_from` but with the usage line above.
pub fn parse(args: &[OsString]) -> Result<Cli, clap::Error> {
    let matches = Cli::command().try_get_matches_from(args);
    match matches {
        Ok(mut m) => Cli::from_arg_matches_mut(&mut m).map_err(|e| e.format(&mut Cli::command())),
        Err(e) if e.kind() == ErrorKind::MissingRequiredArgument => {
            match without_env(Cli::command()).try_get_matches_from(args) {
                // No argument of tokctl is required *and* env-supplied, so this is the same
                // error, its usage line without the env-supplied flags.
                Err(again) if again.kind() == e.kind() => Err(again),
                _ => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

fn without_env(cmd: Command) -> Command {
    cmd.mut_args(|a| a.env(None)).mut_subcommands(without_env)
}
