//! `tokctl org policy [--set KEY=VALUE]…`: show or change the org's token policy.
//!
//! `--set` values are checked here before anything is sent, so a bad key or value changes
//! nothing (exit 6, naming the key); the server checks them again.

use super::args::OrgCommand;
use super::{CliError, Ctx, output};
use crate::api::duration::{format_duration, parse_duration};
use crate::api::types::{OrgPolicy, RateLimit};

pub(super) const KEYS: [&str; 9] = [
    "default_expiry",
    "max_expiry",
    "allow_never",
    "default_rate_limit",
    "max_rate_limit",
    "session_rate_limit",
    "session_ttl",
    "max_delegation_depth",
    "max_trust_lifetime",
];

fn rejected(key: &str, message: String) -> CliError {
    CliError::Rejected {
        message: format!("{key}: {message}"),
        help: Some(format!(
            "keys: {}; durations like 30d, limits like 60/min,1000/hour",
            KEYS.join(", ")
        )),
    }
}

/// `60/min,1000/hour` (either part alone keeps the other from `base`).
fn parse_limits(key: &str, value: &str, base: Option<RateLimit>) -> Result<RateLimit, CliError> {
    let mut per_minute = base.map(|b| b.per_minute);
    let mut per_hour = base.map(|b| b.per_hour);
    for part in value.split(',') {
        match super::args::rate_limit(part) {
            Ok(super::args::RateLimitArg::PerMinute(n)) => per_minute = Some(n),
            Ok(super::args::RateLimitArg::PerHour(n)) => per_hour = Some(n),
            Err(e) => return Err(rejected(key, e)),
        }
    }
    match (per_minute, per_hour) {
        (Some(per_minute), Some(per_hour)) => Ok(RateLimit {
            per_minute,
            per_hour,
        }),
        _ => Err(rejected(
            key,
            format!("`{value}` needs both limits: N/min,N/hour"),
        )),
    }
}

/// Turns `--set` items into the partial JSON object `PATCH /v1/org/policy` takes.
pub(crate) fn policy_patch(
    sets: &[String],
    current: &OrgPolicy,
) -> Result<serde_json::Map<String, serde_json::Value>, CliError> {
    let mut patch = serde_json::Map::new();
    for item in sets {
        let (key, value) = item
            .split_once('=')
            .ok_or_else(|| rejected(item, "write --set KEY=VALUE".into()))?;
        let (key, value) = (key.trim(), value.trim());
        let json = match key {
            "default_expiry" | "max_expiry" | "session_ttl" | "max_trust_lifetime" => {
                let d = parse_duration(value).map_err(|e| rejected(key, e.to_string()))?;
                serde_json::Value::String(format_duration(d))
            }
            "allow_never" => match value {
                "true" | "yes" | "on" => true.into(),
                "false" | "no" | "off" => false.into(),
                _ => return Err(rejected(key, format!("`{value}` is not true or false"))),
            },
            "default_rate_limit" => {
                to_json(parse_limits(key, value, Some(current.default_rate_limit))?)
            }
            "session_rate_limit" => {
                to_json(parse_limits(key, value, Some(current.session_rate_limit))?)
            }
            "max_delegation_depth" => match value.parse::<u32>() {
                Ok(n) if n <= crate::api::types::MAX_DELEGATION_DEPTH => n.into(),
                _ => {
                    return Err(rejected(
                        key,
                        format!(
                            "`{value}` is not a whole number 0–{}",
                            crate::api::types::MAX_DELEGATION_DEPTH
                        ),
                    ));
                }
            },
            "max_rate_limit" if matches!(value, "none" | "null" | "") => serde_json::Value::Null,
            "max_rate_limit" => to_json(parse_limits(key, value, current.max_rate_limit)?),
            _ => return Err(rejected(key, "unknown key".into())),
        };
        patch.insert(key.to_string(), json);
    }
    Ok(patch)
}

fn to_json(l: RateLimit) -> serde_json::Value {
    serde_json::json!({"per_minute": l.per_minute, "per_hour": l.per_hour})
}

fn policy_details(p: &OrgPolicy) -> String {
    output::details(&super::dry_run::policy_fields(p))
}

pub(crate) async fn run(ctx: &Ctx, c: OrgCommand) -> Result<u8, CliError> {
    let OrgCommand::Policy(a) = c;
    let client = ctx.client()?;
    let current = client.policy().await?;
    let policy = if a.set.is_empty() {
        current
    } else {
        let patch = policy_patch(&a.set, &current)?;
        if a.dry_run {
            let preview = client
                .patch_policy_dry_run(&serde_json::Value::Object(patch))
                .await?;
            return super::dry_run::policy(ctx, &preview);
        }
        let updated = client
            .patch_policy(&serde_json::Value::Object(patch))
            .await?;
        ctx.notice("Policy updated; it applies to tokens minted or rotated from now on.");
        updated
    };
    if ctx.global.json {
        output::json(&policy)?;
    } else {
        output::stdout(&policy_details(&policy))?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn design_examples_become_a_partial_patch() {
        let p = policy_patch(
            &sets(&[
                "max_expiry=90d",
                "allow_never=true",
                "default_rate_limit=60/min,1000/hour",
                "max_rate_limit=none",
            ]),
            &OrgPolicy::default(),
        )
        .unwrap();
        assert_eq!(
            serde_json::Value::Object(p),
            serde_json::json!({
                "max_expiry": "90d",
                "allow_never": true,
                "default_rate_limit": {"per_minute": 60, "per_hour": 1000},
                "max_rate_limit": null,
            })
        );
    }

    #[test]
    fn one_limit_keeps_the_other() {
        let p = policy_patch(&sets(&["default_rate_limit=10/min"]), &OrgPolicy::default()).unwrap();
        assert_eq!(
            p["default_rate_limit"],
            serde_json::json!({"per_minute": 10, "per_hour": 1000})
        );
        assert!(policy_patch(&sets(&["max_rate_limit=10/min"]), &OrgPolicy::default()).is_err());
    }

    #[test]
    fn bad_keys_and_values_name_the_key() {
        for bad in [
            "colour=red",
            "max_expiry=never",
            "allow_never=maybe",
            "session_ttl=0d",
            "nokey",
        ] {
            let e = policy_patch(&sets(&[bad]), &OrgPolicy::default()).unwrap_err();
            assert_eq!(e.exit_code(), 6, "{bad}");
            let key = bad.split('=').next().unwrap();
            assert!(e.to_string().contains(key), "{bad}: {e}");
        }
    }
}
