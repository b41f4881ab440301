//! Durations and expiry as written on the command line and in the org policy:
//! `90m`, `12h`, `30d`, `52w`, an RFC 3339 date or date-time, or `never`.

use chrono::{DateTime, Duration, NaiveDate, Utc};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration `{0}`: write it as 90m, 12h, 30d or 52w")]
pub struct BadDuration(pub(crate) String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid expiry `{0}`: write a duration (90m, 12h, 30d, 52w), a date (2027-01-31 or RFC 3339) or `never`"
)]
pub struct BadExpiry(pub(crate) String);

/// When a token should expire, as asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// A lifetime counted from the moment of minting or rotating.
    In(Duration),
    /// A fixed point in time.
    At(DateTime<Utc>),
    Never,
}

/// The longest duration [`parse_duration`] accepts, in minutes (1000 years of 366 days), so
/// arithmetic on dates can never overflow. The OpenAPI document states it per unit.
pub(crate) const MAX_DURATION_MINUTES: i64 = 1000 * 366 * 24 * 60;

/// Minutes per unit letter of a duration.
pub(crate) const UNIT_MINUTES: [(char, i64); 4] =
    [('m', 1), ('h', 60), ('d', 60 * 24), ('w', 60 * 24 * 7)];

/// Parses `90m`, `12h`, `30d`, `52w` into a positive duration.
pub fn parse_duration(s: &str) -> Result<Duration, BadDuration> {
    let bad = || BadDuration(s.to_string());
    let s = s.trim();
    let unit = s.chars().last().ok_or_else(bad)?;
    let number: i64 = s[..s.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    if number <= 0 {
        return Err(bad());
    }
    let (_, minutes_per_unit) = UNIT_MINUTES
        .into_iter()
        .find(|(u, _)| *u == unit)
        .ok_or_else(bad)?;
    let minutes = number.checked_mul(minutes_per_unit).ok_or_else(bad)?;
    if minutes > MAX_DURATION_MINUTES {
        return Err(bad());
    }
    Ok(Duration::minutes(minutes))
}

/// Writes a duration in the largest unit that divides it exactly (`30d`, `2w`, `90m`).
pub fn format_duration(d: Duration) -> String {
    let m = d.num_minutes();
    if m > 0 && m % (60 * 24 * 7) == 0 {
        format!("{}w", m / (60 * 24 * 7))
    } else if m > 0 && m % (60 * 24) == 0 {
        format!("{}d", m / (60 * 24))
    } else if m > 0 && m % 60 == 0 {
        format!("{}h", m / 60)
    } else {
        format!("{m}m")
    }
}

/// Parses an expiry: a duration, an RFC 3339 date-time, a plain date (midnight UTC), or `never`.
pub fn parse_expiry(s: &str) -> Result<Expiry, BadExpiry> {
    let t = s.trim();
    if t == "never" {
        return Ok(Expiry::Never);
    }
    if let Ok(d) = parse_duration(t) {
        return Ok(Expiry::In(d));
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(Expiry::At(at.with_timezone(&Utc)));
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        && let Some(at) = date.and_hms_opt(0, 0, 0)
    {
        return Ok(Expiry::At(at.and_utc()));
    }
    Err(BadExpiry(s.to_string()))
}

impl Expiry {
    /// The absolute expiry for a token minted at `now` (None = never).
    pub fn resolve(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Expiry::In(d) => Some(now + d),
            Expiry::At(at) => Some(at),
            Expiry::Never => None,
        }
    }
}

/// RFC 3339 UTC with second precision and a `Z`, the one time format on the wire.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(parse_duration("90m").unwrap(), Duration::minutes(90));
        assert_eq!(parse_duration("12h").unwrap(), Duration::hours(12));
        assert_eq!(parse_duration("30d").unwrap(), Duration::days(30));
        assert_eq!(parse_duration("52w").unwrap(), Duration::weeks(52));
        for bad in [
            "",
            "m",
            "0d",
            "-1d",
            "3x",
            "1.5d",
            "99999999999999999d",
            "30 d",
            "d30",
            "5é",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_format_back() {
        for s in ["90m", "12h", "30d", "2w"] {
            assert_eq!(format_duration(parse_duration(s).unwrap()), s);
        }
        assert_eq!(format_duration(Duration::days(14)), "2w");
    }

    #[test]
    fn expiry_accepts_dates_and_never() {
        assert_eq!(parse_expiry("never").unwrap(), Expiry::Never);
        let Expiry::At(at) = parse_expiry("2027-01-31").unwrap() else {
            panic!()
        };
        assert_eq!(rfc3339(at), "2027-01-31T00:00:00Z");
        let Expiry::At(at) = parse_expiry("2027-01-31T10:00:00+02:00").unwrap() else {
            panic!()
        };
        assert_eq!(rfc3339(at), "2027-01-31T08:00:00Z");
        assert!(parse_expiry("tomorrow").is_err());
    }
}
