//! The org's token policy: what a mint or rotate may ask for, and changes to the policy.

use chrono::{DateTime, Duration, Utc};

use crate::api::duration::{Expiry, format_duration, parse_duration, parse_expiry};
use crate::api::types::{MAX_DELEGATION_DEPTH, OrgPolicy, RateLimit, RateLimitRequest};
use crate::api::validate::{self, RateUnit};
use crate::server::http::error::{ApiError, ApiResult};

fn policy_duration(field: &str, value: &str) -> ApiResult<Duration> {
    parse_duration(value).map_err(|_| {
        ApiError::invalid(format!(
            "org policy `{field}` is `{value}`, not a duration (90m, 12h, 30d, 52w)"
        ))
    })
}

/// The expiry a new secret gets: the asked-for one within policy, else the default.
pub fn resolve_expiry(
    policy: &OrgPolicy,
    asked: Option<Expiry>,
    now: DateTime<Utc>,
) -> ApiResult<Option<DateTime<Utc>>> {
    let max = policy_duration("max_expiry", &policy.max_expiry)?;
    let expiry = match asked {
        Some(e) => e,
        None => Expiry::In(policy_duration("default_expiry", &policy.default_expiry)?),
    };
    match expiry.resolve(now) {
        None if policy.allow_never => Ok(None),
        None => Err(ApiError::invalid(format!(
            "`never` is not allowed by the org policy (allow_never=false); the longest expiry allowed is {}",
            policy.max_expiry
        ))),
        Some(at) if at <= now => Err(ApiError::invalid(
            "`expires` is in the past; give a duration (30d) or a future date",
        )),
        // Exactly the max, no slack: a duration is counted from this same `now`, so `365d`
        // is exactly the max; a date is judged against the moment the server decides.
        Some(at) if at - now > max => Err(ApiError::invalid(format!(
            "`expires` is beyond the org policy's max_expiry of {}",
            policy.max_expiry
        ))),
        Some(at) => Ok(Some(at)),
    }
}

/// Parses an `expires` field of a request.
pub(crate) fn parse_expires_field(value: Option<&str>) -> ApiResult<Option<Expiry>> {
    value
        .map(|v| parse_expiry(v).map_err(|e| ApiError::invalid(format!("`expires`: {e}"))))
        .transpose()
}

/// The rate limit a new token gets: asked-for values within policy, the default for the rest.
pub(crate) fn resolve_rate_limit(
    policy: &OrgPolicy,
    asked: Option<RateLimitRequest>,
) -> ApiResult<RateLimit> {
    let asked = asked.unwrap_or_default();
    let limit = RateLimit {
        per_minute: asked
            .per_minute
            .unwrap_or(policy.default_rate_limit.per_minute),
        per_hour: asked.per_hour.unwrap_or(policy.default_rate_limit.per_hour),
    };
    for n in [limit.per_minute, limit.per_hour] {
        validate::rate_limit_count(n)
            .map_err(|e| ApiError::invalid(format!("`rate_limit` is not valid: {e}")))?;
    }
    if let Some(max) = policy.max_rate_limit
        && (limit.per_minute > max.per_minute || limit.per_hour > max.per_hour)
    {
        return Err(ApiError::invalid(format!(
            "`rate_limit` {}/min, {}/hour is beyond the org policy's max_rate_limit of {}/min, {}/hour",
            limit.per_minute, limit.per_hour, max.per_minute, max.per_hour
        )));
    }
    Ok(limit)
}

/// The session lifetime of the policy.
/// The ceiling of `max_trust_lifetime`: tokens obtained from a CI provider's ID token.
pub(crate) const MAX_TRUST_LIFETIME: Duration = Duration::hours(1);

/// The longest lifetime of a token made through a trust policy.
pub(crate) fn max_trust_lifetime(policy: &OrgPolicy) -> ApiResult<Duration> {
    policy_duration("max_trust_lifetime", &policy.max_trust_lifetime)
}

pub(crate) fn session_ttl(policy: &OrgPolicy) -> ApiResult<Duration> {
    policy_duration("session_ttl", &policy.session_ttl)
}

/// Parses `60/min,1000/hour` (either part may be alone) into a limit, keeping `base` for the
/// part not given.
pub fn parse_rate_limit_text(text: &str, base: RateLimit) -> Option<RateLimit> {
    let mut limit = base;
    for part in text.split(',') {
        match validate::rate_limit(part).ok()? {
            (n, RateUnit::Minute) => limit.per_minute = n,
            (n, RateUnit::Hour) => limit.per_hour = n,
        }
    }
    Some(limit)
}

fn field_limit(key: &str, v: &serde_json::Value, base: RateLimit) -> ApiResult<RateLimit> {
    let bad = || {
        ApiError::invalid(format!(
            "`{key}` must be {{\"per_minute\": N, \"per_hour\": N}} or \"N/min,N/hour\" with N ≥ 1"
        ))
    };
    let limit = match v {
        serde_json::Value::String(s) => parse_rate_limit_text(s, base).ok_or_else(bad)?,
        serde_json::Value::Object(_) => {
            let r: RateLimitRequest = serde_json::from_value(v.clone()).map_err(|_| bad())?;
            RateLimit {
                per_minute: r.per_minute.unwrap_or(base.per_minute),
                per_hour: r.per_hour.unwrap_or(base.per_hour),
            }
        }
        _ => return Err(bad()),
    };
    if limit.per_minute == 0 || limit.per_hour == 0 {
        return Err(bad());
    }
    Ok(limit)
}

fn field_duration(key: &str, v: &serde_json::Value) -> ApiResult<String> {
    let s = v.as_str().ok_or_else(|| {
        ApiError::invalid(format!("`{key}` must be a duration string such as \"30d\""))
    })?;
    let d = parse_duration(s).map_err(|_| {
        ApiError::invalid(format!(
            "`{key}` is `{s}`, not a duration (90m, 12h, 30d, 52w); `never` is set with allow_never"
        ))
    })?;
    Ok(format_duration(d))
}

/// Applies a partial policy object; any unknown key or bad value refuses the whole change.
pub fn apply_patch(current: &OrgPolicy, patch: &serde_json::Value) -> ApiResult<OrgPolicy> {
    let obj = patch
        .as_object()
        .ok_or_else(|| ApiError::invalid("the body must be a JSON object of policy fields"))?;
    let mut p = current.clone();
    for (key, v) in obj {
        match key.as_str() {
            "default_expiry" => p.default_expiry = field_duration(key, v)?,
            "max_expiry" => p.max_expiry = field_duration(key, v)?,
            "session_ttl" => p.session_ttl = field_duration(key, v)?,
            "max_trust_lifetime" => p.max_trust_lifetime = field_duration(key, v)?,
            "allow_never" => {
                p.allow_never = v
                    .as_bool()
                    .ok_or_else(|| ApiError::invalid("`allow_never` must be true or false"))?
            }
            "default_rate_limit" => {
                p.default_rate_limit = field_limit(key, v, p.default_rate_limit)?
            }
            "session_rate_limit" => {
                p.session_rate_limit = field_limit(key, v, p.session_rate_limit)?
            }
            "max_delegation_depth" => p.max_delegation_depth = v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n <= MAX_DELEGATION_DEPTH)
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "`max_delegation_depth` must be a whole number 0–{MAX_DELEGATION_DEPTH} \
                             (0: no token may mint a child)"
                    ))
                })?,
            "max_rate_limit" => {
                p.max_rate_limit = match v {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) if s == "none" => None,
                    _ => Some(field_limit(
                        key,
                        v,
                        p.max_rate_limit.unwrap_or(p.default_rate_limit),
                    )?),
                }
            }
            other => {
                return Err(ApiError::invalid(format!(
                    "unknown policy key `{other}`; keys: default_expiry, max_expiry, allow_never, \
                     default_rate_limit, max_rate_limit, session_rate_limit, session_ttl, \
                     max_delegation_depth, max_trust_lifetime"
                )));
            }
        }
    }
    validate(&p)?;
    Ok(p)
}

fn validate(p: &OrgPolicy) -> ApiResult<()> {
    let default = policy_duration("default_expiry", &p.default_expiry)?;
    let max = policy_duration("max_expiry", &p.max_expiry)?;
    if default > max {
        return Err(ApiError::invalid(format!(
            "`default_expiry` ({}) is longer than `max_expiry` ({})",
            p.default_expiry, p.max_expiry
        )));
    }
    policy_duration("session_ttl", &p.session_ttl)?;
    if max_trust_lifetime(p)? > MAX_TRUST_LIFETIME {
        return Err(ApiError::invalid(format!(
            "`max_trust_lifetime` ({}) is longer than 1h: a token made from a CI job's ID token \
             lives minutes",
            p.max_trust_lifetime
        )));
    }
    if let Some(max) = p.max_rate_limit {
        let d = p.default_rate_limit;
        if d.per_minute > max.per_minute || d.per_hour > max.per_hour {
            return Err(ApiError::invalid(format!(
                "`default_rate_limit` ({}/min, {}/hour) is above `max_rate_limit` ({}/min, {}/hour)",
                d.per_minute, d.per_hour, max.per_minute, max.per_hour
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patch_changes_fields_and_refuses_bad_ones_whole() {
        let p = OrgPolicy::default();
        let q = apply_patch(
            &p,
            &json!({"max_expiry": "90d", "allow_never": true, "default_rate_limit": "10/min,100/hour"}),
        )
        .unwrap();
        assert_eq!(q.max_expiry, "90d");
        assert!(q.allow_never);
        assert_eq!(
            q.default_rate_limit,
            RateLimit {
                per_minute: 10,
                per_hour: 100
            }
        );
        let q = apply_patch(&q, &json!({"max_rate_limit": "none"})).unwrap();
        assert_eq!(q.max_rate_limit, None);
        for bad in [
            json!({"nope": 1}),
            json!({"max_expiry": "7d"}),
            json!({"default_rate_limit": "0/min"}),
            json!({"max_rate_limit": "1/min"}),
            json!({"session_ttl": "never"}),
            json!({"allow_never": "yes"}),
        ] {
            assert!(apply_patch(&p, &bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn expiry_follows_the_policy() {
        let p = OrgPolicy::default();
        let now = Utc::now();
        assert_eq!(
            resolve_expiry(&p, None, now).unwrap(),
            Some(now + Duration::days(30))
        );
        assert!(resolve_expiry(&p, Some(Expiry::Never), now).is_err());
        assert!(resolve_expiry(&p, Some(Expiry::In(Duration::days(400))), now).is_err());
        assert!(resolve_expiry(&p, Some(Expiry::In(Duration::days(365))), now).is_ok());
        // Exactly the max, not a minute more (there used to be a minute of slack).
        let max = now + Duration::days(365);
        assert!(resolve_expiry(&p, Some(Expiry::At(max)), now).is_ok());
        let over = max + Duration::minutes(1);
        assert!(resolve_expiry(&p, Some(Expiry::At(over)), now).is_err());
        let over = max + Duration::seconds(1);
        assert!(resolve_expiry(&p, Some(Expiry::At(over)), now).is_err());
        assert!(
            resolve_expiry(
                &p,
                Some(Expiry::In(Duration::days(365) + Duration::minutes(1))),
                now
            )
            .is_err()
        );
    }
}
