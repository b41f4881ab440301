//! `tokctl list` and `tokctl show`: reading tokens.

use chrono::Utc;

use super::args::{ListArgs, ListType, OutputFormat, ShowArgs, StatusFilter};
use super::{CliError, Ctx, output, resolve_token};
use crate::api::duration::format_duration;
use crate::api::types::{ListTokensQuery, TokenInfo};

pub(crate) fn list_query(a: &ListArgs) -> ListTokensQuery {
    ListTokensQuery {
        cursor: None,
        limit: None,
        owner: if a.everyone {
            Some("*".into())
        } else {
            a.user.clone()
        },
        status: if a.all {
            Some("all".into())
        } else {
            a.status.map(|s| {
                match s {
                    StatusFilter::Active => "active",
                    StatusFilter::Expired => "expired",
                    StatusFilter::Revoked => "revoked",
                    StatusFilter::All => "all",
                }
                .to_string()
            })
        },
        kind: a.kind.map(|k| {
            match k {
                ListType::Pat => "pat",
                ListType::Mcp => "mcp",
                ListType::Ses => "ses",
            }
            .to_string()
        }),
        expiring_within: a.expiring_within.map(format_duration),
        unused_for: a.unused_for.map(format_duration),
    }
}

pub(crate) async fn list(ctx: &Ctx, a: ListArgs) -> Result<u8, CliError> {
    let format = output_format(ctx.global.json, a.output)?;
    let client = ctx.client()?;
    let tokens = client.list_tokens(&list_query(&a)).await?;
    match format {
        OutputFormat::Json => output::json(&tokens)?,
        OutputFormat::Tsv => {
            let text = output::tokens_tsv(&tokens);
            if !text.is_empty() {
                output::stdout(&text)?;
            }
        }
        OutputFormat::Table if tokens.is_empty() => {
            let hint = if a.all || a.status.is_some() {
                ""
            } else {
                " (`--all` includes revoked and expired ones)"
            };
            ctx.notice(format!("No tokens{hint}."));
        }
        OutputFormat::Table if a.tree => {
            output::stdout(&super::tree::draw(&tokens, Utc::now()))?;
        }
        OutputFormat::Table => {
            let with_owner = a.everyone || a.user.is_some();
            let text = output::tokens_table(&tokens, with_owner, Utc::now());
            // `--all` is the long one: through the pager on a terminal.
            if a.all {
                super::pager::page(&text)?;
            } else {
                output::stdout(&text)?;
            }
        }
    }
    Ok(0)
}

/// `--json` (or `--jq`) and `--output` choose the same thing: both may be given only when they
/// agree (`--json --output json`), else it is a usage error rather than one silently winning.
fn output_format(json: bool, output: Option<OutputFormat>) -> Result<OutputFormat, CliError> {
    match (json, output) {
        (false, o) => Ok(o.unwrap_or(OutputFormat::Table)),
        (true, None | Some(OutputFormat::Json)) => Ok(OutputFormat::Json),
        (true, Some(other)) => {
            let name = match other {
                OutputFormat::Table => "table",
                OutputFormat::Tsv => "tsv",
                OutputFormat::Json => "json",
            };
            Err(CliError::usage(
                format!("--output {name} conflicts with --json/--jq: choose one output format"),
                Some(format!(
                    "drop --json and --jq for {name}, or drop --output for JSON"
                )),
            ))
        }
    }
}

pub(crate) async fn show(ctx: &Ctx, a: ShowArgs) -> Result<u8, CliError> {
    let client = ctx.client()?;
    let id = resolve_token(client, &a.token, a.owner.as_deref()).await?;
    let tok = client.get_token(&id).await?;
    if ctx.global.json {
        output::json(&tok)?;
    } else {
        let mut extra = Vec::new();
        if tok.parent.is_some() {
            let chain = delegation_chain(client, &tok).await;
            extra.push(("delegation", super::tree::chain_line(&chain, tok.depth)));
        }
        output::stdout(&output::token_details(&tok, Utc::now(), extra))?;
    }
    Ok(0)
}

/// The ids from the root down to `tok`, read parent by parent (one request a level; a parent
/// this caller may not read ends the walk, shown as `…`).
async fn delegation_chain(client: &crate::client::Client, tok: &TokenInfo) -> Vec<String> {
    let mut chain = vec![tok.id.clone()];
    let mut next = tok.parent.clone();
    while let Some(id) = next.take() {
        if chain.len() > 64 {
            break;
        }
        match client.get_token(&id).await {
            Ok(parent) => {
                chain.push(parent.id);
                next = parent.parent;
            }
            Err(_) => {
                chain.push(format!("{id} …"));
                break;
            }
        }
    }
    chain.reverse();
    chain
}
