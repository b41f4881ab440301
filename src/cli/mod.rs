//! The command line: `tokctl login | whoami | mint | list | show | revoke | rotate | users | …`.
//!
//! [`run`] takes parsed arguments, builds the context every command shares (terminal state,
//! global flags, the credential and the HTTP client) and dispatches to one module per
//! subcommand. `tokctl server` is not here: `main.rs` hands it to [`crate::server`].

mod api;
pub mod args;
mod audit;
pub mod complete;
mod delegate;
pub mod docs;
mod dry_run;
mod env_credential;
mod error;
mod exec;
pub(crate) mod help;
mod jq;
mod login;
mod mint;
mod mint_prompts;
mod oidc_login;
mod org;
pub(crate) mod output;
mod pager;
mod prompt;
mod revoke;
mod revoke_secret;
mod rotate;
mod scan;
mod secret_args;
mod status;
pub(crate) mod table;
mod tokens;
mod tree;
mod trust;
mod usage_line;
mod users;

use std::io::IsTerminal;
use std::sync::OnceLock;

use chrono::Utc;

pub use args::Cli;
pub use error::{CliError, json_requested};
pub use secret_args::refuse as refuse_secret_arguments;
pub use usage_line::parse;

use crate::api::secret::{self, Secret};
use crate::client::Client;
use crate::session::{Config, Keyring, Profile, config_path};
use args::{Command, GlobalArgs};

/// Where the credential of this command came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CredentialSource {
    /// `TOKCTL_TOKEN`.
    Env,
    /// The profile's session in the OS keyring.
    Keyring,
}

/// What every command shares: global flags, terminal state, and the client once made.
pub(crate) struct Ctx {
    pub(crate) global: GlobalArgs,
    pub(crate) stdin_tty: bool,
    pub(crate) stdout_tty: bool,
    pub(crate) stderr_tty: bool,
    /// `CI` is set: never prompt.
    pub(crate) ci: bool,
    client: OnceLock<(Client, CredentialSource)>,
}

impl Ctx {
    pub(crate) fn new(global: GlobalArgs) -> Ctx {
        Ctx {
            global,
            stdin_tty: std::io::stdin().is_terminal(),
            stdout_tty: std::io::stdout().is_terminal(),
            stderr_tty: std::io::stderr().is_terminal(),
            ci: std::env::var_os("CI").is_some_and(|v| !v.is_empty()),
            client: OnceLock::new(),
        }
    }

    /// Prompts only when stdin and stderr are terminals and neither `--no-input` nor `CI`.
    pub(crate) fn can_prompt(&self) -> bool {
        self.stdin_tty && self.stderr_tty && !self.global.no_input && !self.ci
    }

    /// Colors only on a terminal and never with `NO_COLOR`.
    pub(crate) fn color(&self) -> bool {
        self.stderr_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }

    /// A human notice on stderr (silenced by `--quiet`).
    pub(crate) fn notice(&self, msg: impl AsRef<str>) {
        if !self.global.quiet {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// A warning on stderr (silenced by `--quiet`).
    pub(crate) fn warn(&self, msg: impl AsRef<str>) {
        if !self.global.quiet {
            eprintln!("warning: {}", msg.as_ref());
        }
    }

    pub(crate) fn profile_name(&self) -> &str {
        &self.global.profile
    }

    #[expect(
        clippy::unused_self,
        reason = "read through the context like everything else a command needs"
    )]
    pub(crate) fn load_config(&self) -> Result<(Config, std::path::PathBuf), CliError> {
        let path = config_path()?;
        Ok((Config::load(&path)?, path))
    }

    /// The authenticated client: `TOKCTL_TOKEN` first (format and checksum checked before any
    /// request), then the profile's session from the keyring.
    pub(crate) fn client(&self) -> Result<&Client, CliError> {
        if let Some((c, _)) = self.client.get() {
            return Ok(c);
        }
        let made = self.make_client()?;
        Ok(&self.client.get_or_init(|| made).0)
    }

    pub(crate) fn credential_source(&self) -> Option<CredentialSource> {
        self.client.get().map(|(_, s)| *s)
    }

    fn make_client(&self) -> Result<(Client, CredentialSource), CliError> {
        if let Some(token) = std::env::var_os("TOKCTL_TOKEN").filter(|v| !v.is_empty()) {
            let token = Secret::new(token.to_string_lossy().into_owned());
            secret::parse(token.expose()).map_err(|reason| CliError::MalformedSecret {
                source_name: "TOKCTL_TOKEN",
                reason,
            })?;
            let server = match &self.global.server {
                Some(s) => s.clone(),
                None => self
                    .load_config()
                    .ok()
                    .and_then(|(c, _)| c.profiles.get(self.profile_name()).cloned())
                    .map(|p| p.server)
                    .ok_or_else(|| {
                        CliError::usage(
                            "TOKCTL_TOKEN is set but no server is: pass --server URL or set TOKCTL_SERVER",
                            None,
                        )
                    })?,
            };
            env_credential::note_if_overriding_keyring(self, &token);
            return Ok((Client::new(&server, Some(token))?, CredentialSource::Env));
        }
        let (config, _) = self.load_config()?;
        let not_logged_in = |server: Option<String>| CliError::NotLoggedIn {
            profile: self.profile_name().to_string(),
            server,
        };
        let profile: Profile = config
            .profiles
            .get(self.profile_name())
            .cloned()
            .ok_or_else(|| not_logged_in(self.global.server.clone()))?;
        // A session belongs to the server it was made on: never send it anywhere else.
        if let Some(s) = &self.global.server
            && !same_server(s, &profile.server)
        {
            return Err(not_logged_in(Some(s.clone())));
        }
        let keyring = Keyring::open()?;
        let session = keyring
            .get(self.profile_name())?
            .ok_or_else(|| not_logged_in(Some(profile.server.clone())))?;
        secret::parse(session.expose()).map_err(|reason| CliError::MalformedSecret {
            source_name: "the session in the keyring",
            reason,
        })?;
        Ok((
            Client::new(&profile.server, Some(session))?,
            CredentialSource::Keyring,
        ))
    }

    /// After the command: the once-per-command warning when the credential expires within
    /// 7 days, naming which credential (one `/v1/me` to learn its name, only then) and the
    /// command that fixes it.
    async fn warn_if_credential_expiring(&self) {
        let Some((client, source)) = self.client.get() else {
            return;
        };
        let Some(expires) = client.credential_expires() else {
            return;
        };
        let now = Utc::now();
        if expires - now > chrono::Duration::days(7) || self.global.quiet {
            return;
        }
        let named = client.me().await.ok().map(|me| {
            format!(
                "{} `{}` ({})",
                me.credential.kind, me.credential.name, me.credential.id
            )
        });
        let server = self
            .global
            .server
            .clone()
            .or_else(|| {
                let (config, _) = self.load_config().ok()?;
                Some(config.profiles.get(self.profile_name())?.server.clone())
            })
            .unwrap_or_else(|| "its server".into());
        self.warn(expiry_warning(
            *source,
            named.as_deref(),
            self.profile_name(),
            &server,
            expires,
            now,
        ));
    }
}

/// The words of [`Ctx::warn_if_credential_expiring`]: which credential (`named` is
/// "pat `ci` (tk_…)" when known), when, and what to do (an expired token cannot be rotated).
fn expiry_warning(
    source: CredentialSource,
    named: Option<&str>,
    profile: &str,
    server: &str,
    expires: chrono::DateTime<Utc>,
    now: chrono::DateTime<Utc>,
) -> String {
    let expired = expires <= now;
    let verb = if expired { "expired" } else { "expires" };
    let (what, fix) = match source {
        CredentialSource::Keyring => (
            format!(
                "the session of profile `{profile}`{} on {server}",
                named.map(|n| format!(", {n},")).unwrap_or_default()
            ),
            format!("run `tokctl --profile {profile} login` to start a new session"),
        ),
        CredentialSource::Env => (
            match named {
                Some(n) => format!("TOKCTL_TOKEN, {n},"),
                None => "TOKCTL_TOKEN".into(),
            },
            if expired {
                "an expired token cannot be rotated: mint a new one with `tokctl mint NAME`".into()
            } else {
                let name = named
                    .and_then(|n| n.split('`').nth(1))
                    .unwrap_or("NAME")
                    .to_string();
                format!("rotate it with `tokctl rotate {name}` before then")
            },
        ),
    };
    format!("{what} {verb} {}; {fix}", output::when(expires, now))
}

/// Server URLs compared loosely (trailing slash, case of scheme and host).
fn same_server(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().trim_end_matches('/').to_ascii_lowercase();
    norm(a) == norm(b)
}

/// Runs one parsed command line (anything but `tokctl server`); the Ok value is the exit code.
pub fn run(cli: Cli) -> Result<u8, CliError> {
    let Cli {
        mut global,
        command,
    } = cli;
    if let Some(expr) = &global.jq {
        // Checked before any request; from here on every JSON document goes through it.
        output::set_jq(expr)?;
        global.json = true;
    }
    let ctx = Ctx::new(global);
    crate::waiting::configure(crate::waiting::Settings {
        timeout: ctx.global.timeout,
        spinner: ctx.stderr_tty && !ctx.global.quiet,
    });
    if !ctx.color() {
        console_colors_off();
    }
    match command {
        Command::Login(a) => block_on(&ctx, login::login(&ctx, a)),
        Command::Logout(a) => block_on(&ctx, login::logout(&ctx, a)),
        Command::Status => block_on(&ctx, status::run(&ctx)),
        Command::Whoami => block_on(&ctx, login::whoami(&ctx)),
        Command::Mint(a) => block_on(&ctx, mint::run(&ctx, a)),
        Command::Delegate(a) => block_on(&ctx, delegate::run(&ctx, a)),
        Command::List(a) => block_on(&ctx, tokens::list(&ctx, a)),
        Command::Show(a) => block_on(&ctx, tokens::show(&ctx, a)),
        Command::Revoke(a) => block_on(&ctx, revoke::run(&ctx, a)),
        Command::Rotate(a) => block_on(&ctx, rotate::run(&ctx, a)),
        Command::Users(c) => block_on(&ctx, users::run(&ctx, c)),
        Command::Audit(a) => block_on(&ctx, audit::audit(&ctx, a)),
        Command::Usage(a) => block_on(&ctx, audit::usage(&ctx, a)),
        Command::Org(c) => block_on(&ctx, org::run(&ctx, c)),
        Command::Trust(c) => block_on(&ctx, trust::run(&ctx, c)),
        Command::Api(a) => block_on(&ctx, api::run(&ctx, a)),
        Command::Scan(a) => block_on(&ctx, scan::run(&ctx, a)),
        // No request, so no runtime.
        Command::Completions(a) => docs::print_completions(&a),
        // `main` runs the server itself; this guards a library caller.
        Command::Server(_) => Err(CliError::usage(
            "`tokctl server` is not a client command",
            None,
        )),
    }
}

fn console_colors_off() {
    console::set_colors_enabled(false);
    console::set_colors_enabled_stderr(false);
}

/// Runs a client command to its end, then warns if the credential it used expires soon.
fn block_on(
    ctx: &Ctx,
    command: impl Future<Output = Result<u8, CliError>>,
) -> Result<u8, CliError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::io("starting the async runtime"))?;
    rt.block_on(async {
        let result = command.await;
        ctx.warn_if_credential_expiring().await;
        result
    })
}

/// Reads one line from stdin and strips its line ending (LF or CRLF), for `--password-stdin`
/// and `--with-token`. The value goes straight into a [`Secret`].
pub(crate) fn read_secret_line(flag: &str) -> Result<Secret, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(CliError::io(format!("reading {flag} from stdin")))?;
    if line.ends_with('\n') {
        line.pop();
        if line.ends_with('\r') {
            line.pop();
        }
    }
    let secret = Secret::new(line);
    if secret.expose().is_empty() {
        return Err(CliError::usage(
            format!("{flag}: stdin gave an empty line"),
            Some(format!(
                "pipe the value in: printf '%s\\n' \"$VALUE\" | tokctl … {flag}"
            )),
        ));
    }
    Ok(secret)
}

/// Resolves a token reference for a call: ids pass through; a name with `--owner` is looked up
/// among that member's tokens (an admin acting on a service account's token).
pub(crate) async fn resolve_token(
    client: &Client,
    token: &str,
    owner: Option<&str>,
) -> Result<String, CliError> {
    let Some(owner) = owner else {
        return Ok(token.to_string());
    };
    if token.starts_with("tk_") {
        return Ok(token.to_string());
    }
    let q = crate::api::types::ListTokensQuery {
        owner: Some(owner.to_string()),
        status: Some("all".into()),
        ..Default::default()
    };
    let tokens = client.list_tokens(&q).await?;
    let mut matching: Vec<_> = tokens.into_iter().filter(|t| t.name == token).collect();
    // The active one, else the most recently revoked or expired one (DESIGN.md `show`).
    matching.sort_by_key(|t| {
        (
            t.status == crate::api::types::TokenStatus::Active,
            t.revoked_at.or(t.expires_at).unwrap_or(t.created_at),
        )
    });
    matching
        .pop()
        .map(|t| t.id)
        .ok_or_else(|| CliError::NotFound {
            message: format!("{owner} has no token named `{token}`"),
            help: Some(format!(
                "`tokctl list --user {owner} --all` lists its tokens"
            )),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expiry_warning_names_the_credential_and_a_fix_that_works() {
        let now = Utc::now();
        let soon = now + chrono::Duration::days(3);
        let w = expiry_warning(
            CredentialSource::Keyring,
            Some("ses `cli@box` (tk_1)"),
            "work",
            "https://tok.example",
            soon,
            now,
        );
        assert!(w.contains("the session of profile `work`, ses `cli@box` (tk_1), on https://tok.example expires"), "{w}");
        assert!(w.contains("tokctl --profile work login"), "{w}");
        let w = expiry_warning(
            CredentialSource::Env,
            Some("pat `ci` (tk_2)"),
            "default",
            "s",
            soon,
            now,
        );
        assert!(
            w.starts_with("TOKCTL_TOKEN, pat `ci` (tk_2), expires"),
            "{w}"
        );
        assert!(w.contains("tokctl rotate ci"), "{w}");
        // Expired: rotate cannot revive it.
        let past = now - chrono::Duration::hours(1);
        let w = expiry_warning(
            CredentialSource::Env,
            Some("pat `ci` (tk_2)"),
            "default",
            "s",
            past,
            now,
        );
        assert!(w.contains("expired") && w.contains("tokctl mint"), "{w}");
        assert!(!w.contains("tokctl rotate"), "{w}");
    }
}
