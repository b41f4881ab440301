//! `tokctl login --oidc`: in a CI job, exchange the job's OpenID Connect ID token for a
//! short-lived token (RFC 8693 at `POST /v1/oauth/token`) and print its secret as mint does,
//! or hand it to `--exec`. Never the keyring, never a file: the token lives as long as the job
//! needs it and no longer.
//!
//! Where the ID token comes from: `--id-token-file` (`-` = stdin), `--id-token-env NAME`
//! (GitLab CI's `id_tokens:`), else GitHub Actions' own endpoint
//! (`ACTIONS_ID_TOKEN_REQUEST_URL` with the bearer `ACTIONS_ID_TOKEN_REQUEST_TOKEN`).

use std::io::Read;

use super::args::{ExecArgs, LoginArgs};
use super::exec::{Made, deliver};
use super::{CliError, Ctx};
use crate::api::secret::Secret;
use crate::api::types::TokenWithSecret;
use crate::client::Client;

/// ID tokens are a few KiB; anything far larger is not one.
const MAX_ID_TOKEN: usize = 64 * 1024;

pub(super) async fn run(ctx: &Ctx, a: LoginArgs) -> Result<u8, CliError> {
    let server = match &ctx.global.server {
        Some(s) => s.clone(),
        None => ctx
            .load_config()
            .ok()
            .and_then(|(c, _)| c.profiles.get(ctx.profile_name()).cloned())
            .map(|p| p.server)
            .ok_or_else(|| {
                CliError::usage(
                    "login --oidc needs the server: pass --server URL or set TOKCTL_SERVER",
                    None,
                )
            })?,
    };
    let anonymous = Client::new(&server, None)?;
    let audience = a.audience.clone().unwrap_or_else(|| anonymous.server());
    let id_token = id_token(&a, &audience).await?;
    let issued = match anonymous.exchange_id_token(&id_token).await? {
        Ok(issued) => issued,
        Err(refusal) => {
            return Err(CliError::Rejected {
                message: format!(
                    "the server refused the ID token ({}): {}",
                    serde_json::to_value(refusal.error)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    refusal.error_description.unwrap_or_default()
                ),
                help: Some(
                    "an admin can see why with `tokctl audit --action auth.failed` and review the \
                     policies with `tokctl trust list` / `tokctl trust show NAME` (issuer, \
                     audience, subject and claim patterns must all match)"
                        .into(),
                ),
            });
        }
    };
    // Who the new token is, from the server, so it is reported like a minted one.
    let me = Client::new(&server, Some(issued.access_token.clone()))?
        .me()
        .await?;
    let exec = ExecArgs {
        exec: a.exec.clone(),
        revoke_on_failure: false,
    };
    deliver(
        ctx,
        TokenWithSecret {
            token: me.credential,
            secret: issued.access_token,
        },
        &exec,
        Made::Minted,
    )
    .await
}

fn checked(token: String, from: &str) -> Result<Secret, CliError> {
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(CliError::usage(format!("{from} gave no ID token"), None));
    }
    if token.len() > MAX_ID_TOKEN || token.split('.').count() != 3 {
        return Err(CliError::usage(
            format!("{from} does not hold a JWT (header.payload.signature)"),
            None,
        ));
    }
    Ok(Secret::new(token))
}

async fn id_token(a: &LoginArgs, audience: &str) -> Result<Secret, CliError> {
    if let Some(path) = &a.id_token_file {
        let mut text = String::new();
        if path.as_os_str() == "-" {
            std::io::stdin()
                .take(MAX_ID_TOKEN as u64 + 1)
                .read_to_string(&mut text)
                .map_err(CliError::io("reading the ID token from stdin"))?;
            return checked(text, "stdin (--id-token-file -)");
        }
        let file = std::fs::File::open(path).map_err(CliError::io(format!(
            "reading --id-token-file {}",
            path.display()
        )))?;
        file.take(MAX_ID_TOKEN as u64 + 1)
            .read_to_string(&mut text)
            .map_err(CliError::io(format!(
                "reading --id-token-file {}",
                path.display()
            )))?;
        return checked(text, &format!("--id-token-file {}", path.display()));
    }
    if let Some(name) = &a.id_token_env {
        let value = std::env::var(name).map_err(|_| {
            CliError::usage(
                format!("--id-token-env {name}: the variable is not set"),
                Some(format!(
                    "on GitLab CI, declare it under `id_tokens:` with `aud:` set to the trust \
                     policy's audience, e.g. `{name}: {{aud: {audience}}}`"
                )),
            )
        })?;
        return checked(value, &format!("--id-token-env {name}"));
    }
    github_actions_id_token(audience).await
}

/// GitHub Actions: ask the runner's token endpoint for an ID token with our audience.
async fn github_actions_id_token(audience: &str) -> Result<Secret, CliError> {
    let url = std::env::var("ACTIONS_ID_TOKEN_REQUEST_URL")
        .ok()
        .filter(|v| !v.is_empty());
    let bearer = std::env::var("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .ok()
        .filter(|v| !v.is_empty());
    let (Some(url), Some(bearer)) = (url, bearer.map(Secret::new)) else {
        return Err(CliError::usage(
            "login --oidc found no ID token: not on GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL \
             is not set) and neither --id-token-env nor --id-token-file was given",
            Some(
                "GitHub Actions: give the job `permissions: id-token: write`; GitLab CI: \
                 `--id-token-env NAME` with `id_tokens:`; elsewhere: `--id-token-file FILE`"
                    .into(),
            ),
        ));
    };
    let mut url = reqwest::Url::parse(&url)
        .map_err(|_| CliError::usage("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL", None))?;
    url.query_pairs_mut().append_pair("audience", audience);
    let http = reqwest::Client::builder()
        .timeout(crate::waiting::settings().timeout.0)
        .build()
        .map_err(|e| CliError::Io {
            context: "making the HTTP client".into(),
            source: std::io::Error::other(e),
        })?;
    let unreachable = |detail: String| CliError::Io {
        context: "asking GitHub Actions for the job's ID token".into(),
        source: std::io::Error::other(detail),
    };
    let resp = http
        .get(url)
        .bearer_auth(bearer.expose())
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| unreachable(e.without_url().to_string()))?;
    if !resp.status().is_success() {
        return Err(unreachable(format!(
            "HTTP {} (does the job have `permissions: id-token: write`?)",
            resp.status().as_u16()
        )));
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        value: String,
    }
    let answer: Answer = resp
        .json()
        .await
        .map_err(|e| unreachable(format!("unexpected answer: {}", e.without_url())))?;
    checked(answer.value, "GitHub Actions' ID token endpoint")
}
