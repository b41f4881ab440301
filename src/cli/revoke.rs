//! `tokctl revoke TOKEN…` and offboarding, `tokctl revoke --user MEMBER --all [--dry-run]`.

use chrono::Utc;

use super::args::RevokeArgs;
use super::{CliError, Ctx, output, prompt, resolve_token};
use crate::api::secret::TokenType;
use crate::api::types::{BulkRevokeRequest, RevokeRequest, RevokeResult, TokenInfo};

pub(crate) async fn run(ctx: &Ctx, a: RevokeArgs) -> Result<u8, CliError> {
    if a.secret_stdin || a.secret_file.is_some() {
        return super::revoke_secret::run(ctx, &a).await;
    }
    match a.user.clone() {
        Some(user) => offboard(ctx, &a, &user).await,
        None => revoke_tokens(ctx, &a).await,
    }
}

async fn revoke_tokens(ctx: &Ctx, a: &RevokeArgs) -> Result<u8, CliError> {
    let client = ctx.client()?;
    let what = a.tokens.join(", ");
    let prompt_text = if a.tokens.len() == 1 {
        format!("Revoke token {what}? Anything using it stops working at once")
    } else {
        format!(
            "Revoke {} tokens ({what})? Anything using them stops working at once",
            a.tokens.len()
        )
    };
    if !a.dry_run && !prompt::confirm_destructive(ctx, &prompt_text)? {
        ctx.notice("Nothing revoked.");
        return Ok(crate::api::error::exit::OTHER);
    }
    let req = RevokeRequest {
        reason: a.reason.clone(),
        dry_run: a.dry_run,
    };
    let mut revoked: Vec<TokenInfo> = Vec::new();
    let mut newly = 0usize;
    let mut already = 0usize;
    let mut failures: Vec<(String, CliError)> = Vec::new();
    for token in &a.tokens {
        let result = async {
            let id = resolve_token(client, token, a.owner.as_deref()).await?;
            Ok::<RevokeResult, CliError>(client.revoke(&id, &req).await?)
        }
        .await;
        match result {
            Ok(r) if a.dry_run => {
                super::dry_run::revoke_line(ctx, &r);
                if r.already_revoked {
                    already += r.revoked.len().max(1);
                } else {
                    newly += r.count;
                }
                revoked.extend(r.revoked);
            }
            Ok(r) => {
                // The named token, then the tokens delegated from it (its subtree).
                for (i, t) in r.revoked.iter().enumerate() {
                    if i == 0 && r.already_revoked {
                        ctx.notice(format!(
                            "{} `{}` ({}) was already revoked.",
                            t.kind, t.name, t.id
                        ));
                    } else if i == 0 {
                        ctx.notice(format!("Revoked {} `{}` ({}).", t.kind, t.name, t.id));
                    } else {
                        ctx.notice(format!(
                            "  and {} `{}` ({}), delegated from it (depth {}).",
                            t.kind, t.name, t.id, t.depth
                        ));
                    }
                }
                if r.already_revoked {
                    already += r.revoked.len().max(1);
                } else {
                    newly += r.count;
                }
                revoked.extend(r.revoked);
            }
            Err(e) => failures.push((token.clone(), e)),
        }
    }
    if ctx.global.json {
        // The API's RevokeResult (same field shapes as `POST /v1/tokens/{id}/revoke` and the
        // OpenAPI), plus the tokens that could not be revoked.
        #[derive(serde::Serialize)]
        struct Output {
            #[serde(flatten)]
            result: RevokeResult,
            failed: Vec<serde_json::Value>,
        }
        output::json(&Output {
            result: RevokeResult {
                count: newly,
                revoked: revoked.clone(),
                // As the API says it: nothing changed because what was named was revoked already.
                already_revoked: newly == 0 && already > 0,
                dry_run: a.dry_run,
            },
            failed: failures
                .iter()
                .map(|(t, e)| {
                    serde_json::json!({
                        "token": t, "code": e.code(), "message": e.to_string(),
                    })
                })
                .collect(),
        })?;
    }
    let last = failures.pop();
    for (token, e) in failures {
        eprintln!("error: {token}: {e}");
    }
    match last {
        None => Ok(0),
        Some((token, e)) if a.tokens.len() == 1 => {
            let _ = token;
            Err(e)
        }
        Some((token, e)) => {
            eprintln!("error: {token}: {e}");
            Ok(e.exit_code())
        }
    }
}

fn summary(tokens: &[TokenInfo]) -> String {
    let sessions = tokens.iter().filter(|t| t.kind == TokenType::Ses).count();
    let others = tokens.len() - sessions;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!(
        "{} and {}",
        plural(others, "token"),
        plural(sessions, "session")
    )
}

async fn offboard(ctx: &Ctx, a: &RevokeArgs, user: &str) -> Result<u8, CliError> {
    let client = ctx.client()?;
    let preview = client
        .bulk_revoke(&BulkRevokeRequest {
            owner: user.to_string(),
            dry_run: true,
            reason: a.reason.clone(),
        })
        .await?;
    let now = Utc::now();
    if a.dry_run {
        if ctx.global.json {
            output::json(&preview)?;
        } else if preview.revoked.is_empty() {
            ctx.notice(format!(
                "{user} has no active tokens or sessions; nothing would be revoked."
            ));
        } else {
            ctx.notice(format!(
                "Would revoke {} of {user} (dry run, nothing changed):",
                summary(&preview.revoked)
            ));
            output::stdout(&output::tokens_table(&preview.revoked, false, now))?;
        }
        return Ok(0);
    }
    if preview.revoked.is_empty() {
        let nothing = RevokeResult {
            count: 0,
            revoked: vec![],
            already_revoked: false,
            dry_run: false,
        };
        if ctx.global.json {
            output::json(&nothing)?;
        } else {
            ctx.notice(format!(
                "{user} has no active tokens or sessions; nothing to revoke."
            ));
        }
        return Ok(0);
    }
    if ctx.can_prompt() && !ctx.global.yes {
        eprintln!("Will revoke {} of {user}:", summary(&preview.revoked));
        const SHOWN: usize = 20;
        let shown = &preview.revoked[..preview.revoked.len().min(SHOWN)];
        eprint!("{}", output::tokens_table(shown, false, now));
        if preview.revoked.len() > SHOWN {
            eprintln!("… and {} more", preview.revoked.len() - SHOWN);
        }
    }
    let question = format!(
        "Revoke {} of {user}? Everything using them stops working at once",
        summary(&preview.revoked)
    );
    if !prompt::confirm_destructive(ctx, &question)? {
        ctx.notice("Nothing revoked.");
        return Ok(crate::api::error::exit::OTHER);
    }
    let bar = progress(ctx, preview.revoked.len() as u64);
    let result = client
        .bulk_revoke(&BulkRevokeRequest {
            owner: user.to_string(),
            dry_run: false,
            reason: a.reason.clone(),
        })
        .await;
    if let Some(bar) = &bar {
        match &result {
            Ok(r) => {
                bar.set_length(r.count as u64);
                bar.set_position(r.count as u64);
                bar.finish_and_clear();
            }
            Err(_) => bar.abandon(),
        }
    }
    let result = result?;
    if ctx.global.json {
        output::json(&result)?;
    } else {
        ctx.notice(format!("Revoked {} of {user}.", summary(&result.revoked)));
    }
    Ok(0)
}

/// A progress bar on stderr, only on a terminal (and not with `--quiet` or `--json`).
fn progress(ctx: &Ctx, len: u64) -> Option<indicatif::ProgressBar> {
    if !ctx.stderr_tty || ctx.global.quiet || ctx.global.json {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} revoking {pos}/{len} [{bar:30}] {elapsed}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(bar)
}
