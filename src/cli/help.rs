//! What `--help` and the man pages show beyond the flags: the EXAMPLES of every command (one
//! table, [`EXAMPLES`]), the root's commands grouped by task ([`GROUPS`]), `-y/--yes` only where
//! something is confirmed, and `tokctl server` without the client's global flags.
//!
//! Applied to the derived clap tree by two attributes on [`super::Cli`]
//! (`mut_subcommands = …`, `help_template = …`), so every `Cli::command()` — the parser, the
//! man pages, the completion scripts — is the same tree. A test parses every example with the
//! real grammar and fails for a command that has none.

use clap::{Arg, ArgAction, Command};

/// Examples by subcommand path (`""` is `tokctl` itself): real command lines, each parsed by
/// the test `every_example_parses`. Text after `#` is a comment shown with the example.
pub(crate) const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "tokctl login --server https://tokens.example.com",
            "tokctl mint ci-deploy --scope work:read --expires 30d",
            "tokctl list",
            "tokctl revoke ci-deploy",
        ],
    ),
    (
        "login",
        &[
            "tokctl login --server https://tokens.example.com --email ana@example.com",
            "printf '%s\\n' \"$PASSWORD\" | tokctl login --email ana@example.com --password-stdin",
            "printf '%s\\n' \"$TOKEN\" | tokctl login --with-token",
            "tokctl login --oidc --exec 'docker login -u ci --password-stdin registry.example.com'",
            "tokctl login --oidc --id-token-env TOKCTL_ID_TOKEN",
            "tokctl login --profile work --server https://tokens.work.example",
            "tokctl login --session-name laptop",
        ],
    ),
    (
        "logout",
        &[
            "tokctl logout",
            "tokctl logout --profile work",
            "tokctl logout --revoke",
        ],
    ),
    (
        "whoami",
        &[
            "tokctl whoami",
            "tokctl whoami --json",
            "tokctl whoami --jq .user.email",
        ],
    ),
    (
        "status",
        &[
            "tokctl status",
            "tokctl status --json",
            "tokctl status --timeout 5",
        ],
    ),
    (
        "api",
        &[
            "tokctl api /v1/me",
            "tokctl api /v1/tokens --jq '.items[].name'",
            "tokctl api -X PATCH /v1/org/policy -f max_expiry=90d",
            "tokctl api -X POST /v1/tokens --input mint.json",
        ],
    ),
    (
        "mint",
        &[
            "tokctl mint ci-deploy --scope work:read --scope work:write --expires 30d",
            "tokctl mint notes-agent --type mcp --scope 'work:*' --rate-limit 30/min",
            "tokctl mint nightly --expires 7d --allow-cidr 10.0.0.0/8 --description 'nightly backup'",
            "tokctl mint deploy --owner ci-bot --exec 'gh secret set DEPLOY_TOKEN'",
            "tokctl mint reader --scopes work:read,audit:read --dry-run",
            "tokctl mint notes-agent --type mcp --audience https://notes.example.com/mcp --audience tokctl",
        ],
    ),
    (
        "delegate",
        &[
            "tokctl delegate --scope work:read --expires 10m",
            "tokctl delegate --scope work:read --audience https://notes.example.com/mcp --exec 'notes-agent run'",
            "TOKCTL_TOKEN=\"$(tokctl delegate --scope work:read)\" sub-agent",
        ],
    ),
    (
        "list",
        &[
            "tokctl list",
            "tokctl list --all",
            "tokctl list --expiring-within 7d --output tsv",
            "tokctl list --everyone --unused-for 90d",
            "tokctl list --user bob@example.com --type mcp --json",
        ],
    ),
    (
        "show",
        &[
            "tokctl show ci-deploy",
            "tokctl show tk_8f3kQ2xY9mZpL4vR7tWn --json",
            "tokctl show deploy --owner ci-bot",
        ],
    ),
    (
        "revoke",
        &[
            "tokctl revoke ci-deploy",
            "tokctl revoke tk_8f3kQ2xY9mZpL4vR7tWn --reason 'leaked in a log' --yes",
            "tokctl revoke --user bob@example.com --all --dry-run",
            "tokctl revoke --user bob@example.com --all --reason offboarding --yes",
        ],
    ),
    (
        "rotate",
        &[
            "tokctl rotate ci-deploy",
            "tokctl rotate ci-deploy --grace 10m --expires 30d",
            "tokctl rotate ci-deploy --exec 'gh secret set DEPLOY_TOKEN'",
        ],
    ),
    (
        "users",
        &[
            "tokctl users list",
            "tokctl users set-role bob@example.com admin",
        ],
    ),
    (
        "users list",
        &["tokctl users list", "tokctl users list --json"],
    ),
    (
        "users add",
        &[
            "tokctl users add bob@example.com --role member",
            "printf '%s\\n' \"$PASSWORD\" | tokctl users add bob@example.com --role member --password-stdin",
            "tokctl users add ci-bot --service --role member",
        ],
    ),
    (
        "users set-role",
        &[
            "tokctl users set-role bob@example.com admin",
            "tokctl users set-role ci-bot viewer",
        ],
    ),
    (
        "users remove",
        &[
            "tokctl users remove bob@example.com",
            "tokctl users remove ci-bot --yes",
        ],
    ),
    (
        "audit",
        &[
            "tokctl audit --since 7d",
            "tokctl audit --action token.revoke --user bob@example.com",
            "tokctl audit --access --token ci-deploy --limit 50",
        ],
    ),
    (
        "usage",
        &[
            "tokctl usage ci-deploy",
            "tokctl usage ci-deploy --since 24h --json",
        ],
    ),
    (
        "org",
        &[
            "tokctl org policy",
            "tokctl org policy --set max_expiry=90d",
        ],
    ),
    (
        "org policy",
        &[
            "tokctl org policy",
            "tokctl org policy --set default_expiry=30d --set max_expiry=90d",
            "tokctl org policy --set allow_never=false --set default_rate_limit=60/min,1000/hour",
        ],
    ),
    ("trust", &["tokctl trust list", "tokctl trust show deploy"]),
    (
        "trust add",
        &[
            "tokctl trust add airgap --issuer https://ci.internal --audience tokctl --subject 'repo:acme/*' --owner ci-bot --jwks-file jwks.json --dry-run",
            "tokctl trust add deploy --issuer https://token.actions.githubusercontent.com --audience https://tokens.example.com --subject repo:acme/api:ref:refs/heads/main --owner ci-bot --scope work:read",
            "tokctl trust add gitlab-prod --issuer https://gitlab.com --audience https://tokens.example.com --subject 'project_path:acme/*:ref_type:branch:ref:main' --claim ref_protected=true --owner ci-bot --expires 10m",
            "tokctl trust add web --issuer \"$ISSUER\" --audience tokctl --subject \"$SUB\" --owner ci-bot",
        ],
    ),
    (
        "trust list",
        &["tokctl trust list", "tokctl trust list --json"],
    ),
    (
        "trust show",
        &[
            "tokctl trust show deploy",
            "tokctl trust show deploy --json",
        ],
    ),
    (
        "trust remove",
        &[
            "tokctl trust remove deploy --dry-run",
            "tokctl trust remove deploy",
        ],
    ),
    (
        "scan",
        &[
            "tokctl scan                          # the current directory, honouring .gitignore",
            "tokctl scan --git --report           # every commit; revoke what is found",
            "kubectl logs job/deploy | tokctl scan -",
            "tokctl scan --sarif > tokctl.sarif   # for GitHub code scanning",
        ],
    ),
    (
        "completions",
        &[
            "source <(tokctl completions bash)",
            "tokctl completions zsh > \"${fpath[1]}/_tokctl\"",
            "tokctl completions fish > ~/.config/fish/completions/tokctl.fish",
            "tokctl completions bash --static > /etc/bash_completion.d/tokctl",
        ],
    ),
    (
        "server",
        &[
            "tokctl server --dev",
            "tokctl server --listen 0.0.0.0:8700 --database postgres://tokctl@db/tokctl",
            "tokctl server --database /var/lib/tokctl/tokens.db --trusted-proxy 10.0.0.0/8",
        ],
    ),
    (
        "server init",
        &[
            "tokctl server init --org acme --owner ana@example.com",
            "printf '%s\\n' \"$PASSWORD\" | tokctl server init --org acme --owner ana@example.com --password-stdin",
            "tokctl server init --org acme --owner ana@example.com --database /var/lib/tokctl/tokens.db",
        ],
    ),
];

/// The root's commands by task, for `tokctl --help`.
pub(crate) const GROUPS: &[(&str, &[&str])] = &[
    (
        "Tokens",
        &[
            "mint", "delegate", "list", "show", "revoke", "rotate", "usage", "scan",
        ],
    ),
    ("Account", &["login", "logout", "whoami", "status"]),
    ("Organisation", &["users", "org", "audit", "trust"]),
    ("Scripting", &["api", "completions"]),
    ("Setup", &["server"]),
];

/// Subcommands that ask before acting: the only ones showing `-y/--yes`.
pub(crate) const CONFIRMS: &[&str] = &["revoke", "users remove"];

/// The examples of one subcommand path.
pub(crate) fn examples(path: &str) -> Option<&'static [&'static str]> {
    EXAMPLES.iter().find(|(p, _)| *p == path).map(|(_, e)| *e)
}

/// The EXAMPLES block at the end of `--help`.
pub(crate) fn examples_text(path: &str) -> Option<String> {
    let lines = examples(path)?;
    let mut s = String::from("Examples:");
    for l in lines {
        s.push_str("\n  ");
        s.push_str(l);
    }
    Some(s)
}

/// `tokctl --help` after the flags: environment, exit codes, then the examples.
pub(crate) fn root_after_long_help() -> String {
    format!(
        "{}\n\n{}",
        super::docs::AFTER_LONG_HELP,
        examples_text("").unwrap_or_default()
    )
}

/// `mut_subcommands` of the root: decorates each subcommand and its own subcommands.
pub(crate) fn decorate_top(cmd: Command) -> Command {
    let path = cmd.get_name().to_string();
    decorate(cmd, &path)
}

fn decorate(mut cmd: Command, path: &str) -> Command {
    if let Some(text) = examples_text(path) {
        cmd = cmd.after_help(text);
    }
    let top = path.split(' ').next().unwrap_or("");
    if top == "server" {
        cmd = hide_client_globals(cmd);
    } else if CONFIRMS.contains(&path) {
        cmd = cmd.arg(yes_flag());
    }
    cmd.mut_subcommands(|c| {
        let sub = format!("{path} {}", c.get_name());
        decorate(c, &sub)
    })
}

/// `-y/--yes` as this subcommand's own flag, shown under its options. It keeps the global
/// flag's id, so its value reaches `GlobalArgs::yes` (clap propagates global values by id)
/// and the hidden global one is not propagated here.
fn yes_flag() -> Arg {
    Arg::new("yes")
        .long("yes")
        .short('y')
        .action(ArgAction::SetTrue)
        .help("Answer yes to the confirmation")
}

/// The client's global flags, hidden, on `tokctl server`: clap then does not propagate the
/// visible ones there, so `tokctl server --help` lists the server's flags only. (They stay
/// accepted, as before.)
fn hide_client_globals(cmd: Command) -> Command {
    use clap::Args;
    let globals = super::args::GlobalArgs::augment_args(Command::new("globals"));
    let hidden: Vec<Arg> = globals
        .get_arguments()
        .map(|a| a.clone().global(false).hide(true))
        .collect();
    cmd.args(hidden)
}

/// `tokctl --help`: the commands grouped by task, then the flags and the long help.
pub(crate) fn root_template() -> String {
    use clap::Subcommand;
    let subs = super::args::Command::augment_subcommands(Command::new("tokctl"));
    let width = GROUPS
        .iter()
        .flat_map(|(_, names)| names.iter())
        .map(|n| n.len())
        .max()
        .unwrap_or(0);
    let mut t = String::from("{before-help}{about-with-newline}\n{usage-heading} {usage}\n");
    for (group, names) in GROUPS {
        // A build without the server hides `server`, and with it the group it alone fills.
        let shown: Vec<_> = names
            .iter()
            .filter_map(|name| subs.find_subcommand(name).map(|c| (name, c)))
            .filter(|(_, c)| !c.is_hide_set())
            .collect();
        if shown.is_empty() {
            continue;
        }
        t.push_str(&format!("\n{group}:\n"));
        for (name, cmd) in shown {
            let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
            t.push_str(&format!("  {name:width$}"));
            // Wrapped at 80 columns under the description's column, as clap wraps its own.
            let indent = width + 4;
            let mut col = indent;
            let mut first = true;
            for word in about.split(' ') {
                if !first && col + 1 + word.len() > 80 {
                    t.push('\n');
                    t.push_str(&" ".repeat(indent));
                    col = indent;
                } else {
                    t.push_str(if first { "  " } else { " " });
                    col += if first { 0 } else { 1 };
                }
                t.push_str(word);
                col += word.len();
                first = false;
            }
            t.push('\n');
        }
    }
    t.push_str("\nOptions:\n{options}{after-help}");
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::{CommandFactory, Parser};

    /// Every visible subcommand path of the tree (`help` excluded).
    fn paths(cmd: &Command, prefix: &str, out: &mut Vec<String>) {
        for c in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
            if c.get_name() == "help" {
                continue;
            }
            let p = if prefix.is_empty() {
                c.get_name().to_string()
            } else {
                format!("{prefix} {}", c.get_name())
            };
            out.push(p.clone());
            paths(c, &p, out);
        }
    }

    /// The words of the `tokctl …` part of a shell line (quotes removed; after a pipe or a
    /// redirection nothing more is tokctl's).
    fn tokctl_words(line: &str) -> Vec<String> {
        let start = line
            .find("tokctl ")
            .unwrap_or_else(|| panic!("no tokctl in {line}"));
        let mut words = Vec::new();
        let mut cur = String::new();
        let mut quote: Option<char> = None;
        let mut in_word = false;
        for c in line[start..].chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => cur.push(c),
                (None, '\'' | '"') => {
                    quote = Some(c);
                    in_word = true;
                }
                (None, ' ') => {
                    if in_word {
                        words.push(std::mem::take(&mut cur));
                        in_word = false;
                    }
                }
                (None, '|' | '>' | ')') => break,
                (None, c) => {
                    cur.push(c);
                    in_word = true;
                }
            }
        }
        if in_word {
            words.push(cur);
        }
        words
    }

    #[test]
    fn every_subcommand_has_examples() {
        let mut all = Vec::new();
        paths(&Cli::command(), "", &mut all);
        let missing: Vec<&String> = all.iter().filter(|p| examples(p).is_none()).collect();
        assert!(
            missing.is_empty(),
            "no EXAMPLES for {missing:?}: add them to EXAMPLES in src/cli/help.rs"
        );
        for (path, _) in EXAMPLES {
            assert!(
                path.is_empty() || all.contains(&path.to_string()),
                "{path} is no command"
            );
        }
    }

    #[test]
    fn every_example_parses() {
        for (path, lines) in EXAMPLES {
            for line in *lines {
                let words = tokctl_words(line);
                let parsed = Cli::try_parse_from(&words);
                assert!(parsed.is_ok(), "`{line}`: {}", parsed.unwrap_err());
                // The example is of its own command.
                let want: Vec<&str> = path.split_whitespace().collect();
                if !want.is_empty() && path != &"users" && path != &"org" {
                    let got: Vec<&str> = words
                        .iter()
                        .skip(1)
                        .filter(|w| !w.starts_with('-'))
                        .take(want.len())
                        .map(String::as_str)
                        .collect();
                    assert_eq!(got, want, "`{line}` is listed under `{path}`");
                }
            }
        }
    }

    #[test]
    fn every_help_ends_with_examples() {
        let mut all = Vec::new();
        let mut root = Cli::command();
        root.build();
        paths(&root, "", &mut all);
        for path in all {
            let mut cmd = root.clone();
            for name in path.split(' ') {
                cmd = cmd.find_subcommand(name).unwrap().clone();
            }
            let help = cmd.render_long_help().to_string();
            let last = examples(&path).unwrap().last().unwrap();
            assert!(help.trim_end().ends_with(last), "{path}:\n{help}");
        }
    }

    #[test]
    fn every_command_is_in_one_group() {
        let root = Cli::command();
        let visible: Vec<&str> = root
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .map(|c| c.get_name())
            .collect();
        for name in &visible {
            let n = GROUPS.iter().filter(|(_, ns)| ns.contains(name)).count();
            assert_eq!(
                n, 1,
                "`{name}` must be in exactly one of GROUPS (src/cli/help.rs)"
            );
        }
    }

    fn help_of(path: &str) -> String {
        let mut root = Cli::command();
        root.build();
        let mut cmd = root;
        for name in path.split_whitespace() {
            cmd = cmd.find_subcommand(name).unwrap().clone();
        }
        cmd.render_help().to_string()
    }

    #[test]
    fn yes_is_shown_only_where_something_is_confirmed_and_still_works_everywhere() {
        for path in CONFIRMS {
            assert!(help_of(path).contains("-y, --yes"), "{path}");
        }
        for path in ["list", "mint", "show", "users add", "whoami"] {
            assert!(!help_of(path).contains("--yes"), "{path}");
        }
        for argv in [
            &["tokctl", "revoke", "x", "-y"][..],
            &["tokctl", "revoke", "--yes", "x"][..],
            &["tokctl", "users", "remove", "bob@example.com", "--yes"][..],
            &["tokctl", "-y", "revoke", "x"][..],
            // Accepted where nothing is confirmed, as before.
            &["tokctl", "list", "--yes"][..],
        ] {
            let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
            assert!(cli.global.yes, "{argv:?}");
        }
        assert!(
            !Cli::try_parse_from(["tokctl", "revoke", "x"])
                .unwrap()
                .global
                .yes
        );
    }

    #[test]
    #[cfg(feature = "server")]
    fn global_flags_are_grouped_apart_and_server_shows_its_own_only() {
        let list = help_of("list");
        let global = list.find("Global options:").expect("heading");
        assert!(list.find("--profile").unwrap() > global, "{list}");
        assert!(list.find("--expiring-within").unwrap() < global, "{list}");
        for path in ["server", "server init"] {
            let help = help_of(path);
            for flag in [
                "--json",
                "--profile",
                "--quiet",
                "--no-input",
                "--yes",
                "--server <",
            ] {
                assert!(!help.contains(flag), "{path} shows {flag}:\n{help}");
            }
        }
        assert!(help_of("server").contains("--listen"));
    }

    #[test]
    fn root_help_lists_commands_by_task_once() {
        let help = Cli::command().render_help().to_string();
        for (group, names) in GROUPS {
            assert!(help.contains(&format!("\n{group}:\n")), "{help}");
            for name in *names {
                assert_eq!(
                    help.matches(&format!("\n  {name} ")).count(),
                    1,
                    "{name}:\n{help}"
                );
            }
        }
        assert!(!help.contains("Commands:"), "{help}");
    }
}
