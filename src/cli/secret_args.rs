//! Refusing a secret on the command line (DESIGN.md "Secrets"), before clap parses anything.
//!
//! tokctl never takes a secret as an argument: secrets come from `TOKCTL_TOKEN`, the keyring or
//! stdin. A secret typed where a token id or name belongs (`tokctl revoke tokctl_pat_…`) would
//! otherwise go into a URL path, the server's logs and the audit log. So every argument, and
//! every environment variable clap reads into one (`TOKCTL_SERVER`, `TOKCTL_PROFILE`), is
//! checked here by shape ([`url_part_carries_secret`], checksum or not, also after percent-decoding),
//! and a hit ends the command with exit 2 before any request. This runs before clap, whose
//! own errors ("unexpected argument '…'") would echo the value; the message names the place
//! and the command to use instead, never the value.

use std::ffi::OsString;

use clap::CommandFactory;

use super::CliError;
use super::args::Cli;
use crate::api::secret::url_part_carries_secret;

/// Where on the command line the secret was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretArgument {
    /// The subcommand path, e.g. `revoke` or `users set-role` (empty at the top level).
    pub(crate) command: String,
    /// The flag (`--owner`), positional (`TOKEN`) or environment variable that held it.
    pub(crate) place: String,
    /// True where a token id or name (or a member) belongs.
    pub(crate) names_a_token: bool,
}

impl SecretArgument {
    pub(crate) fn message(&self) -> String {
        let cmd = match self.command.as_str() {
            "" => "tokctl".to_string(),
            c => format!("tokctl {c}"),
        };
        let what = if self.names_a_token {
            "that is a secret, not a token id or name"
        } else {
            "that is a secret, and tokctl never takes one on its command line"
        };
        format!(
            "{what}; treat it as leaked ({} of `{cmd}`; nothing was sent)",
            self.place
        )
    }

    /// The id-based command to use instead, for the `help:` line.
    pub(crate) fn help(&self) -> String {
        let top = self.command.split(' ').next().unwrap_or("");
        let todo = match top {
            "revoke" => "to revoke it, find its id with `tokctl list` and run `tokctl revoke tk_…`",
            "rotate" => {
                "to replace it, find its id with `tokctl list` and run `tokctl rotate tk_…` \
                 (the leaked secret stops working), or end it with `tokctl revoke tk_…`"
            }
            _ => {
                "name tokens by id (`tk_…`) or name and members by email or service account \
                 name; to end the leaked token, find its id with `tokctl list` and run \
                 `tokctl revoke tk_…` (or `tokctl rotate tk_…` for a new secret)"
            }
        };
        format!("{todo}; the secret is also in your shell history now")
    }
}

/// Argument ids (clap's field names) that hold a token id or name, or a member.
const NAMING_ARGS: &[&str] = &[
    "name", "token", "tokens", "member", "who", "owner", "user", "email",
];

/// Refuses a secret anywhere in `args` (the whole argv, program name first) or in an
/// environment variable clap would read into an argument.
pub fn refuse(args: &[OsString]) -> Result<(), CliError> {
    // Building clap's command tree to say *where* a secret is costs more than the rest of a
    // typical command's start-up; a command line with nothing secret-shaped needs no tree.
    let env_suspect = std::env::vars_os().any(|(name, value)| {
        name.to_str()
            .is_some_and(|n| n.starts_with("TOKCTL_") && n != "TOKCTL_TOKEN")
            && secret_shaped(&value.to_string_lossy())
    });
    if !env_suspect && !args.iter().any(|a| secret_shaped(&a.to_string_lossy())) {
        return Ok(());
    }
    match find(args, |var| std::env::var_os(var)) {
        Some(found) => Err(CliError::SecretArgument(found)),
        None => Ok(()),
    }
}

/// The first secret-shaped argument and where it is; `env` reads an environment variable.
pub(crate) fn find(
    args: &[OsString],
    env: impl Fn(&str) -> Option<OsString>,
) -> Option<SecretArgument> {
    let mut root = Cli::command();
    root.build();
    let mut current = &root;
    let mut path: Vec<&str> = Vec::new();
    let mut positional = 0usize;
    // The flag whose value the next argument is.
    let mut pending: Option<&clap::Arg> = None;
    let mut only_positionals = false;
    let mut hit = None;
    for raw in args.iter().skip(1) {
        let arg = raw.to_string_lossy();
        if let Some(flag) = pending.take() {
            if secret_shaped(&arg) {
                hit = Some(place_of_flag(flag));
                break;
            }
            continue;
        }
        if !only_positionals && arg == "--" {
            only_positionals = true;
            continue;
        }
        if !only_positionals && arg.starts_with('-') && arg.len() > 1 {
            let (name, attached) = match arg.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (arg.as_ref(), None),
            };
            let flag = lookup_flag(current, name);
            if secret_shaped(&arg) {
                hit = Some(match flag {
                    Some(f) => place_of_flag(f),
                    None => unnamed_place(),
                });
                break;
            }
            if attached.is_none() && !name.starts_with("--") && name.len() > 2 {
                // `-oVALUE`: a short flag with its value attached; nothing pending.
                continue;
            }
            if attached.is_none() && flag.is_some_and(|f| f.get_action().takes_values()) {
                pending = flag;
            }
            continue;
        }
        if !only_positionals && let Some(sub) = current.find_subcommand(arg.as_ref()) {
            path.push(sub.get_name());
            current = sub;
            positional = 0;
            continue;
        }
        if secret_shaped(&arg) {
            hit = Some(place_of_positional(current, positional));
            break;
        }
        positional += 1;
    }
    let mut hit = hit.or_else(|| env_hit(current, &env))?;
    hit.command = path.join(" ");
    Some(hit)
}

/// A variable clap reads for this command (`TOKCTL_SERVER`, …) holding a secret.
fn env_hit(cmd: &clap::Command, env: &impl Fn(&str) -> Option<OsString>) -> Option<SecretArgument> {
    cmd.get_arguments().find_map(|a| {
        let var = a.get_env()?.to_string_lossy();
        let value = env(&var)?;
        secret_shaped(&value.to_string_lossy()).then(|| SecretArgument {
            command: String::new(),
            place: var.into_owned(),
            names_a_token: false,
        })
    })
}

fn lookup_flag<'c>(cmd: &'c clap::Command, name: &str) -> Option<&'c clap::Arg> {
    if let Some(long) = name.strip_prefix("--") {
        return cmd.get_arguments().find(|a| a.get_long() == Some(long));
    }
    let short = name.strip_prefix('-')?.chars().next()?;
    cmd.get_arguments().find(|a| a.get_short() == Some(short))
}

fn place_of_flag(flag: &clap::Arg) -> SecretArgument {
    let place = match flag.get_long() {
        Some(l) => format!("--{l}"),
        None => format!("argument {}", flag.get_id()),
    };
    SecretArgument {
        command: String::new(),
        place,
        names_a_token: NAMING_ARGS.contains(&flag.get_id().as_str()),
    }
}

fn place_of_positional(cmd: &clap::Command, index: usize) -> SecretArgument {
    let positionals: Vec<&clap::Arg> = cmd.get_positionals().collect();
    // Extra values go to the last positional when it takes many (`revoke TOKEN…`).
    let Some(arg) = positionals.get(index).or_else(|| {
        positionals
            .last()
            .filter(|a| a.get_num_args().is_some_and(|n| n.max_values() > 1))
    }) else {
        return unnamed_place();
    };
    let place = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_ascii_uppercase());
    SecretArgument {
        command: String::new(),
        place,
        names_a_token: NAMING_ARGS.contains(&arg.get_id().as_str()),
    }
}

fn unnamed_place() -> SecretArgument {
    SecretArgument {
        command: String::new(),
        place: "an argument".into(),
        names_a_token: true,
    }
}

/// Shaped like a tokctl secret as written, or once percent-decoded (`%74okctl_pat_…` would
/// reach the server's path decoded): the server's own URL rule, so the CLI refuses locally
/// exactly what the server would refuse.
fn secret_shaped(s: &str) -> bool {
    url_part_carries_secret(s, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Generated per run: no secret-shaped literal in the source for scanners to flag.
    static SECRET: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        crate::api::secret::generate(crate::api::secret::TokenType::Pat)
            .expose()
            .to_owned()
    });

    fn at(args: &[&str]) -> Option<SecretArgument> {
        let argv: Vec<OsString> = std::iter::once("tokctl")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        find(&argv, |_| None)
    }

    fn place(command: &str, place: &str, names_a_token: bool) -> Option<SecretArgument> {
        Some(SecretArgument {
            command: command.into(),
            place: place.into(),
            names_a_token,
        })
    }

    #[test]
    fn finds_the_secret_in_each_token_or_member_position() {
        assert_eq!(at(&["show", SECRET.as_str()]), place("show", "TOKEN", true));
        assert_eq!(
            at(&["--json", "revoke", "a", SECRET.as_str()]),
            place("revoke", "TOKEN", true)
        );
        assert_eq!(
            at(&["rotate", SECRET.as_str(), "--grace", "1m"]),
            place("rotate", "TOKEN", true)
        );
        assert_eq!(
            at(&["usage", SECRET.as_str()]),
            place("usage", "TOKEN", true)
        );
        assert_eq!(
            at(&["audit", "--token", SECRET.as_str()]),
            place("audit", "--token", true)
        );
        assert_eq!(
            at(&["audit", &format!("--token={}", SECRET.as_str())]),
            place("audit", "--token", true)
        );
        assert_eq!(
            at(&["mint", "x", "--owner", SECRET.as_str()]),
            place("mint", "--owner", true)
        );
        assert_eq!(at(&["mint", SECRET.as_str()]), place("mint", "NAME", true));
        assert_eq!(
            at(&["list", "--user", SECRET.as_str()]),
            place("list", "--user", true)
        );
        assert_eq!(
            at(&["revoke", "--user", SECRET.as_str(), "--all"]),
            place("revoke", "--user", true)
        );
        assert_eq!(
            at(&["users", "set-role", SECRET.as_str(), "admin"]),
            place("users set-role", "MEMBER", true)
        );
        assert_eq!(
            at(&["users", "remove", SECRET.as_str()]),
            place("users remove", "MEMBER", true)
        );
    }

    #[test]
    fn other_places_are_refused_too_and_said_so() {
        assert_eq!(
            at(&["mint", "x", "--description", SECRET.as_str()]),
            place("mint", "--description", false)
        );
        assert_eq!(
            at(&["--server", SECRET.as_str(), "list"]),
            place("", "--server", false)
        );
        assert_eq!(
            at(&["whoami", SECRET.as_str()]),
            place("whoami", "an argument", true)
        );
        assert_eq!(at(&[SECRET.as_str()]), place("", "an argument", true));
    }

    #[test]
    fn bad_checksums_and_percent_encoding_do_not_hide_it() {
        assert!(at(&["show", "tokctl_mcp_short"]).is_some());
        assert!(at(&["show", "%74okctl_ses_abc"]).is_some());
        assert!(at(&["show", "tokctl%5Fpat%5Fabc"]).is_some());
    }

    #[test]
    fn ordinary_arguments_pass() {
        assert_eq!(at(&["show", "tk_abc"]), None);
        assert_eq!(at(&["mint", "ci-deploy", "--scope", "work:read"]), None);
        assert_eq!(at(&["revoke", "--user", "a@example.com", "--all"]), None);
    }

    #[test]
    fn environment_read_into_arguments_is_checked() {
        let argv: Vec<OsString> = ["tokctl", "list"].iter().map(OsString::from).collect();
        let found = find(&argv, |v| {
            (v == "TOKCTL_SERVER").then(|| SECRET.as_str().into())
        });
        assert_eq!(found, place("list", "TOKCTL_SERVER", false));
    }

    #[test]
    fn messages_never_carry_the_secret_and_name_the_command() {
        let found = at(&["revoke", SECRET.as_str()]).unwrap();
        assert!(
            found
                .message()
                .contains("that is a secret, not a token id or name")
        );
        assert!(found.message().contains("treat it as leaked"));
        assert!(found.help().contains("tokctl revoke tk_…"));
        assert!(!found.message().contains("tokctl_pat_"));
    }
}
