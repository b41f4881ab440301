//! `tokctl mint NAME …`: a new token; on a terminal with no flags at all, asks for name, type,
//! scopes and expiry, and with no `--scope`, for the scopes (src/cli/mint_prompts.rs).

use super::args::{MintArgs, MintType, RateLimitArg};
use super::exec::{Made, deliver};
use super::{CliError, Ctx, mint_prompts, prompt};
use crate::api::duration::{Expiry, format_duration, rfc3339};
use crate::api::perms::{self, Role};
use crate::api::secret::TokenType;
use crate::api::types::{MintRequest, RateLimitRequest};

pub(crate) fn expiry_string(e: Expiry) -> String {
    match e {
        Expiry::In(d) => format_duration(d),
        Expiry::At(t) => rfc3339(t),
        Expiry::Never => "never".into(),
    }
}

pub(crate) fn rate_limit_request(
    limits: &[RateLimitArg],
) -> Result<Option<RateLimitRequest>, CliError> {
    if limits.is_empty() {
        return Ok(None);
    }
    let mut req = RateLimitRequest::default();
    for l in limits {
        let (slot, flag) = match l {
            RateLimitArg::PerMinute(n) => (&mut req.per_minute, *n),
            RateLimitArg::PerHour(n) => (&mut req.per_hour, *n),
        };
        if slot.is_some() {
            return Err(CliError::usage(
                "--rate-limit given twice for the same unit",
                Some("give at most one N/min and one N/hour".to_string()),
            ));
        }
        *slot = Some(flag);
    }
    Ok(Some(req))
}

fn no_flags(a: &MintArgs) -> bool {
    a.name.is_none()
        && a.scopes.is_empty()
        && a.kind.is_none()
        && a.expires.is_none()
        && a.rate_limits.is_empty()
        && a.allow_cidrs.is_empty()
        && a.description.is_none()
        && a.owner.is_none()
        && a.audience.is_empty()
        && a.exec.exec.is_none()
}

pub(crate) async fn run(ctx: &Ctx, mut a: MintArgs) -> Result<u8, CliError> {
    let rate_limit = rate_limit_request(&a.rate_limits)?;
    crate::api::validate::cidr_count(a.allow_cidrs.len())
        .map_err(|e| CliError::usage(format!("--allow-cidr given {e}"), None))?;
    if a.name.is_none() && !ctx.can_prompt() {
        return Err(prompt::missing(
            "NAME",
            Some("tokctl mint NAME [--scope S]… [--expires D]".into()),
        ));
    }
    let client = ctx.client()?;
    let me = client.me().await?;
    // The role the token's scopes are cut by: the caller's, or the service account's.
    let owner_role: Option<Role> = match &a.owner {
        None => Some(me.user.role),
        Some(owner) => client
            .list_users()
            .await
            .ok()
            .and_then(|users| {
                users
                    .into_iter()
                    .find(|u| &u.name == owner || u.email.as_ref() == Some(owner))
            })
            .map(|u| u.role),
    };

    let asked_everything = no_flags(&a);
    if asked_everything {
        interactive(ctx, &mut a)?;
    } else if a.name.is_none() {
        a.name = Some(mint_prompts::name(ctx)?);
    }
    if a.scopes.is_empty() {
        if ctx.can_prompt() {
            let offered = mint_prompts::offered_scopes(&me, owner_role);
            let full_role = mint_prompts::covers_role(&offered, owner_role);
            a.scopes = mint_prompts::scopes(ctx, &offered, full_role)?;
        } else {
            mint_prompts::full_role_note(ctx, a.owner.as_deref(), owner_role);
        }
    }
    if asked_everything {
        let policy = mint_prompts::policy(client).await?;
        let left = mint_prompts::credential_left(&me, chrono::Utc::now());
        a.expires = mint_prompts::expiry(ctx, policy.as_ref(), left)?;
    }
    let name = a.name.clone().unwrap_or_default();
    let scopes =
        perms::validate_scopes(&a.scopes).map_err(|e| CliError::usage(e.to_string(), None))?;

    let req = MintRequest {
        name,
        scopes: scopes.clone(),
        kind: a.kind.map(|k| match k {
            MintType::Pat => TokenType::Pat,
            MintType::Mcp => TokenType::Mcp,
        }),
        expires: a.expires.map(expiry_string),
        rate_limit,
        allowed_cidrs: a.allow_cidrs.iter().map(|c| c.to_string()).collect(),
        description: a.description.clone(),
        owner: a.owner.clone(),
        audience: a.audience.clone(),
        dry_run: false,
    };
    if a.dry_run {
        let preview = client.mint_dry_run(&req).await?;
        return super::dry_run::minted(ctx, &preview, a.exec.exec.as_deref());
    }
    let issued = client.mint(&req).await?;

    if let (Some(role), Some(asked)) = (owner_role, perms::requested(&scopes)) {
        let beyond = asked.minus(role.permissions());
        if !beyond.is_empty() {
            let whose = match &a.owner {
                Some(o) => format!("{o}'s role ({role})"),
                None => format!("your role ({role})"),
            };
            ctx.warn(format!(
                "{} grant(s) nothing now: {whose} does not include it; it takes effect only if the role is raised",
                beyond.names().join(", ")
            ));
        }
    }
    deliver(ctx, issued, &a.exec, Made::Minted).await
}

/// `tokctl mint` with no flags on a terminal: name and type here; scopes and expiry follow.
fn interactive(ctx: &Ctx, a: &mut MintArgs) -> Result<(), CliError> {
    a.name = Some(mint_prompts::name(ctx)?);
    let types = [
        "pat: a personal access token for scripts and the REST API",
        "mcp: an AI agent's token for the MCP endpoint",
    ];
    a.kind = Some(match prompt::select(ctx, "Type", &types, 0)? {
        1 => MintType::Mcp,
        _ => MintType::Pat,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_fold_into_one_request() {
        let r = rate_limit_request(&[RateLimitArg::PerMinute(5), RateLimitArg::PerHour(50)])
            .unwrap()
            .unwrap();
        assert_eq!((r.per_minute, r.per_hour), (Some(5), Some(50)));
        assert!(rate_limit_request(&[]).unwrap().is_none());
        assert!(
            rate_limit_request(&[RateLimitArg::PerMinute(5), RateLimitArg::PerMinute(6)]).is_err()
        );
    }

    #[test]
    fn expiry_goes_on_the_wire_in_design_syntax() {
        assert_eq!(
            expiry_string(crate::api::duration::parse_expiry("90m").unwrap()),
            "90m"
        );
        assert_eq!(expiry_string(Expiry::Never), "never");
        assert_eq!(
            expiry_string(crate::api::duration::parse_expiry("2030-01-01").unwrap()),
            "2030-01-01T00:00:00Z"
        );
    }
}
