//! `tokctl audit` (events or the access log) and `tokctl usage TOKEN`: printing what the
//! server's `/v1/audit` and `/v1/tokens/{id}/usage` answer.

use super::args::{AuditArgs, UsageArgs};
use super::{CliError, Ctx, output};
use crate::api::duration::rfc3339;
use crate::client::Client;

/// Token ids pass through; a name is looked up (the caller's token of that name).
async fn token_id(client: &Client, token: &str) -> Result<String, CliError> {
    if token.starts_with("tk_") {
        return Ok(token.to_string());
    }
    Ok(client.get_token(token).await?.id)
}

pub async fn audit(ctx: &Ctx, a: AuditArgs) -> Result<u8, CliError> {
    let client = ctx.client()?;
    let kind = if a.access { "access" } else { "events" };
    let mut query: Vec<(&str, String)> = vec![("kind", kind.to_string())];
    if let Some(t) = &a.token {
        query.push(("token", token_id(client, t).await?));
    }
    if let Some(u) = &a.user {
        query.push(("user", u.clone()));
    }
    if let Some(action) = &a.action {
        query.push(("action", action.clone()));
    }
    if let Some(since) = a.since {
        query.push(("since", rfc3339(since)));
    }
    let rows = client.audit(&query, a.limit).await?;
    if ctx.global.json {
        output::json(&rows)?;
    } else if rows.is_empty() {
        ctx.notice(if a.access {
            "No access-log rows."
        } else {
            "No audit events."
        });
    } else if a.access {
        output::stdout(&output::json_table(
            &rows,
            &[
                "at",
                "credential_id",
                "method",
                "path",
                "status",
                "ip",
                "latency_ms",
            ],
        ))?;
    } else {
        output::stdout(&output::json_table(
            &rows,
            &[
                "at",
                "action",
                "actor",
                "target",
                "credential_id",
                "ip",
                "detail",
            ],
        ))?;
    }
    Ok(0)
}

pub async fn usage(ctx: &Ctx, a: UsageArgs) -> Result<u8, CliError> {
    let client = ctx.client()?;
    let id = token_id(client, &a.token).await?;
    let stats = client.usage(&id, a.since).await?;
    if ctx.global.json {
        output::json(&stats)?;
    } else {
        let mut text = String::new();
        output::json_details(&stats, 0, &mut text);
        output::stdout(&text)?;
    }
    Ok(0)
}
