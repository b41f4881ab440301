//! Everything the command line prints goes through here: JSON documents, tables, TSV, the
//! one-time secret, notices. Commands hand over data; this module decides its shape.
//!
//! The rules (DESIGN.md "Output"): machine output and requested data on stdout, notices,
//! warnings and errors on stderr; with `--json` exactly one JSON document on stdout.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use comfy_table::Cell;
use serde::Serialize;

use super::CliError;
use super::table::{self, Fit, HumanTable};
use crate::api::secret::Secret;
use crate::api::types::{TokenInfo, TokenStatus, UserInfo};

/// The `--jq` expression of this run, set once by [`set_jq`] (already checked) before any
/// command prints. A process-wide setting so that every `--json` document, whichever command
/// prints it, goes through the same filter.
static JQ: OnceLock<String> = OnceLock::new();

/// Checks `--jq EXPR` (a usage error naming the flag) and makes [`json`] apply it.
pub(crate) fn set_jq(expr: &str) -> Result<(), CliError> {
    super::jq::validate(expr)?;
    let _ = JQ.set(expr.to_string());
    Ok(())
}

/// Prints one JSON document on stdout, or what `--jq` makes of it: each value on its own
/// line, strings raw (pretty-printed on a terminal, compact in a pipe, as gh does).
/// Every command's `--json` output goes through here; `tokctl api` too.
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| CliError::Io {
        context: "writing JSON".into(),
        source: std::io::Error::other(e),
    })?;
    text.push('\n');
    if let Some(expr) = JQ.get() {
        text = super::jq::apply(expr, &text, std::io::stdout().is_terminal())?;
    }
    write_stdout(text.as_bytes())
}

/// Writes and flushes, so a closed pipe shows up here as `BrokenPipe` (which `main` turns
/// into a quiet exit 0) rather than being lost in a buffer.
fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(CliError::io("writing to stdout"))
}

/// Prints text on stdout (a line ending added when missing).
pub(crate) fn stdout(text: &str) -> Result<(), CliError> {
    if text.ends_with('\n') {
        write_stdout(text.as_bytes())
    } else {
        write_stdout(format!("{text}\n").as_bytes())
    }
}

/// The secret, alone on one line of stdout: for `$(tokctl mint …)` and pipes.
pub(crate) fn secret_line(secret: &Secret) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", secret.expose())
        .and_then(|_| out.flush())
        .map_err(CliError::io("writing to stdout"))
}

/// How long ago or how far ahead `t` is: `in 29 days`, `3 hours ago`, `just now`.
pub(crate) fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let delta = t - now;
    let future = delta > chrono::Duration::zero();
    let secs = delta.num_seconds().unsigned_abs();
    // Rounded to the nearest unit: a token minted for 2 days shows "in 2 days", not "in 1 day".
    let round = |unit: u64| (secs + unit / 2) / unit;
    let (n, unit) = if secs < 60 {
        return if future {
            "in a moment".into()
        } else {
            "just now".into()
        };
    } else if secs < 3600 - 30 {
        (round(60), "minute")
    } else if secs < 86400 - 1800 {
        (round(3600), "hour")
    } else if secs < 86400 * 60 {
        (round(86400), "day")
    } else if secs < 86400 * 730 {
        (round(86400 * 30), "month")
    } else {
        (round(86400 * 365), "year")
    };
    let plural = if n == 1 { "" } else { "s" };
    if future {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// A time to the second and its distance from now: `2025-07-01 12:00:00 UTC (in 29 days)`.
pub(crate) fn when(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} UTC ({})", table::exact(t), relative(t, now))
}

/// Service accounts have names, people have emails: the owner column says which.
pub(crate) fn owner_label(owner: &str) -> String {
    if owner.contains('@') {
        owner.to_string()
    } else {
        format!("{owner} (service)")
    }
}

pub(crate) fn scopes_label(scopes: &[String]) -> String {
    if scopes.is_empty() {
        "* (full role)".into()
    } else {
        scopes.join(", ")
    }
}

/// The token table of `list`: ID, NAME, TYPE, OWNER (when asked), SCOPES, EXPIRES, LAST USED,
/// STATUS, and VIA (the CI run) when a token came from a trust policy. Fitted to a terminal
/// with the ids whole; times relative (`in 6 days`, `3h ago`).
pub(crate) fn tokens_table(tokens: &[TokenInfo], with_owner: bool, now: DateTime<Utc>) -> String {
    let with_via = tokens.iter().any(|t| t.via.is_some());
    let mut columns = vec![
        ("ID", Fit::Whole),
        ("NAME", Fit::Shrink),
        ("TYPE", Fit::Whole),
    ];
    if with_owner {
        columns.push(("OWNER", Fit::Shrink));
    }
    columns.extend([
        ("SCOPES", Fit::Shrink),
        ("EXPIRES", Fit::Whole),
        ("LAST USED", Fit::Optional),
        ("STATUS", Fit::Whole),
    ]);
    if with_via {
        columns.push(("VIA", Fit::Optional));
    }
    let mut t = HumanTable::new(&columns);
    for tok in tokens {
        let mut row = vec![
            Cell::new(&tok.id),
            Cell::new(&tok.name),
            Cell::new(tok.kind),
        ];
        if with_owner {
            row.push(Cell::new(owner_label(&tok.owner)));
        }
        row.push(Cell::new(scopes_label(&tok.scopes)));
        row.push(Cell::new(match tok.expires_at {
            Some(t) => table::relative_short(t, now),
            None => "never".into(),
        }));
        row.push(Cell::new(match tok.last_used_at {
            Some(t) => table::relative_short(t, now),
            None => "never".into(),
        }));
        row.push(table::status_cell(tok, now));
        if with_via {
            row.push(Cell::new(
                tok.via.as_ref().map_or_else(|| "-".into(), via_short),
            ));
        }
        t.row(row);
    }
    t.render()
}

/// Tab-separated, no header, one token a line, in a column order that never changes: id, name,
/// type, owner, scopes (comma-separated, empty = full role), expires_at (RFC 3339 or `never`),
/// last_used_at (RFC 3339 or `-`), status, created_at.
pub(crate) fn tokens_tsv(tokens: &[TokenInfo]) -> String {
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let t = crate::api::duration::rfc3339;
    let mut out = String::new();
    for tok in tokens {
        let fields = [
            clean(&tok.id),
            clean(&tok.name),
            tok.kind.to_string(),
            clean(&tok.owner),
            tok.scopes.join(","),
            tok.expires_at.map(t).unwrap_or_else(|| "never".into()),
            tok.last_used_at.map(t).unwrap_or_else(|| "-".into()),
            tok.status.as_str().to_string(),
            t(tok.created_at),
        ];
        out.push_str(&fields.join("\t"));
        out.push('\n');
    }
    out
}

/// Label/value lines, labels aligned.
pub(crate) fn details(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (label, value) in rows {
        out.push_str(&format!("{label:<width$}  {value}\n"));
    }
    out
}

/// A token's status for people: `revoked (leaked)` for a token revoked because its secret
/// was reported leaked, else the status as the API writes it.
pub(crate) fn status_label(tok: &TokenInfo) -> &'static str {
    match (tok.status, tok.revoked_reason.as_deref()) {
        (TokenStatus::Revoked, Some(crate::api::leaks::LEAKED)) => "revoked (leaked)",
        (status, _) => status.as_str(),
    }
}

/// `show`'s view of one token, with `extra` rows at the end (its delegation chain).
pub(crate) fn token_details(
    tok: &TokenInfo,
    now: DateTime<Utc>,
    extra: Vec<(&str, String)>,
) -> String {
    let mut rows: Vec<(&str, String)> = vec![
        ("id", tok.id.clone()),
        ("name", tok.name.clone()),
        ("type", tok.kind.to_string()),
        ("owner", owner_label(&tok.owner)),
        ("status", status_label(tok).to_string()),
        ("scopes", scopes_label(&tok.scopes)),
        ("created", when(tok.created_at, now)),
        (
            "expires",
            tok.expires_at
                .map(|t| when(t, now))
                .unwrap_or_else(|| "never".into()),
        ),
        (
            "last used",
            tok.last_used_at
                .map(|t| when(t, now))
                .unwrap_or_else(|| "never".into()),
        ),
    ];
    if let Some(t) = tok.revoked_at {
        rows.push(("revoked", when(t, now)));
        match tok.revoked_reason.as_deref() {
            Some(crate::api::leaks::LEAKED) | None => {}
            Some(reason) => rows.push(("reason", reason.replace(char::is_control, " "))),
        }
    }
    if let Some(t) = tok.previous_secret_expires_at {
        let verb = if t > now {
            "stops working"
        } else {
            "stopped working"
        };
        rows.push(("old secret", format!("{verb} {}", when(t, now))));
    }
    rows.push((
        "rate limit",
        format!(
            "{}/min, {}/hour",
            tok.rate_limit.per_minute, tok.rate_limit.per_hour
        ),
    ));
    if !tok.allowed_cidrs.is_empty() {
        rows.push(("networks", tok.allowed_cidrs.join(", ")));
    }
    if let Some(d) = &tok.description {
        rows.push(("description", d.clone()));
    }
    if let Some(p) = &tok.parent {
        rows.push(("parent", p.clone()));
    }
    rows.extend(extra);
    if let Some(v) = &tok.via {
        rows.extend(via_rows(v));
    }
    details(&rows)
}

pub(crate) fn users_table(users: &[UserInfo]) -> String {
    let mut t = HumanTable::new(&[
        ("NAME", Fit::Shrink),
        ("EMAIL", Fit::Shrink),
        ("ROLE", Fit::Whole),
        ("KIND", Fit::Whole),
    ]);
    for u in users {
        t.text_row(vec![
            u.name.clone(),
            u.email.clone().unwrap_or_else(|| "-".into()),
            u.role.to_string(),
            if u.service { "service" } else { "person" }.to_string(),
        ]);
    }
    t.render()
}

/// A JSON value as indented `key: value` lines, for `usage` without `--json`.
pub(crate) fn json_details(v: &serde_json::Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match v {
                    serde_json::Value::Object(_) => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        json_details(v, indent + 1, out);
                    }
                    serde_json::Value::Array(items)
                        if items.iter().any(|i| i.is_object() || i.is_array()) =>
                    {
                        out.push_str(&format!("{pad}{k}:\n"));
                        json_details(v, indent + 1, out);
                    }
                    _ => out.push_str(&format!("{pad}{k}: {}\n", scalar(v))),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                match item {
                    serde_json::Value::Object(map) => {
                        let line: Vec<String> = map
                            .iter()
                            .map(|(k, v)| format!("{k}={}", scalar(v)))
                            .collect();
                        out.push_str(&format!("{pad}- {}\n", line.join("  ")));
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", scalar(item))),
                }
            }
        }
        _ => out.push_str(&format!("{pad}{}\n", scalar(v))),
    }
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        serde_json::Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// How a token made from a CI job's ID token came to be: the policy, the identity, the run.
/// A trust token's CI run in a few words, for table cells: `ci-deploy: acme/api
/// refs/heads/main run 123` (the subject when the ID token named no repository).
pub(crate) fn via_short(v: &crate::api::trust::Via) -> String {
    let claim = |keys: &[&str]| keys.iter().find_map(|k| v.claims.get(*k)).cloned();
    let mut parts = vec![format!("{}:", v.trust)];
    match claim(&["repository", "project_path"]) {
        Some(repo) => {
            parts.push(repo);
            parts.extend(claim(&["ref"]));
        }
        None => parts.push(v.subject.clone()),
    }
    if let Some(run) = claim(&["run_id", "pipeline_id"]) {
        parts.push(format!("run {run}"));
    }
    parts.join(" ")
}

pub(crate) fn via_rows(v: &crate::api::trust::Via) -> Vec<(&'static str, String)> {
    let mut rows = vec![(
        "via",
        format!("trust `{}`: {} (issuer {})", v.trust, v.subject, v.issuer),
    )];
    if !v.claims.is_empty() {
        let claims: Vec<String> = v
            .claims
            .iter()
            .map(|(k, val)| format!("{k}={val}"))
            .collect();
        rows.push(("ci run", claims.join(", ")));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: &str, via: serde_json::Value) -> TokenInfo {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": "deploy", "type": "pat", "owner": "ci-bot", "scopes": ["work:read"],
            "created_at": "2026-12-01T00:00:00Z", "expires_at": null, "last_used_at": null,
            "revoked_at": null, "status": "active",
            "rate_limit": {"per_minute": 60, "per_hour": 1000}, "allowed_cidrs": [],
            "description": null, "via": via,
        }))
        .unwrap()
    }

    #[test]
    fn the_list_table_names_the_ci_run_only_when_a_token_has_one() {
        let now = Utc::now();
        let plain = token("tk_plain", serde_json::Value::Null);
        let table = tokens_table(std::slice::from_ref(&plain), false, now);
        assert!(!table.contains("VIA"), "{table}");
        let ci = token(
            "tk_ci",
            serde_json::json!({"trust": "deploy", "issuer": "https://ci.example",
                "subject": "repo:acme/api:ref:refs/heads/main",
                "claims": {"repository": "acme/api", "ref": "refs/heads/main", "run_id": "42"}}),
        );
        let table = tokens_table(&[plain, ci], false, now);
        assert!(table.contains("VIA"), "{table}");
        assert!(
            table.contains("deploy: acme/api refs/heads/main run 42"),
            "{table}"
        );
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = Utc::now();
        assert_eq!(relative(now - chrono::Duration::days(3), now), "3 days ago");
        assert_eq!(
            relative(
                now + chrono::Duration::days(29) + chrono::Duration::minutes(5),
                now
            ),
            "in 29 days"
        );
        assert_eq!(
            relative(now - chrono::Duration::hours(1), now),
            "1 hour ago"
        );
        assert_eq!(relative(now, now), "just now");
        assert_eq!(
            relative(now - chrono::Duration::seconds(5), now),
            "just now"
        );
        assert_eq!(
            relative(now + chrono::Duration::days(365), now),
            "in 12 months"
        );
    }

    #[test]
    fn owners_tell_people_from_service_accounts() {
        assert_eq!(owner_label("alice@example.com"), "alice@example.com");
        assert_eq!(owner_label("ci-bot"), "ci-bot (service)");
    }
}
