//! `tokctl trust add | list | show | remove`: the org's CI trust policies (`tokens:admin`).

use super::args::{RateLimitArg, TrustAddArgs, TrustCommand};
use super::table::{Fit, HumanTable};
use super::{CliError, Ctx, output};
use crate::api::duration::format_duration;
use crate::api::perms;
use crate::api::trust::{AddTrustRequest, TrustPolicy};
use crate::api::types::RateLimitRequest;

pub(super) async fn run(ctx: &Ctx, c: TrustCommand) -> Result<u8, CliError> {
    match c {
        TrustCommand::Add(a) => add(ctx, *a).await,
        TrustCommand::List => {
            let all = ctx.client()?.trust_list().await?;
            if ctx.global.json {
                output::json(&all)?;
            } else if all.is_empty() {
                ctx.notice("No trust policies (`tokctl trust add` makes one; see docs/ci.md).");
            } else {
                output::stdout(&table(&all))?;
            }
            Ok(0)
        }
        TrustCommand::Show(a) => {
            let p = ctx.client()?.trust_show(&a.name).await?;
            print_one(ctx, &p)
        }
        TrustCommand::Remove(a) => {
            let p = ctx.client()?.trust_remove(&a.name, a.dry_run).await?;
            if a.dry_run {
                ctx.notice(format!(
                    "Dry run: trust policy `{}` would be removed; nothing changed.",
                    p.name
                ));
            } else {
                ctx.notice(format!(
                    "Removed trust policy `{}`; tokens it made live out their lifetime ({}).",
                    p.name, p.expires
                ));
            }
            if ctx.global.json {
                output::json(&p)?;
            }
            Ok(0)
        }
    }
}

fn rate_limit(args: &[RateLimitArg]) -> Result<Option<RateLimitRequest>, CliError> {
    if args.is_empty() {
        return Ok(None);
    }
    let mut r = RateLimitRequest::default();
    for a in args {
        let (slot, unit) = match a {
            RateLimitArg::PerMinute(n) => (&mut r.per_minute, Some(*n)),
            RateLimitArg::PerHour(n) => (&mut r.per_hour, Some(*n)),
        };
        if slot.is_some() {
            return Err(CliError::usage(
                "--rate-limit: give at most one N/min and one N/hour",
                None,
            ));
        }
        *slot = unit;
    }
    Ok(Some(r))
}

async fn add(ctx: &Ctx, a: TrustAddArgs) -> Result<u8, CliError> {
    let scopes =
        perms::validate_scopes(&a.scopes).map_err(|e| CliError::usage(e.to_string(), None))?;
    let jwks = match &a.jwks_file {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(CliError::io(format!(
                "reading --jwks-file {}",
                path.display()
            )))?;
            Some(serde_json::from_str(&text).map_err(|e| {
                CliError::usage(
                    format!("--jwks-file {} is not JSON: {e}", path.display()),
                    Some("give the issuer's JWK Set: {\"keys\": [...]}".into()),
                )
            })?)
        }
    };
    let mut claims = std::collections::BTreeMap::new();
    for (k, v) in &a.claims {
        if claims.insert(k.clone(), v.clone()).is_some() {
            return Err(CliError::usage(format!("--claim {k} is given twice"), None));
        }
    }
    let req = AddTrustRequest {
        name: a.name.clone(),
        issuer: a.issuer.clone(),
        audience: a.audience.clone(),
        subject: a.subject.clone(),
        claims,
        owner: a.owner.clone(),
        scopes,
        expires: a.expires.map(format_duration),
        rate_limit: rate_limit(&a.rate_limits)?,
        allowed_cidrs: a.allow_cidrs.iter().map(|c| c.to_string()).collect(),
        jwks,
        dry_run: a.dry_run,
    };
    let p = ctx.client()?.trust_add(&req).await?;
    if a.dry_run {
        ctx.notice("Dry run: the policy as it would be added; nothing changed.");
    } else {
        ctx.notice(format!(
            "Added trust policy `{}`: CI jobs matching it get a {} token of {}.",
            p.name, p.expires, p.owner
        ));
    }
    print_one(ctx, &p)
}

fn print_one(ctx: &Ctx, p: &TrustPolicy) -> Result<u8, CliError> {
    if ctx.global.json {
        output::json(p)?;
    } else {
        output::stdout(&details(p))?;
    }
    Ok(0)
}

fn table(all: &[TrustPolicy]) -> String {
    let mut t = HumanTable::new(&[
        ("NAME", Fit::Whole),
        ("ISSUER", Fit::Shrink),
        ("SUBJECT", Fit::Shrink),
        ("OWNER", Fit::Whole),
        ("SCOPES", Fit::Shrink),
        ("EXPIRES", Fit::Whole),
    ]);
    for p in all {
        t.text_row(vec![
            p.name.clone(),
            p.issuer.clone(),
            p.subject.clone(),
            p.owner.clone(),
            output::scopes_label(&p.scopes),
            p.expires.clone(),
        ]);
    }
    t.render()
}

/// Everything a reviewer needs to judge who can obtain what.
fn details(p: &TrustPolicy) -> String {
    let mut rows: Vec<(&str, String)> = vec![
        ("name", p.name.clone()),
        ("issuer", p.issuer.clone()),
        ("audience", p.audience.clone()),
        ("subject", p.subject.clone()),
    ];
    for (k, v) in &p.claims {
        rows.push(("claim", format!("{k} = {v}")));
    }
    rows.extend([
        ("owner", p.owner.clone()),
        ("scopes", output::scopes_label(&p.scopes)),
        ("token lifetime", p.expires.clone()),
        (
            "rate limit",
            format!(
                "{}/min, {}/hour",
                p.rate_limit.per_minute, p.rate_limit.per_hour
            ),
        ),
        (
            "networks",
            if p.allowed_cidrs.is_empty() {
                "any".into()
            } else {
                p.allowed_cidrs.join(", ")
            },
        ),
        (
            "keys",
            if p.jwks_pinned {
                "pinned (--jwks-file)".into()
            } else {
                "discovered from the issuer".into()
            },
        ),
        (
            "added",
            format!(
                "{} by {}",
                super::table::exact(p.created_at),
                p.created_by.as_deref().unwrap_or("-")
            ),
        ),
    ]);
    output::details(&rows)
}
