//! Completion scripts (clap_complete) and man pages (clap_mangen), generated from the same clap
//! definitions as the parser. Copies are committed under `completions/` and `man/`; the test
//! `cli_docs` fails when they are stale and says how to regenerate them.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, CliError};

/// Environment variables and exit codes, shown by `tokctl --help` and in `man tokctl`.
pub const AFTER_LONG_HELP: &str = "\
Environment:
  TOKCTL_SERVER   URL of the token service (same as --server)
  TOKCTL_TOKEN    a token's secret to use instead of the login session (scripts, CI); checked
                  offline (format and checksum) before any request
  TOKCTL_PROFILE  which saved login to use (same as --profile)
  CI              when set, never prompt (like --no-input)
  NO_COLOR        when set, no colors

Exit codes:
  0  ok
  1  other error (also: a confirmation answered no)
  2  usage: a bad or missing argument, found before any request
  3  not logged in (no session and no TOKCTL_TOKEN, or no keyring), or the credential is
     malformed, invalid, expired or revoked
  4  permission denied
  5  not found
  6  rejected request (validation, conflict, policy)
  7  rate limited (retry after the time in the message)
  8  server unreachable
  With --exec CMD, tokctl exits with CMD's status when CMD fails.";

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "TOKCTL_SERVER",
        "URL of the token service (same as --server).",
    ),
    (
        "TOKCTL_TOKEN",
        "A token's secret to use instead of the login session, for scripts and CI. Its format and checksum are checked before any request; a malformed one exits 3.",
    ),
    (
        "TOKCTL_PROFILE",
        "Which saved login to use (same as --profile).",
    ),
    ("CI", "When set, tokctl never prompts (like --no-input)."),
    ("NO_COLOR", "When set, no colors."),
    (
        "TOKCTL_TOKEN_ID",
        "Set by tokctl for the command of --exec: the id of the token whose secret is on its stdin.",
    ),
    (
        "XDG_CONFIG_HOME",
        "The config dir (default ~/.config): tokctl/config.json keeps each profile's server URL and email, never a secret.",
    ),
];

const EXIT_CODES: &[(&str, &str)] = &[
    ("0", "Success."),
    ("1", "Another error, or a confirmation answered no."),
    (
        "2",
        "Usage: a bad or missing argument, found before any request.",
    ),
    (
        "3",
        "Not logged in (no keyring session and no TOKCTL_TOKEN, or no keyring available), or the credential is malformed, invalid, expired or revoked.",
    ),
    ("4", "Permission denied."),
    ("5", "Not found."),
    ("6", "Rejected request: validation, conflict, org policy."),
    ("7", "Rate limited; retry after the time in the message."),
    ("8", "Server unreachable."),
];

/// The completion scripts: (file name under `completions/`, contents).
pub fn completion_files() -> Vec<(String, Vec<u8>)> {
    [
        (Shell::Bash, "tokctl.bash"),
        (Shell::Zsh, "_tokctl"),
        (Shell::Fish, "tokctl.fish"),
        (Shell::PowerShell, "_tokctl.ps1"),
        (Shell::Elvish, "tokctl.elv"),
    ]
    .into_iter()
    .map(|(shell, file)| {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "tokctl", &mut buf);
        (file.to_string(), buf)
    })
    .collect()
}

/// `tokctl completions SHELL`: the dynamic script (src/cli/complete.rs), or with `--static`
/// the generated one of `completions/`.
pub fn print_completions(args: &super::args::CompletionsArgs) -> Result<u8, CliError> {
    let mut buf = Vec::new();
    if args.static_script {
        clap_complete::generate(args.shell, &mut Cli::command(), "tokctl", &mut buf);
    } else {
        buf = super::complete::registration(args.shell)
            .map_err(CliError::io("writing the completion script"))?;
    }
    std::io::stdout()
        .write_all(&buf)
        .map_err(CliError::io("writing to stdout"))?;
    Ok(0)
}

fn roff_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('-', "\\-")
}

/// The man pages: (file name under `man/`, contents), `tokctl.1` and one per subcommand.
pub fn man_files() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut files = Vec::new();

    // The root page, with ENVIRONMENT and EXIT STATUS sections of its own.
    let man = clap_mangen::Man::new(cmd.clone());
    let mut root = Vec::new();
    man.render_title(&mut root)?;
    man.render_name_section(&mut root)?;
    man.render_synopsis_section(&mut root)?;
    man.render_description_section(&mut root)?;
    man.render_options_section(&mut root)?;
    man.render_subcommands_section(&mut root)?;
    writeln!(root, ".SH ENVIRONMENT")?;
    for (name, text) in ENVIRONMENT {
        writeln!(
            root,
            ".TP\n\\fB{}\\fR\n{}",
            roff_escape(name),
            roff_escape(text)
        )?;
    }
    writeln!(root, ".SH \"EXIT STATUS\"")?;
    for (code, text) in EXIT_CODES {
        writeln!(root, ".TP\n\\fB{code}\\fR\n{}", roff_escape(text))?;
    }
    writeln!(
        root,
        ".PP\nWith \\fB\\-\\-exec\\fR \\fICMD\\fR (mint, rotate), tokctl exits with CMD's status when CMD fails."
    )?;
    man.render_version_section(&mut root)?;
    files.push(("tokctl.1".to_string(), root));

    fn sub(cmd: &clap::Command, files: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        for c in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
            let man = clap_mangen::Man::new(c.clone());
            let mut buf = Vec::new();
            man.render(&mut buf)?;
            files.push((man.get_filename(), buf));
            sub(c, files)?;
        }
        Ok(())
    }
    sub(&cmd, &mut files)?;
    Ok(files)
}
