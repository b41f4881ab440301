//! `tokctl audit` (events or the access log) and `tokctl usage TOKEN`: printing what the
//! server's `/v1/audit` and `/v1/tokens/{id}/usage` answer.

use super::args::{AuditArgs, UsageArgs};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::table::{self, Fit, HumanTable};
use super::{CliError, Ctx, output, pager};
use crate::api::duration::rfc3339;
use crate::api::types::TokenUsage;
use crate::client::Client;

/// Token ids pass through; a name is looked up (the caller's token of that name).
async fn token_id(client: &Client, token: &str) -> Result<String, CliError> {
    if token.starts_with("tk_") {
        return Ok(token.to_string());
    }
    Ok(client.get_token(token).await?.id)
}

pub(crate) async fn audit(ctx: &Ctx, a: AuditArgs) -> Result<u8, CliError> {
    let client = ctx.client()?;
    let kind = if a.access { "access" } else { "events" };
    let mut query: Vec<(&str, String)> = vec![("kind", kind.to_string())];
    if let Some(t) = &a.token {
        query.push(("token", token_id(client, t).await?));
    }
    if a.descendants {
        query.push(("descendants", "true".to_string()));
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
        pager::page(&access_table(&rows))?;
    } else {
        pager::page(&events_table(&rows))?;
    }
    Ok(0)
}

/// A string field of an audit row, `-` when absent.
fn field(row: &Value, key: &str) -> String {
    match row.get(key) {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

/// The row's `at` to the second (the JSON keeps the exact time).
fn time(row: &Value) -> String {
    row.get("at")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| table::exact(t.with_timezone(&Utc)))
        .unwrap_or_else(|| field(row, "at"))
}

fn events_table(rows: &[Value]) -> String {
    let mut t = HumanTable::new(&[
        ("TIME (UTC)", Fit::Whole),
        ("ACTION", Fit::Whole),
        ("ACTOR", Fit::Shrink),
        ("TARGET", Fit::Shrink),
        ("DETAIL", Fit::Prefer),
    ]);
    for row in rows {
        let action = field(row, "action");
        let detail = summary(&action, row.get("detail").unwrap_or(&Value::Null), row);
        t.text_row(vec![
            time(row),
            action,
            field(row, "actor"),
            field(row, "target"),
            detail,
        ]);
    }
    t.render()
}

fn access_table(rows: &[Value]) -> String {
    let mut t = HumanTable::new(&[
        ("TIME (UTC)", Fit::Whole),
        ("CREDENTIAL", Fit::Shrink),
        ("METHOD", Fit::Whole),
        ("PATH", Fit::Shrink),
        ("STATUS", Fit::Whole),
        ("IP", Fit::Optional),
        ("MS", Fit::Whole),
    ]);
    for row in rows {
        let ms = row
            .get("latency_ms")
            .and_then(Value::as_f64)
            .map(|ms| format!("{ms:.1}"))
            .unwrap_or_else(|| "-".into());
        let mut path = field(row, "path");
        if let Some(p) = row.get("permission").and_then(Value::as_str) {
            path = format!("{path} ({p})");
        }
        let mut credential = field(row, "credential_id");
        if let Some(via) = row
            .get("via")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
        {
            credential = format!("{credential} ({})", super::output::via_short(&via));
        }
        t.text_row(vec![
            time(row),
            credential,
            field(row, "method"),
            path,
            field(row, "status"),
            field(row, "ip"),
            ms,
        ]);
    }
    t.render()
}

/// One line saying what an event's detail holds, per action: `token.mint` → `name=x type=pat
/// scopes=a,b`, `auth.failed` → its reason and path, `user.role` → `member → admin`, a policy
/// change → the keys that changed. Unknown actions get their fields as `key=value`.
fn summary(action: &str, detail: &Value, row: &Value) -> String {
    let get = |k: &str| detail.get(k).filter(|v| !v.is_null());
    match action {
        "token.mint" => {
            let mut parts = vec![];
            for k in ["name", "type"] {
                if let Some(v) = get(k) {
                    parts.push(format!("{k}={}", scalar(v)));
                }
            }
            if let Some(Value::Array(scopes)) = get("scopes") {
                let scopes = if scopes.is_empty() {
                    "*".to_string()
                } else {
                    scopes.iter().map(scalar).collect::<Vec<_>>().join(",")
                };
                parts.push(format!("scopes={scopes}"));
            }
            if let Some(owner) = get("owner").and_then(Value::as_str)
                && row.get("actor").and_then(Value::as_str) != Some(owner)
            {
                parts.push(format!("owner={owner}"));
            }
            parts.extend(rest(detail, &["name", "type", "scopes", "owner"]));
            parts.join(" ")
        }
        "auth.failed" => {
            let mut parts = vec![get("reason").map(scalar).unwrap_or_else(|| "?".into())];
            if let Some(p) = get("path") {
                parts.push(format!("on {}", scalar(p)));
            }
            if let Some(n) = get("suppressed") {
                parts.push(format!("(+{} not recorded)", scalar(n)));
            }
            parts.extend(rest(detail, &["reason", "path", "suppressed"]));
            parts.join(" ")
        }
        "user.role" | "org.policy" if get("old").is_some() && get("new").is_some() => changes(
            get("old").unwrap_or(&Value::Null),
            get("new").unwrap_or(&Value::Null),
        ),
        "token.revoke" if get("bulk").and_then(Value::as_bool) == Some(true) => {
            let mut parts = vec![format!(
                "every token of {}",
                get("owner").map(scalar).unwrap_or_else(|| "?".into())
            )];
            parts.extend(rest(detail, &["bulk", "owner"]));
            parts.join(" ")
        }
        _ => rest(detail, &[]).join(" "),
    }
}

/// `key=value` for each field not already shown; nulls left out.
fn rest(detail: &Value, shown: &[&str]) -> Vec<String> {
    let Some(map) = detail.as_object() else {
        return if detail.is_null() {
            vec![]
        } else {
            vec![scalar(detail)]
        };
    };
    map.iter()
        .filter(|(k, v)| !shown.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| format!("{k}={}", scalar(v)))
        .collect()
}

/// What changed from `old` to `new`: `member → admin`, or `key: a → b, …` for objects.
fn changes(old: &Value, new: &Value) -> String {
    match (old.as_object(), new.as_object()) {
        (Some(o), Some(n)) => {
            let changed: Vec<String> = n
                .iter()
                .filter(|(k, v)| o.get(*k) != Some(*v))
                .map(|(k, v)| {
                    format!(
                        "{k}: {} → {}",
                        o.get(k).map(scalar).unwrap_or_else(|| "-".into()),
                        scalar(v)
                    )
                })
                .collect();
            if changed.is_empty() {
                "no change".into()
            } else {
                changed.join(", ")
            }
        }
        _ => format!("{} → {}", scalar(old), scalar(new)),
    }
}

/// A value on one line: strings bare, times to the second, arrays comma-joined, objects as
/// compact `{k=v …}`.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| table::exact(t.with_timezone(&Utc)))
            .unwrap_or_else(|_| s.clone()),
        Value::Null => "-".into(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        Value::Object(_) => format!("{{{}}}", rest(v, &[]).join(" ")),
        other => other.to_string(),
    }
}

pub(crate) async fn usage(ctx: &Ctx, a: UsageArgs) -> Result<u8, CliError> {
    let client = ctx.client()?;
    let id = token_id(client, &a.token).await?;
    let stats = client.usage(&id, a.since).await?;
    if ctx.global.json {
        output::json(&stats)?;
    } else {
        let text = match serde_json::from_value::<TokenUsage>(stats.clone()) {
            Ok(usage) => usage_summary(&usage, Utc::now()),
            // A server answering another shape: still readable, field by field.
            Err(_) => {
                let mut text = String::new();
                output::json_details(&stats, 0, &mut text);
                text
            }
        };
        output::stdout(&text)?;
    }
    Ok(0)
}

/// `usage` for a person: the token, the period, requests and errors, latency, last use, then
/// the most used routes and permissions.
fn usage_summary(u: &TokenUsage, now: DateTime<Utc>) -> String {
    let tok = &u.token;
    let period = match u.since {
        Some(t) => format!("since {}", output::when(t, now)),
        None => "everything kept".into(),
    };
    let requests = if u.requests == 0 {
        "none".to_string()
    } else {
        format!(
            "{} ({} with errors, {:.1}%)",
            u.requests,
            u.errors,
            u.error_rate * 100.0
        )
    };
    let ms = |v: Option<f64>| {
        v.map(|v| format!("{v:.1} ms"))
            .unwrap_or_else(|| "-".into())
    };
    let mut rows: Vec<(&str, String)> = vec![
        (
            "token",
            format!(
                "{} ({}), {}, {}",
                tok.name,
                tok.id,
                tok.kind,
                tok.status.as_str()
            ),
        ),
        ("period", period),
        ("requests", requests),
        (
            "last used",
            u.last_used_at
                .map(|t| output::when(t, now))
                .unwrap_or_else(|| "never".into()),
        ),
    ];
    if u.requests > 0 {
        rows.push((
            "latency",
            format!("p50 {}, p95 {}", ms(u.latency_ms.p50), ms(u.latency_ms.p95)),
        ));
    }
    let mut text = output::details(&rows);
    if !u.routes.is_empty() {
        text.push_str("\nMost used routes:\n");
        let width = u
            .routes
            .iter()
            .map(|r| r.count.to_string().len())
            .max()
            .unwrap_or(1);
        for r in &u.routes {
            text.push_str(&format!("  {:>width$}  {} {}\n", r.count, r.method, r.path));
        }
    }
    if !u.permissions.is_empty() {
        text.push_str("\nPermissions checked:\n");
        let width = u
            .permissions
            .iter()
            .map(|p| p.count.to_string().len())
            .max()
            .unwrap_or(1);
        for p in &u.permissions {
            text.push_str(&format!("  {:>width$}  {}\n", p.count, p.permission));
        }
    }
    text
}
