//! `tokctl revoke --secret-stdin` / `--secret-file FILE`: "I pasted my token in chat".
//!
//! The secret is reported to the server's `POST /v1/leaks` in the request body (never a URL
//! or a command line), which revokes it if it is live. No login is needed: whoever holds a
//! secret may report it. The server's answer to an anonymous report is the same whether or not
//! the secret was known, so only a caller with a credential of its own (a login, or
//! `TOKCTL_TOKEN`) that may see the token — its owner, or an admin with `tokens:admin` — is
//! told which token it was; everyone else is told the report was received.

use secrecy::ExposeSecret;

use super::args::RevokeArgs;
use super::{CliError, Ctx, output, read_secret_line};
use crate::api::leaks::{LeakReceipt, LeakReport};
use crate::api::secret::{self, Secret};
use crate::api::types::{TokenInfo, TokenStatus};
use crate::client::{Client, ClientError};

/// The `source` a report from this command carries (the audit and `whoami` show it).
const SOURCE: &str = "tokctl revoke --secret";

pub(super) async fn run(ctx: &Ctx, a: &RevokeArgs) -> Result<u8, CliError> {
    let (secret, flag) = match &a.secret_file {
        Some(path) => (read_secret_file(path)?, "--secret-file"),
        None => (read_secret_line("--secret-stdin")?, "--secret-stdin"),
    };
    // Checked here, before anything is sent: a mistyped secret would be reported for nothing
    // and the server would not say so.
    secret::parse(secret.expose()).map_err(|reason| {
        CliError::usage(
            format!("{flag}: that is not a tokctl secret: {reason}; nothing was sent"),
            Some(
                "give the whole secret, `tokctl_pat_…` (or `_mcp_`, `_ses_`), as it was leaked"
                    .into(),
            ),
        )
    })?;
    let report = [LeakReport {
        token: secret,
        url: None,
        source: Some(SOURCE.into()),
    }];
    let receipt = send(ctx, &report).await?;
    if ctx.global.json {
        output::json(&receipt)?;
    }
    match receipt.tokens.as_deref() {
        Some([]) | None => ctx.notice(
            "Reported. If that secret belongs to a live token on this server, the token is \
             revoked now (reason: leaked); the server does not say which to whoever reports \
             it. Its owner sees it in `tokctl list --all` and is warned by `tokctl whoami`.",
        ),
        Some(matches) => {
            for m in matches {
                ctx.notice(describe(&m.token, m.revoked));
            }
        }
    }
    Ok(0)
}

/// One line for a matched token the caller may see.
fn describe(t: &TokenInfo, revoked_now: bool) -> String {
    let which = format!("{} `{}` ({}) of {}", t.kind, t.name, t.id, t.owner);
    match t.status {
        _ if revoked_now => {
            format!("Revoked {which}: reported as leaked. Anything using it stops working now.")
        }
        TokenStatus::Revoked => format!("{which} was already revoked."),
        TokenStatus::Expired => format!("{which} had expired already; nothing to revoke."),
        TokenStatus::Active => format!("{which} is still active (another secret of it?)."),
    }
}

/// Sends the report with the caller's credential when there is a usable one (so the answer
/// can name the token), else — and when that credential is refused (as the leaked secret itself
/// is once revoked, or a pinned token outside its networks) — without one.
async fn send(ctx: &Ctx, report: &[LeakReport]) -> Result<LeakReceipt, CliError> {
    let client = match ctx.client() {
        Ok(client) => client,
        Err(e) => return Ok(anonymous(ctx, e)?.report_leaks(report).await?),
    };
    match client.report_leaks(report).await {
        // Refused as a credential (revoked, expired, outside its networks): the report itself
        // needs none.
        Err(ClientError::Api {
            status: 401 | 403, ..
        }) => Ok(client.anonymous()?.report_leaks(report).await?),
        other => Ok(other?),
    }
}

/// A client for the configured server with no credential; `why` is the error of the
/// credentialed one, returned when no server is configured either.
fn anonymous(ctx: &Ctx, why: CliError) -> Result<Client, CliError> {
    let server = ctx.global.server.clone().or_else(|| {
        let (config, _) = ctx.load_config().ok()?;
        Some(config.profiles.get(ctx.profile_name())?.server.clone())
    });
    match server {
        Some(server) => Ok(Client::new(&server, None)?),
        None => Err(match why {
            CliError::NotLoggedIn { .. } => CliError::usage(
                "no server to report to",
                Some("pass --server URL or set TOKCTL_SERVER (no login is needed)".into()),
            ),
            other => other,
        }),
    }
}

/// The secret in FILE: its only content, surrounding whitespace ignored.
fn read_secret_file(path: &std::path::Path) -> Result<Secret, CliError> {
    let text = secrecy::SecretString::from(std::fs::read_to_string(path).map_err(CliError::io(
        format!("reading --secret-file {}", path.display()),
    ))?);
    let secret = Secret::new(text.expose_secret().trim().to_string());
    if secret.expose().is_empty() {
        return Err(CliError::usage(
            format!("--secret-file {}: the file is empty", path.display()),
            None,
        ));
    }
    Ok(secret)
}
