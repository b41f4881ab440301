//! Completion scripts (clap_complete) and man pages (clap_mangen), generated from the same clap
//! definitions as the parser. Copies are committed under `completions/` and `man/`; the test
//! `cli_docs` fails when they are stale and says how to regenerate them.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, CliError};

/// Environment variables and exit codes, shown by `tokctl --help` and in `man tokctl`.
pub(crate) const AFTER_LONG_HELP: &str = "\
Environment:
  TOKCTL_SERVER   URL of the token service (same as --server)
  TOKCTL_TOKEN    a token's secret to use instead of the login session (scripts, CI); checked
                  offline (format and checksum) before any request
  TOKCTL_PROFILE  which saved login to use (same as --profile)
  TOKCTL_TIMEOUT  seconds to wait for the server (same as --timeout; default 30)
  CI              when set, never prompt (like --no-input)
  NO_COLOR        when set, no colors (wins over CLICOLOR_FORCE)
  CLICOLOR_FORCE  when set and not 0, colors even in a pipe
  TOKCTL_PAGER    pager for long output on a terminal (audit, list --all); empty or `cat`
                  for none; default $PAGER, else `less -FRX`

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
  9  `tokctl scan` found a secret
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
    (
        "TOKCTL_TIMEOUT",
        "Seconds to wait for the server's answer (same as --timeout; default 30); no answer in time exits 8.",
    ),
    ("CI", "When set, tokctl never prompts (like --no-input)."),
    (
        "NO_COLOR",
        "When set, no colors (wins over CLICOLOR_FORCE).",
    ),
    (
        "CLICOLOR_FORCE",
        "When set and not 0, tables are colored even when stdout is not a terminal.",
    ),
    (
        "TOKCTL_PAGER",
        "The pager for long output (audit, list --all) when stdout is a terminal, run with sh -c; empty or `cat` for none. Never used in a pipe.",
    ),
    (
        "PAGER",
        "The pager when TOKCTL_PAGER is unset; without either, `less -FRX`.",
    ),
    (
        "TOKCTL_TOKEN_ID",
        "Set by tokctl for the command of --exec: the id of the token whose secret is on its stdin.",
    ),
    (
        "XDG_CONFIG_HOME",
        "The config dir (default ~/.config): tokctl/config.json keeps each profile's server URL and email, never a secret.",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "$XDG_CONFIG_HOME/tokctl/config.json",
        "Each profile's server URL and email (~/.config/tokctl/config.json by default on Linux; ~/Library/Application Support/tokctl/config.json on macOS; %APPDATA%\\tokctl\\config\\config.json on Windows). Never a secret.",
    ),
    (
        "OS keyring",
        "Each profile's session secret, under service tokctl and the profile name as user (Secret Service on Linux: secret-tool lookup service tokctl username default; Keychain on macOS; Credential Manager on Windows).",
    ),
    (
        "$XDG_DATA_HOME/tokctl/tokctl.db",
        "tokctl server's default SQLite database (~/.local/share/tokctl/tokctl.db on Linux).",
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
    ("8", "Server unreachable, or no answer within --timeout."),
    (
        "9",
        "tokctl scan found a secret (so a pre-commit hook or CI step fails).",
    ),
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
pub(crate) fn print_completions(args: &super::args::CompletionsArgs) -> Result<u8, CliError> {
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

/// The man pages: (file name under `man/`, contents), `tokctl.1` and one per subcommand, each
/// with EXAMPLES (src/cli/help.rs), EXIT STATUS, ENVIRONMENT and FILES.
pub fn man_files() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut files = Vec::new();
    files.push(("tokctl.1".to_string(), man_page(&cmd, "")?));

    fn sub(
        cmd: &clap::Command,
        prefix: &str,
        files: &mut Vec<(String, Vec<u8>)>,
    ) -> std::io::Result<()> {
        for c in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
            let path = match prefix {
                "" => c.get_name().to_string(),
                p => format!("{p} {}", c.get_name()),
            };
            let name = clap_mangen::Man::new(c.clone()).get_filename();
            files.push((name, man_page(c, &path)?));
            sub(c, &path, files)?;
        }
        Ok(())
    }
    sub(&cmd, "", &mut files)?;
    Ok(files)
}

/// One page: clap_mangen's sections, then ours (not its EXTRA section of the `--help` text).
fn man_page(cmd: &clap::Command, path: &str) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut page)?;
    }
    if let Some(examples) = super::help::examples(path) {
        writeln!(page, ".SH EXAMPLES")?;
        for e in examples {
            writeln!(page, ".PP\n.nf\n\\fB{}\\fR\n.fi", roff_escape(e))?;
        }
    }
    writeln!(page, ".SH \"EXIT STATUS\"")?;
    for (code, text) in EXIT_CODES {
        writeln!(page, ".TP\n\\fB{code}\\fR\n{}", roff_escape(text))?;
    }
    writeln!(
        page,
        ".PP\nWith \\fB\\-\\-exec\\fR \\fICMD\\fR (mint, rotate), tokctl exits with CMD's status when CMD fails."
    )?;
    for (title, rows) in [("ENVIRONMENT", ENVIRONMENT), ("FILES", FILES)] {
        writeln!(page, ".SH {title}")?;
        for (name, text) in rows {
            writeln!(
                page,
                ".TP\n\\fB{}\\fR\n{}",
                roff_escape(name),
                roff_escape(text)
            )?;
        }
    }
    if path.is_empty() {
        man.render_version_section(&mut page)?;
    } else {
        writeln!(page, ".SH \"SEE ALSO\"\n\\fBtokctl\\fR(1)")?;
    }
    Ok(page)
}
