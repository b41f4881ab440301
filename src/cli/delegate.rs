//! `tokctl delegate [--scope S]… [--expires D] [--audience A] [--exec CMD]`: a child of the
//! credential in use, by RFC 8693 token exchange (`POST /v1/oauth/token`, the credential as the
//! subject token). Without `--exec` the secret goes out as mint's does (alone on stdout when
//! piped). With `--exec`, CMD — a sub-agent — runs with the child as *its* credential: the
//! secret in `TOKCTL_TOKEN` (where tokctl and agents look for one; never argv, never stdout),
//! and the child is revoked when CMD exits, so it lives no longer than the work it was made for.

use std::process::Stdio;

use super::args::{DelegateArgs, ExecArgs};
use super::exec::{Made, deliver, exit_status_code, shell};
use super::mint::expiry_string;
use super::{CliError, Ctx, output};
use crate::api::types::{RevokeRequest, TokenWithSecret};
use crate::client::Client;

pub(super) async fn run(ctx: &Ctx, a: DelegateArgs) -> Result<u8, CliError> {
    let client = ctx.client()?;
    let expires = a.expires.map(expiry_string);
    let answer = client
        .exchange(&a.scopes, &a.audience, expires.as_deref())
        .await?;
    let issued = TokenWithSecret {
        token: answer.token,
        secret: answer.access_token,
    };
    let Some(cmd) = a.exec else {
        let exec = ExecArgs {
            exec: None,
            revoke_on_failure: false,
        };
        return deliver(ctx, issued, &exec, Made::Delegated).await;
    };
    let server = client.server();
    let status = run_as(&cmd, &issued, &server).await?;
    // The child revokes itself (any credential may): the parent may lack `tokens:write`.
    let child = Client::new(&server, Some(issued.secret.clone()))?;
    let req = RevokeRequest {
        reason: Some(format!(
            "`tokctl delegate --exec` command exited ({status})"
        )),
        dry_run: false,
    };
    let revoked = child.revoke(&issued.token.id, &req).await.is_ok();
    let tok = &issued.token;
    if ctx.global.json {
        output::json(&serde_json::json!({
            "token": tok, "exec": {"command": cmd, "status": status}, "revoked": revoked,
        }))?;
    } else {
        ctx.notice(format!(
            "Delegated {} `{}` ({}) to `{cmd}`, which exited with status {status}; the token {}.",
            tok.kind,
            tok.name,
            tok.id,
            if revoked {
                "is revoked"
            } else {
                "could not be revoked (it expires on its own)"
            }
        ));
    }
    Ok(status)
}

/// Runs `sh -c CMD` (`cmd /C` on Windows) with the child as its credential: `TOKCTL_TOKEN`,
/// `TOKCTL_TOKEN_ID`, `TOKCTL_SERVER`; every other credential taken out of its environment.
async fn run_as(cmd: &str, issued: &TokenWithSecret, server: &str) -> Result<u8, CliError> {
    let mut command = shell(cmd);
    command
        .env("TOKCTL_TOKEN", issued.secret.expose())
        .env("TOKCTL_TOKEN_ID", &issued.token.id)
        .env("TOKCTL_SERVER", server)
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let status = command
        .status()
        .await
        .map_err(CliError::io(format!("running `{cmd}`")))?;
    Ok(exit_status_code(status))
}
