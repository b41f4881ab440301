//! What `tokctl mint` asks on a terminal, and says in a script: the name (checked as typed by
//! the server's own rule), the scopes (only what the caller holds), the expiry (only what the
//! org policy allows, its default preselected).

use chrono::{DateTime, Duration, Utc};

use super::{CliError, Ctx, prompt};
use crate::api::duration::{Expiry, parse_duration, parse_expiry};
use crate::api::perms::{PermSet, Permission, Role};
use crate::api::secret::TokenType;
use crate::api::types::{Me, OrgPolicy};
use crate::api::validate;
use crate::client::{Client, ClientError};

/// The lifetimes offered when the org policy cannot be read, and the base of those offered
/// when it can.
const BUILT_IN: [&str; 5] = ["1d", "7d", "30d", "90d", "365d"];
/// The preselected one without a policy (the built-in policy's default).
const BUILT_IN_DEFAULT: &str = "30d";

/// Asks for the token's name until it passes [`validate::token_name`].
pub(crate) fn name(ctx: &Ctx) -> Result<String, CliError> {
    prompt::input_checked(ctx, "Token name", validate::token_name)
}

/// What a token minted now could use: the caller's effective permissions (`/v1/me`), cut by
/// the owner's role when minting for a service account.
pub(crate) fn offered_scopes(me: &Me, owner_role: Option<Role>) -> Vec<String> {
    let mine: PermSet = me
        .permissions
        .iter()
        .filter_map(|p| Permission::parse(p))
        .collect();
    let set = match owner_role {
        Some(r) => mine.intersect(r.permissions()),
        None => mine,
    };
    set.names()
}

/// On a terminal with no `--scope`: a multi-select of what the token could use. None picked
/// means the owner's full role (blank on the wire) when the caller holds all of it; when the
/// caller is a narrower token (which may not grant the full role), it means all it offers.
pub(crate) fn scopes(
    ctx: &Ctx,
    offered: &[String],
    full_role: bool,
) -> Result<Vec<String>, CliError> {
    if offered.is_empty() {
        return Ok(Vec::new());
    }
    let prompt = if full_role {
        "Scopes (space toggles, enter accepts; none = the full role)"
    } else {
        "Scopes (space toggles, enter accepts; none = all of these, all this credential holds)"
    };
    let picked = prompt::multi_select(ctx, prompt, offered)?;
    if picked.is_empty() && !full_role {
        return Ok(offered.to_vec());
    }
    Ok(picked.into_iter().map(|i| offered[i].clone()).collect())
}

/// Whether the offered scopes are the owner's whole role (so blank grants nothing more).
pub(crate) fn covers_role(offered: &[String], role: Option<Role>) -> bool {
    let offered: PermSet = offered
        .iter()
        .filter_map(|p| Permission::parse(p))
        .collect();
    role.is_some_and(|r| r.permissions().is_subset_of(offered))
}

/// In a script with no `--scope`: the contract stays (blank = full role), said once on stderr.
pub(crate) fn full_role_note(ctx: &Ctx, owner: Option<&str>, role: Option<Role>) {
    let whose = match (owner, role) {
        (Some(o), Some(r)) => format!("of its owner {o} ({r})"),
        (Some(o), None) => format!("of its owner {o}"),
        (None, Some(r)) => format!("of its owner, you ({r})"),
        (None, None) => "of its owner".into(),
    };
    ctx.notice(format!(
        "note: no --scope given, so the token carries the full role {whose}, now and if the role \
         is raised; narrow it with --scope (repeatable or comma-separated, e.g. --scope \
         work:read,workspace:read)"
    ));
}

/// The org policy, or None when this credential may not read it (`org:read`): the prompt then
/// offers the built-in choices and the server still enforces the policy.
pub(crate) async fn policy(client: &Client) -> Result<Option<OrgPolicy>, CliError> {
    match client.policy().await {
        Ok(p) => Ok(Some(p)),
        Err(ClientError::Api { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The expiries to offer and which one is preselected. With a policy: the built-in lifetimes
/// up to `max_expiry`, plus the policy's default and max themselves, and `never` only when
/// allowed; the default preselected. A token credential's own remaining life caps them all
/// (the server refuses an explicit expiry past it). Empty when nothing fits: the server then
/// picks (the default, cut to fit).
pub(crate) fn expiry_choices(
    policy: Option<&OrgPolicy>,
    credential_left: Option<Duration>,
) -> (Vec<String>, usize) {
    // Each choice as written (`7d`, not `1w`), ordered by length.
    let lifetime = |n: &str| parse_duration(n).ok().map(|d| (d, n.trim().to_string()));
    let built_in = || BUILT_IN.iter().filter_map(|n| lifetime(n));
    let (mut choices, default, never): (Vec<(Duration, String)>, _, _) = match policy {
        None => (built_in().collect(), lifetime(BUILT_IN_DEFAULT), true),
        Some(p) => {
            let max = lifetime(&p.max_expiry);
            let default = lifetime(&p.default_expiry);
            let mut c: Vec<_> = built_in()
                .filter(|(d, _)| max.as_ref().is_none_or(|(m, _)| d <= m))
                .collect();
            c.extend(default.clone());
            c.extend(max);
            (c, default, p.allow_never)
        }
    };
    if let Some(left) = credential_left {
        choices.retain(|(d, _)| *d <= left);
    }
    choices.sort_by_key(|(d, _)| *d);
    choices.dedup_by_key(|(d, _)| *d);
    let at = default
        .and_then(|(d, _)| choices.iter().position(|(c, _)| *c == d))
        .unwrap_or(choices.len().saturating_sub(1));
    let mut names: Vec<String> = choices.into_iter().map(|(_, n)| n).collect();
    if never && credential_left.is_none() {
        names.push("never".into());
    }
    (names, at)
}

/// How long the credential itself still lives, when it is a token (a session's tokens may
/// outlive it; a token's may not).
pub(crate) fn credential_left(me: &Me, now: DateTime<Utc>) -> Option<Duration> {
    if me.credential.kind == TokenType::Ses {
        return None;
    }
    me.credential.expires_at.map(|at| at - now)
}

/// Asks the expiry among [`expiry_choices`]; None when there is nothing to choose.
pub(crate) fn expiry(
    ctx: &Ctx,
    policy: Option<&OrgPolicy>,
    credential_left: Option<Duration>,
) -> Result<Option<Expiry>, CliError> {
    let (choices, at) = expiry_choices(policy, credential_left);
    if choices.is_empty() {
        return Ok(None);
    }
    let items: Vec<&str> = choices.iter().map(String::as_str).collect();
    let i = prompt::select(ctx, "Expires in", &items, at)?;
    parse_expiry(&choices[i])
        .map(Some)
        .map_err(|e| CliError::usage(e.to_string(), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(default: &str, max: &str, never: bool) -> OrgPolicy {
        OrgPolicy {
            default_expiry: default.into(),
            max_expiry: max.into(),
            allow_never: never,
            ..OrgPolicy::default()
        }
    }

    #[test]
    fn without_a_policy_the_built_in_choices() {
        let (c, at) = expiry_choices(None, None);
        assert_eq!(c, ["1d", "7d", "30d", "90d", "365d", "never"]);
        assert_eq!(c[at], "30d");
    }

    #[test]
    fn only_what_the_policy_allows_its_default_preselected() {
        let (c, at) = expiry_choices(Some(&policy("7d", "30d", false)), None);
        assert_eq!(c, ["1d", "7d", "30d"]);
        assert_eq!(c[at], "7d");
        let (c, at) = expiry_choices(Some(&policy("14d", "45d", true)), None);
        assert_eq!(c, ["1d", "7d", "14d", "30d", "45d", "never"]);
        assert_eq!(c[at], "14d");
        let (c, at) = expiry_choices(Some(&policy("12h", "12h", false)), None);
        assert_eq!(c, ["12h"]);
        assert_eq!(at, 0);
    }

    #[test]
    fn a_token_credential_caps_the_choices() {
        let (c, at) = expiry_choices(Some(&policy("30d", "365d", true)), Some(Duration::days(10)));
        assert_eq!(c, ["1d", "7d"]);
        assert_eq!(c[at], "7d");
        let (c, _) = expiry_choices(None, Some(Duration::hours(1)));
        assert!(c.is_empty());
    }
}
