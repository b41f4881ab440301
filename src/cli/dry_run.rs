//! `--dry-run` (DESIGN.md "Command line"): what the server answered a request carrying
//! `dry_run`, printed as what would happen. The server ran every check a real call runs
//! (permissions, no-escalation, policy bounds, name conflicts, the last-owner rule), so a
//! refusal has already ended the command with the real call's exit code; here the answer is
//! printed and the command exits 0. Nothing was changed and no secret exists.

use chrono::Utc;

use super::{CliError, Ctx, output};
use crate::api::types::{PolicyPreview, RevokeResult, TokenInfo, TokenPreview, UserInfo};

const NOTHING_CHANGED: &str = "dry run, nothing changed";

fn token_label(t: &TokenInfo) -> String {
    format!("{} `{}`", t.kind, t.name)
}

fn expiry(t: &TokenInfo) -> String {
    match t.expires_at {
        Some(at) => format!("expires {}", output::when(at, Utc::now())),
        None => "never expires".into(),
    }
}

/// `tokctl mint --dry-run`: the token as it would be minted.
pub(crate) fn minted(ctx: &Ctx, p: &TokenPreview, exec: Option<&str>) -> Result<u8, CliError> {
    if ctx.global.json {
        output::json(p)?;
        return Ok(0);
    }
    let t = &p.token;
    ctx.notice(format!(
        "Would mint {} for {}: {}, scopes {} ({NOTHING_CHANGED}; no secret was made):",
        token_label(t),
        output::owner_label(&t.owner),
        expiry(t),
        output::scopes_label(&t.scopes),
    ));
    if let Some(cmd) = exec {
        ctx.notice(format!(
            "Would run `{cmd}` with the new secret on its stdin."
        ));
    }
    output::stdout(&output::tokens_table(
        std::slice::from_ref(t),
        true,
        Utc::now(),
    ))?;
    Ok(0)
}

/// `tokctl rotate --dry-run`: the token as it would be after the rotation.
pub(crate) fn rotated(ctx: &Ctx, p: &TokenPreview, exec: Option<&str>) -> Result<u8, CliError> {
    if ctx.global.json {
        output::json(p)?;
        return Ok(0);
    }
    let t = &p.token;
    let old = match t.previous_secret_expires_at {
        Some(at) => format!(
            "the old secret would keep working until {}",
            output::when(at, Utc::now())
        ),
        None => "the old secret would stop working at once".into(),
    };
    ctx.notice(format!(
        "Would rotate {} ({}): a new secret that {}; {old} ({NOTHING_CHANGED}).",
        token_label(t),
        t.id,
        expiry(t),
    ));
    if let Some(cmd) = exec {
        ctx.notice(format!(
            "Would run `{cmd}` with the new secret on its stdin."
        ));
    }
    output::stdout(&output::tokens_table(
        std::slice::from_ref(t),
        true,
        Utc::now(),
    ))?;
    Ok(0)
}

/// One token of `tokctl revoke TOKEN… --dry-run`, as the server found it.
pub(super) fn revoke_line(ctx: &Ctx, r: &RevokeResult) {
    for (i, t) in r.revoked.iter().enumerate() {
        if i > 0 {
            ctx.notice(format!(
                "  and {} ({}), delegated from it (depth {}).",
                token_label(t),
                t.id,
                t.depth
            ));
        } else if r.already_revoked {
            ctx.notice(format!(
                "{} ({}) is already revoked; nothing would change.",
                token_label(t),
                t.id
            ));
        } else {
            ctx.notice(format!(
                "Would revoke {} ({}) of {} ({NOTHING_CHANGED}).",
                token_label(t),
                t.id,
                output::owner_label(&t.owner)
            ));
        }
    }
}

/// `tokctl users add|set-role --dry-run`: the member as they would be.
pub(crate) fn member(ctx: &Ctx, added: bool, u: &UserInfo) -> Result<u8, CliError> {
    if ctx.global.json {
        output::json(u)?;
        return Ok(0);
    }
    let who = match &u.email {
        Some(e) => e.clone(),
        None => format!("service account {}", u.name),
    };
    ctx.notice(if added {
        format!("Would add {who} as {} ({NOTHING_CHANGED}).", u.role)
    } else {
        format!(
            "Would make {who} {}; their tokens would follow the new role ({NOTHING_CHANGED}).",
            u.role
        )
    });
    Ok(0)
}

/// `tokctl users remove --dry-run`: the member's tokens and sessions that would be revoked.
pub(crate) fn removed(ctx: &Ctx, member: &str, r: &RevokeResult) -> Result<u8, CliError> {
    if ctx.global.json {
        output::json(r)?;
        return Ok(0);
    }
    ctx.notice(format!(
        "Would remove {member} and revoke {} token(s) and session(s) ({NOTHING_CHANGED}){}",
        r.count,
        if r.revoked.is_empty() { "." } else { ":" }
    ));
    if !r.revoked.is_empty() {
        output::stdout(&output::tokens_table(&r.revoked, false, Utc::now()))?;
    }
    Ok(0)
}

/// `tokctl org policy --set … --dry-run`: each field that would change, old → new.
pub(crate) fn policy(ctx: &Ctx, p: &PolicyPreview) -> Result<u8, CliError> {
    if ctx.global.json {
        output::json(p)?;
        return Ok(0);
    }
    let (old, new) = (policy_fields(&p.old), policy_fields(&p.new));
    let changes: Vec<(&str, String)> = old
        .iter()
        .zip(&new)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((k, a), (_, b))| (*k, format!("{a} → {b}")))
        .collect();
    if changes.is_empty() {
        ctx.notice(format!(
            "The policy already says that; nothing would change ({NOTHING_CHANGED})."
        ));
        return Ok(0);
    }
    ctx.notice(format!("Would change the org policy ({NOTHING_CHANGED}):"));
    output::stdout(&output::details(&changes))?;
    Ok(0)
}

/// The policy's fields as text, in the order `tokctl org policy` shows them.
pub(super) fn policy_fields(p: &crate::api::types::OrgPolicy) -> Vec<(&'static str, String)> {
    let limits =
        |l: &crate::api::types::RateLimit| format!("{}/min, {}/hour", l.per_minute, l.per_hour);
    vec![
        ("default_expiry", p.default_expiry.clone()),
        ("max_expiry", p.max_expiry.clone()),
        ("allow_never", p.allow_never.to_string()),
        ("default_rate_limit", limits(&p.default_rate_limit)),
        (
            "max_rate_limit",
            p.max_rate_limit
                .as_ref()
                .map(limits)
                .unwrap_or_else(|| "none".into()),
        ),
        ("session_rate_limit", limits(&p.session_rate_limit)),
        ("session_ttl", p.session_ttl.clone()),
        ("max_delegation_depth", p.max_delegation_depth.to_string()),
        ("max_trust_lifetime", p.max_trust_lifetime.clone()),
    ]
}
