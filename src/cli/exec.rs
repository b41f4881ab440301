//! Secret delivery shared by `mint` and `rotate`: print the new secret once (alone on stdout
//! when piped), or hand it to `--exec CMD` on its stdin and print nothing secret.

use std::process::Stdio;

use chrono::Utc;
use tokio::io::AsyncWriteExt;

use super::args::ExecArgs;
use super::{CliError, Ctx, output};
use crate::api::duration::rfc3339;
use crate::api::secret::{Secret, looks_like_secret};
use crate::api::types::{RevokeRequest, TokenWithSecret};

/// What happened to make the secret: it decides the notes after a failed delivery.
pub(crate) enum Made {
    Minted,
    Rotated,
    Delegated,
}

/// Prints or delivers the secret of a freshly minted or rotated token.
pub(crate) async fn deliver(
    ctx: &Ctx,
    issued: TokenWithSecret,
    exec: &ExecArgs,
    made: Made,
) -> Result<u8, CliError> {
    let tok = &issued.token;
    let now = Utc::now();
    let verb = match made {
        Made::Minted => "Minted",
        Made::Rotated => "Rotated",
        Made::Delegated => "Delegated",
    };
    let expires = tok
        .expires_at
        .map(|t| format!("expires {}", output::when(t, now)))
        .unwrap_or_else(|| "never expires".into());
    let Some(cmd) = &exec.exec else {
        if ctx.global.json {
            output::json(&issued)?;
        } else if ctx.stdout_tty {
            ctx.notice(format!(
                "{verb} {} `{}` ({}), {expires}.",
                tok.kind, tok.name, tok.id
            ));
            grace_note(ctx, &issued);
            ctx.notice("This secret is shown once; copy it now, it cannot be shown again:");
            output::secret_line(&issued.secret)?;
        } else {
            output::secret_line(&issued.secret)?;
            ctx.notice(format!(
                "{verb} {} `{}` ({}), {expires}.",
                tok.kind, tok.name, tok.id
            ));
            grace_note(ctx, &issued);
        }
        return Ok(0);
    };

    let status = run_with_secret(cmd, &issued.secret, &tok.id).await?;
    if status == 0 {
        if ctx.global.json {
            output::json(&serde_json::json!({
                "token": tok, "exec": {"command": cmd, "status": 0},
            }))?;
        } else {
            ctx.notice(format!(
                "{verb} {} `{}` ({}), {expires}; the secret went to `{cmd}`.",
                tok.kind, tok.name, tok.id
            ));
            grace_note(ctx, &issued);
        }
        return Ok(0);
    }

    let mut revoked = false;
    let (message, help) = if exec.revoke_on_failure {
        let req = RevokeRequest {
            dry_run: false,
            reason: Some(format!("--exec command failed with status {status}")),
        };
        ctx.client()?.revoke(&tok.id, &req).await?;
        revoked = true;
        (
            format!(
                "`{cmd}` exited with status {status}; {} `{}` ({}) was revoked (--revoke-on-failure)",
                tok.kind, tok.name, tok.id
            ),
            match made {
                Made::Minted | Made::Delegated => {
                    Some("fix the command and mint again".to_string())
                }
                Made::Rotated => Some(
                    "the token no longer works, with its old or new secret; mint a new one".into(),
                ),
            },
        )
    } else {
        let old = match (&made, issued.token.previous_secret_expires_at) {
            (Made::Rotated, Some(t)) if t > now => format!(
                "; the old secret still works until {}",
                output::when(t, now)
            ),
            (Made::Rotated, _) => "; the old secret no longer works".into(),
            (Made::Minted | Made::Delegated, _) => String::new(),
        };
        (
            format!(
                "`{cmd}` exited with status {status}; {} `{}` ({}) stays active with a new secret nobody has seen{old}",
                tok.kind, tok.name, tok.id
            ),
            Some(format!(
                "deliver a fresh secret with `tokctl rotate {} --exec '…'`, or revoke it with `tokctl revoke {}`",
                tok.id, tok.id
            )),
        )
    };
    if ctx.global.json {
        output::json(&serde_json::json!({
            "token": tok, "exec": {"command": cmd, "status": status}, "revoked": revoked,
        }))?;
    }
    Err(CliError::ExecFailed {
        message,
        help,
        status: if status == 0 { 1 } else { status },
    })
}

fn grace_note(ctx: &Ctx, issued: &TokenWithSecret) {
    if let Some(t) = issued.token.previous_secret_expires_at {
        let now = Utc::now();
        if t > now {
            ctx.notice(format!(
                "The old secret keeps working until {} ({}).",
                output::when(t, now),
                rfc3339(t)
            ));
        }
    }
}

/// `sh -c CMD` (`cmd /C CMD` on Windows) with every credential of the caller taken out of its
/// environment ([`credential_vars`]): what a child is given is set by the caller, alone.
pub(crate) fn shell(cmd: &str) -> tokio::process::Command {
    let mut command = if cfg!(windows) {
        let mut c = tokio::process::Command::new("cmd");
        c.arg("/C").arg(cmd);
        c
    } else {
        let mut c = tokio::process::Command::new("sh");
        c.arg("-c").arg(cmd);
        c
    };
    for name in credential_vars(std::env::vars_os()) {
        command.env_remove(name);
    }
    command
}

/// Runs `sh -c CMD` (`cmd /C CMD` on Windows) with the secret and a newline on its stdin and
/// `TOKCTL_TOKEN_ID` in its environment, the caller's credentials taken out of it
/// ([`credential_vars`]); the secret is never in its argv. Returns its exit
/// status (128 + signal when killed by one).
pub(crate) async fn run_with_secret(
    cmd: &str,
    secret: &Secret,
    token_id: &str,
) -> Result<u8, CliError> {
    let mut command = shell(cmd);
    command
        .env("TOKCTL_TOKEN_ID", token_id)
        .stdin(Stdio::piped())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let mut child = command
        .spawn()
        .map_err(CliError::io(format!("starting `{cmd}`")))?;
    if let Some(mut stdin) = child.stdin.take() {
        let mut line = Vec::with_capacity(secret.expose().len() + 1);
        line.extend_from_slice(secret.expose().as_bytes());
        line.push(b'\n');
        // A command that does not read its stdin may close it first: not an error of ours.
        match stdin.write_all(&line).await {
            Ok(()) | Err(_) => {}
        }
        line.fill(0);
        drop(stdin);
    }
    let status = child
        .wait()
        .await
        .map_err(CliError::io(format!("waiting for `{cmd}`")))?;
    Ok(exit_status_code(status))
}

/// tokctl's own settings a child may keep: none of them holds a secret, and a child that runs
/// `tokctl` itself (to check the new secret) needs them.
const KEPT_TOKCTL_VARS: &[&str] = &["TOKCTL_SERVER", "TOKCTL_PROFILE", "TOKCTL_TIMEOUT"];

/// The variables taken out of an `--exec` child's environment: the caller's credential
/// (`TOKCTL_TOKEN`), every other `TOKCTL_*` variable but [`KEPT_TOKCTL_VARS`] (a database or
/// Redis URL may carry a password, a pepper file is a key), and any variable whose value holds
/// something shaped like a tokctl secret, whatever its name. The child gets the new secret on
/// stdin and `TOKCTL_TOKEN_ID`, never the credential that made it.
pub(super) fn credential_vars(
    vars: impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> Vec<std::ffi::OsString> {
    vars.filter(|(name, value)| {
        let n = name.to_string_lossy();
        let tokctl_setting = n.starts_with("TOKCTL_") && !KEPT_TOKCTL_VARS.contains(&n.as_ref());
        tokctl_setting || looks_like_secret(&value.to_string_lossy())
    })
    .map(|(name, _)| name)
    .collect()
}

pub(super) fn exit_status_code(status: std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return u8::try_from(128 + sig).unwrap_or(1);
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn credentials_leave_the_child_environment_and_settings_stay() {
        let vars = [
            ("TOKCTL_TOKEN", "tokctl_pat_whatever"),
            ("TOKCTL_DATABASE", "postgres://u:pw@db/tokctl"),
            ("TOKCTL_REDIS", "redis://:pw@cache"),
            ("DEPLOY_KEY", "Bearer tokctl_mcp_abc"),
            ("TOKCTL_SERVER", "http://127.0.0.1:8700"),
            ("TOKCTL_PROFILE", "default"),
            ("PATH", "/usr/bin"),
            ("HOME", "/home/u"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let removed = credential_vars(vars.into_iter());
        assert_eq!(
            removed,
            [
                "TOKCTL_TOKEN",
                "TOKCTL_DATABASE",
                "TOKCTL_REDIS",
                "DEPLOY_KEY"
            ]
            .map(OsString::from)
        );
    }
}
