//! One check per field a person types or a request carries: the server calls these before it
//! stores anything, and the CLI calls the same ones the moment a value is parsed (clap value
//! parsers, exit 2 naming the flag) or typed (prompts ask again), so the rules cannot drift.
//!
//! A check's error is the reason alone, a sentence that reads on its own; the server puts the
//! field's name in front, clap the flag's.

use ipnet::IpNet;

/// The longest token or service account name.
pub(crate) const MAX_NAME: usize = 64;
/// The longest token description, in characters.
pub(crate) const MAX_DESCRIPTION: usize = 1024;
/// The most networks one token may be pinned to.
pub(crate) const MAX_CIDRS: usize = 64;
/// The longest email address (RFC 5321's path limit).
pub(crate) const MAX_EMAIL: usize = 254;
const NAME_RULE: &str = "1–64 letters, digits, `-`, `_` or `.`, starting with a letter or digit";

/// Why a value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Invalid(pub(crate) String);

fn name_like(name: &str, what: &str) -> Result<(), Invalid> {
    let rule = |why: String| Err(Invalid(format!("{why}; a {what} is {NAME_RULE}")));
    if name.is_empty() {
        return rule(format!("the {what} is empty"));
    }
    let len = name.chars().count();
    if len > MAX_NAME {
        return rule(format!("it has {len} characters"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return rule(format!("{c:?} is not allowed"));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return rule("it does not start with a letter or digit".into());
    }
    Ok(())
}

/// A token's name: 1–64 of `A-Za-z0-9._-`, starting with a letter or digit, not `tk_…` (ids).
pub(crate) fn token_name(name: &str) -> Result<(), Invalid> {
    name_like(name, "token name")?;
    if name.starts_with("tk_") {
        return Err(Invalid(
            "`tk_…` is how token ids start, so a name may not; pick another name".into(),
        ));
    }
    Ok(())
}

/// A service account's name: the rule of [`token_name`] but `tk_` allowed.
pub(crate) fn service_name(name: &str) -> Result<(), Invalid> {
    name_like(name, "service account name")
}

/// A person's email: `local@domain`, at most 254 characters, no whitespace or control
/// characters, a domain with a dot inside it.
pub(crate) fn email(email: &str) -> Result<(), Invalid> {
    let ok = email.len() <= MAX_EMAIL
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if ok {
        Ok(())
    } else {
        Err(Invalid(
            "not an email address (name@example.com, at most 254 characters)".into(),
        ))
    }
}

/// What a token is for: at most 1024 characters.
pub(crate) fn description(text: &str) -> Result<(), Invalid> {
    let len = text.chars().count();
    if len > MAX_DESCRIPTION {
        return Err(Invalid(format!(
            "it has {len} characters; a description is at most {MAX_DESCRIPTION}"
        )));
    }
    Ok(())
}

/// One network a token may be used from: a CIDR or a single address, normalized (host bits
/// cleared: `10.1.2.3/8` is `10.0.0.0/8`).
pub(crate) fn cidr(text: &str) -> Result<IpNet, Invalid> {
    let t = text.trim();
    t.parse::<IpNet>()
        .or_else(|_| t.parse::<std::net::IpAddr>().map(IpNet::from))
        .map(|n| n.trunc())
        .map_err(|_| Invalid("not a network (10.0.0.0/8, 2001:db8::/32) or an IP address".into()))
}

/// How many networks a token may be pinned to.
pub(crate) fn cidr_count(n: usize) -> Result<(), Invalid> {
    if n > MAX_CIDRS {
        return Err(Invalid(format!(
            "{n} networks; a token may be pinned to at most {MAX_CIDRS}"
        )));
    }
    Ok(())
}

/// The unit of one rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RateUnit {
    Minute,
    Hour,
}

/// A limit's count: at least one request.
pub(crate) fn rate_limit_count(n: u32) -> Result<u32, Invalid> {
    if n == 0 {
        return Err(Invalid("a limit must be at least 1 request".into()));
    }
    Ok(n)
}

/// One rate limit written `N/min` or `N/hour` (`m`, `minute`; `h`, `hr`), N at least 1.
pub(crate) fn rate_limit(text: &str) -> Result<(u32, RateUnit), Invalid> {
    let bad = || Invalid("write N/min or N/hour, e.g. 60/min".into());
    let (n, unit) = text.trim().split_once('/').ok_or_else(bad)?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    let unit = match unit.trim() {
        "min" | "m" | "minute" => RateUnit::Minute,
        "hour" | "h" | "hr" => RateUnit::Hour,
        _ => return Err(bad()),
    };
    Ok((rate_limit_count(n)?, unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_names() {
        for ok in ["ci-deploy", "a", "A.b_c-1", &"x".repeat(64)] {
            assert_eq!(token_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "-x", ".x", "a b", "a/b", "tk_abc", "é", &"x".repeat(65)] {
            assert!(token_name(bad).is_err(), "{bad:?}");
        }
        assert!(token_name("").unwrap_err().0.contains("empty"));
        assert!(service_name("tk_bot").is_ok());
    }

    #[test]
    fn emails_cidrs_descriptions_and_limits() {
        assert!(email("a@b.co").is_ok());
        for bad in ["", "a", "@b.co", "a@b", "a@.b", "a@b.", "a b@c.d"] {
            assert!(email(bad).is_err(), "{bad:?}");
        }
        assert_eq!(cidr("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(cidr(" 10.1.2.3 ").unwrap().to_string(), "10.1.2.3/32");
        assert!(cidr("10.0.0.0/33").is_err());
        assert!(cidr("example.com").is_err());
        assert!(cidr_count(64).is_ok() && cidr_count(65).is_err());
        assert!(description(&"é".repeat(1024)).is_ok());
        assert!(description(&"x".repeat(1025)).is_err());
        assert_eq!(rate_limit("60/min"), Ok((60, RateUnit::Minute)));
        assert_eq!(rate_limit(" 5 / hr "), Ok((5, RateUnit::Hour)));
        for bad in ["0/min", "60", "60/day", "x/min", "-1/min"] {
            assert!(rate_limit(bad).is_err(), "{bad}");
        }
    }
}
