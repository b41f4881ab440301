//! Dynamic shell completion (clap_complete's `COMPLETE=$SHELL tokctl` engine).
//!
//! `tokctl completions SHELL` prints a short script that, at each TAB, runs
//! `COMPLETE=SHELL tokctl -- tokctl WORDS…`; [`complete_and_exit`] answers that from `main`
//! before anything else runs (no secret-argument check, no runtime, no keyring unless a value
//! needs the server). Candidates:
//!
//! - scope names from the permission catalog, offline (also after a comma: `--scope a,b`);
//! - the caller's token names for `show`/`revoke`/`rotate`/`usage` and `audit --token`, and
//!   member names for `users set-role`/`remove` and `--user`: one request with the profile's
//!   credential (or `TOKCTL_TOKEN`), given [`BUDGET`] in all, and nothing at all when it fails;
//! - `--profile` from the config file; `--type`, `--status`, roles from their value enums.
//!
//! Completion never prompts and never prints on stderr: a shell redraws its prompt over it.

use std::ffi::{OsStr, OsString};
use std::time::Duration;

use clap::CommandFactory;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

use super::Cli;

/// All the time completion may spend asking the server, keyring included.
pub(crate) const BUDGET: Duration = Duration::from_secs(1);

/// The environment variable clap_complete's scripts set.
const VAR: &str = "COMPLETE";

/// When the shell asks for completions (`COMPLETE` set), answers and exits; otherwise returns
/// at once. Costs one environment lookup on an ordinary run.
pub fn complete_and_exit() {
    let Some(shell) = std::env::var_os(VAR) else {
        return;
    };
    if shell.is_empty() || shell == "0" {
        return;
    }
    // Completing (not printing the registration script): stderr goes nowhere, so no message
    // from a keyring or a network library can land on the user's command line.
    if std::env::args_os().any(|a| a == "--") {
        silence_stderr();
    }
    clap_complete::CompleteEnv::with_factory(command).complete();
}

/// Which arguments complete what, by subcommand path and clap argument id.
const COMPLETERS: &[(&str, &str, Kind)] = &[
    ("", "profile", Kind::Profile),
    ("mint", "scopes", Kind::Scope),
    ("show", "token", Kind::Token),
    ("rotate", "token", Kind::Token),
    ("usage", "token", Kind::Token),
    ("revoke", "tokens", Kind::Token),
    ("revoke", "user", Kind::Member),
    ("list", "user", Kind::Member),
    ("audit", "token", Kind::Token),
    ("audit", "user", Kind::Member),
    ("users set-role", "member", Kind::Member),
    ("users remove", "member", Kind::Member),
];

#[derive(Clone, Copy)]
enum Kind {
    Profile,
    Scope,
    Token,
    Member,
}

impl Kind {
    fn completer(self) -> ArgValueCompleter {
        match self {
            Kind::Profile => ArgValueCompleter::new(profile_names),
            Kind::Scope => ArgValueCompleter::new(scope_names),
            Kind::Token => ArgValueCompleter::new(token_names),
            Kind::Member => ArgValueCompleter::new(member_names),
        }
    }
}

/// The clap tree with the completers of [`COMPLETERS`] attached (only completion needs them).
/// `mut_args`/`mut_subcommands` keep the order of arguments and subcommands (`mut_arg` would
/// move a positional last and change its index).
pub(crate) fn command() -> clap::Command {
    fn attach(cmd: clap::Command, path: &str) -> clap::Command {
        cmd.mut_args(|a| {
            let hit = COMPLETERS
                .iter()
                .find(|(p, id, _)| *p == path && a.get_id() == id);
            match hit {
                Some((_, _, kind)) => a.add(kind.completer()),
                None => a,
            }
        })
        .mut_subcommands(|c| {
            let sub = match path {
                "" => c.get_name().to_string(),
                p => format!("{p} {}", c.get_name()),
            };
            attach(c, &sub)
        })
    }
    attach(Cli::command(), "")
}

/// The registration script for `tokctl completions SHELL`: the same one `COMPLETE=SHELL tokctl`
/// prints, calling back into this binary as it was invoked.
pub(crate) fn registration(shell: clap_complete::Shell) -> std::io::Result<Vec<u8>> {
    let shells = clap_complete::env::Shells::builtins();
    let name = shell.to_string();
    let env_shell = shells
        .completer(&name)
        .ok_or_else(|| std::io::Error::other(format!("no dynamic completion for {name}")))?;
    // As clap_complete does: a relative path with a directory is made absolute, a bare name is
    // left to PATH.
    let argv0 = std::path::PathBuf::from(std::env::args_os().next().unwrap_or("tokctl".into()));
    let completer = if argv0.components().count() > 1 && argv0.is_relative() {
        std::env::current_dir()
            .map(|d| d.join(&argv0))
            .unwrap_or(argv0)
    } else {
        argv0
    };
    let mut buf = Vec::new();
    env_shell.write_registration(
        VAR,
        "tokctl",
        "tokctl",
        &completer.to_string_lossy(),
        &mut buf,
    )?;
    Ok(buf)
}

/// Keeps the candidates that start with what was typed.
fn matching(
    current: &OsStr,
    values: impl IntoIterator<Item = (String, Option<String>)>,
) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    values
        .into_iter()
        .filter(|(v, _)| v.starts_with(current.as_ref()))
        .map(|(v, help)| CompletionCandidate::new(v).help(help.map(Into::into)))
        .collect()
}

/// `--scope`: the catalog, `*` and `resource:*`; after a comma, the rest of a comma list.
fn scope_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    let (done, last) = match typed.rsplit_once(',') {
        Some((done, last)) => (format!("{done},"), last.to_string()),
        None => (String::new(), typed.to_string()),
    };
    let mut scopes: Vec<String> = vec!["*".into()];
    let mut resources: Vec<&str> = Vec::new();
    for p in crate::api::perms::Permission::ALL {
        scopes.push(p.as_str().to_string());
        if !resources.contains(&p.resource()) {
            resources.push(p.resource());
        }
    }
    scopes.extend(resources.iter().map(|r| format!("{r}:*")));
    let already: Vec<&str> = done.split(',').collect();
    matching(
        OsStr::new(&last),
        scopes
            .into_iter()
            .filter(|s| !already.contains(&s.as_str()))
            .map(|s| (s, None)),
    )
    .into_iter()
    .map(|c| c.add_prefix(done.clone()))
    .collect()
}

/// `--profile`: the profiles of the config file (offline).
fn profile_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Ok(path) = crate::session::config_path() else {
        return Vec::new();
    };
    let Ok(config) = crate::session::Config::load(&path) else {
        return Vec::new();
    };
    matching(
        current,
        config
            .profiles
            .into_iter()
            .map(|(name, p)| (name, Some(p.server))),
    )
}

/// The caller's active tokens, by name (the id as help).
fn token_names(current: &OsStr) -> Vec<CompletionCandidate> {
    matching(current, ask_server(Want::Tokens))
}

/// The org's members: emails for people, names for service accounts (the role as help).
fn member_names(current: &OsStr) -> Vec<CompletionCandidate> {
    matching(current, ask_server(Want::Members))
}

type Names = Vec<(String, Option<String>)>;

#[derive(Clone, Copy)]
enum Want {
    Tokens,
    Members,
}

async fn fetch(client: &crate::client::Client, want: Want) -> Option<Names> {
    match want {
        Want::Tokens => {
            let q = crate::api::types::ListTokensQuery {
                limit: Some(500),
                ..Default::default()
            };
            let tokens = client.list_tokens(&q).await.ok()?;
            Some(tokens.into_iter().map(|t| (t.name, Some(t.id))).collect())
        }
        Want::Members => {
            let users = client.list_users().await.ok()?;
            Some(
                users
                    .into_iter()
                    .map(|u| {
                        let role = Some(u.role.to_string());
                        (u.email.unwrap_or(u.name), role)
                    })
                    .collect(),
            )
        }
    }
}

/// One request with the credential a command on this command line would use, within
/// [`BUDGET`] (keyring included); nothing on any failure.
fn ask_server(want: Want) -> Names {
    let Some(global) = global_args_of_line() else {
        return Vec::new();
    };
    let (tx, rx) = std::sync::mpsc::channel();
    // A thread, so that a keyring that hangs costs no more than the budget either: it is left
    // behind when completion exits.
    std::thread::spawn(move || {
        let ctx = super::Ctx::new(global);
        let Ok(client) = ctx.client() else {
            return;
        };
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        let names = rt.block_on(async {
            tokio::time::timeout(BUDGET, fetch(client, want))
                .await
                .ok()
                .flatten()
        });
        let _ = tx.send(names.unwrap_or_default());
    });
    rx.recv_timeout(BUDGET).unwrap_or_default()
}

/// The global flags typed on the command line being completed (`--server`, `--profile`),
/// with their environment variables, as the command itself would see them. None when the
/// line carries something secret-shaped: that is never sent anywhere.
fn global_args_of_line() -> Option<super::args::GlobalArgs> {
    // `tokctl -- tokctl WORDS…`: the words after the escape, the program name first.
    let words: Vec<OsString> = std::env::args_os()
        .skip_while(|a| a != "--")
        .skip(2)
        .collect();
    let mut argv: Vec<OsString> = vec!["tokctl".into()];
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let s = w.to_string_lossy();
        for flag in ["--server", "--profile"] {
            if s == flag {
                if let Some(v) = it.clone().next() {
                    argv.push(flag.into());
                    argv.push(v.clone());
                }
            } else if s.starts_with(&format!("{flag}=")) {
                argv.push(w.clone());
            }
        }
    }
    argv.push("whoami".into());
    super::refuse_secret_arguments(&argv).ok()?;
    <Cli as clap::Parser>::try_parse_from(argv)
        .ok()
        .map(|c| c.global)
}

#[cfg(unix)]
fn silence_stderr() {
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        let _ = rustix::stdio::dup2_stderr(&null);
    }
}

#[cfg(not(unix))]
fn silence_stderr() {}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(c: Vec<CompletionCandidate>) -> Vec<String> {
        c.into_iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn every_completer_names_an_argument_that_exists() {
        let mut c = command();
        c.build();
        for (path, id, _) in COMPLETERS {
            let mut cmd = &c;
            for name in path.split_whitespace() {
                cmd = cmd
                    .find_subcommand(name)
                    .unwrap_or_else(|| panic!("{path}"));
            }
            let arg = cmd
                .get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap_or_else(|| panic!("{path} {id}"));
            assert!(arg.get::<ArgValueCompleter>().is_some(), "{path} {id}");
        }
    }

    #[test]
    fn scopes_complete_offline_also_inside_a_comma_list() {
        let all = values(scope_names(OsStr::new("")));
        assert!(all.contains(&"work:read".to_string()));
        assert!(all.contains(&"*".to_string()));
        assert!(all.contains(&"tokens:*".to_string()));
        assert_eq!(
            values(scope_names(OsStr::new("work:r"))),
            vec!["work:read".to_string()]
        );
        let after = values(scope_names(OsStr::new("work:read,work:")));
        assert!(
            after.contains(&"work:read,work:write".to_string()),
            "{after:?}"
        );
        assert!(!after.contains(&"work:read,work:read".to_string()));
    }
}
