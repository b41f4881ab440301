//! Times in JSON bodies, written without going through `fmt`.
//!
//! chrono's own `Serialize` writes RFC 3339 through `Display` and `collect_str`: about five
//! thousand instructions a timestamp, and a verify answer's three timestamps were a fifth of
//! its cost (measured with callgrind, docs/performance.md). These functions write the very
//! same text (UTC, `Z`, as many fractional digits as the value needs: none, 3, 6 or 9) from a
//! stack buffer, and hand anything unusual (a year outside 0–9999, a leap second) to chrono.
//! Reading is chrono's.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serializer;

/// `#[serde(serialize_with = "wire_time::serialize")]` for a `DateTime<Utc>`.
pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 30];
    match write(t, &mut buf) {
        Some(text) => s.serialize_str(text),
        None => serde::Serialize::serialize(t, s),
    }
}

/// `#[serde(serialize_with = "wire_time::option")]` for an `Option<DateTime<Utc>>`.
pub fn option<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serialize(t, s),
        None => s.serialize_none(),
    }
}

/// The RFC 3339 text chrono's `Serialize` gives for `t`, or None where it is left to chrono.
fn write<'b>(t: &DateTime<Utc>, buf: &'b mut [u8; 30]) -> Option<&'b str> {
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = t.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let mut w = Cursor { buf, len: 0 };
    w.digits(year, 4);
    w.byte(b'-');
    w.digits(t.month(), 2);
    w.byte(b'-');
    w.digits(t.day(), 2);
    w.byte(b'T');
    w.digits(t.hour(), 2);
    w.byte(b':');
    w.digits(t.minute(), 2);
    w.byte(b':');
    w.digits(t.second(), 2);
    match nanos {
        0 => {}
        n if n % 1_000_000 == 0 => w.fraction(n / 1_000_000, 3),
        n if n % 1_000 == 0 => w.fraction(n / 1_000, 6),
        n => w.fraction(n, 9),
    }
    w.byte(b'Z');
    let len = w.len;
    std::str::from_utf8(&buf[..len]).ok()
}

struct Cursor<'b> {
    buf: &'b mut [u8; 30],
    len: usize,
}

impl Cursor<'_> {
    fn byte(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    /// `value` in exactly `width` decimal digits, zero-padded.
    fn digits(&mut self, value: u32, width: u32) {
        for i in (0..width).rev() {
            self.byte(b'0' + (value / 10u32.pow(i) % 10) as u8);
        }
    }

    fn fraction(&mut self, value: u32, width: u32) {
        self.byte(b'.');
        self.digits(value, width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn ours(t: DateTime<Utc>) -> String {
        #[derive(serde::Serialize)]
        struct W(#[serde(serialize_with = "serialize")] DateTime<Utc>);
        serde_json::to_string(&W(t)).unwrap()
    }

    #[test]
    fn every_precision_is_written_as_chrono_writes_it() {
        for nanos in [0, 5_000_000, 123_456_000, 1_000, 7, 999_999_999] {
            let t = Utc.with_ymd_and_hms(2026, 12, 1, 9, 5, 3).unwrap()
                + chrono::Duration::nanoseconds(nanos);
            assert_eq!(ours(t), serde_json::to_string(&t).unwrap(), "{nanos} ns");
        }
        let far = Utc.with_ymd_and_hms(12_000, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(ours(far), serde_json::to_string(&far).unwrap());
    }

    proptest! {
        #[test]
        fn any_time_is_written_as_chrono_writes_it(micros in 0i64..253_402_300_799_999_999) {
            let t = DateTime::from_timestamp_micros(micros).unwrap();
            prop_assert_eq!(ours(t), serde_json::to_string(&t).unwrap());
        }
    }
}
