//! The byte format of a SQLite access-log segment: up to [`ROWS_PER_SEGMENT`] rows a flush
//! wrote, packed into one blob (see `sqlite_access` for why the log is kept this way).
//!
//! ```text
//! body   := 1 (format) strings rows
//! strings:= count { length bytes }*          each distinct text of the segment, once
//! row    := at-min_at credential method path status ip+1 latency permission+1 root+1
//! ```
//!
//! Every number is an unsigned LEB128 varint; a text is its index in `strings` (an optional
//! one is index + 1, 0 for none); `latency` is zigzag-encoded, so a negative one (a clock
//! step) round-trips too. Row ids are not stored: a row's id is its segment's id times
//! [`ROWS_PER_SEGMENT`] plus its position, so ids grow in the order rows were written.

use std::collections::HashMap;
use std::sync::Arc;

use super::audit::AccessEntry;
use super::rows::{micros, time};
use super::{AccessRecord, AddressTexts, StoreError, StoreResult};
use crate::api::perms::Permission;

/// Rows per segment: a power of two, so a row id splits into segment and position by a shift.
pub(crate) const ROWS_PER_SEGMENT: usize = 4096;
const POSITION_BITS: u32 = ROWS_PER_SEGMENT.trailing_zeros();
const FORMAT: u8 = 1;

/// The segment a row id lives in.
pub(crate) fn segment_of(row_id: i64) -> i64 {
    row_id >> POSITION_BITS
}

/// A segment ready to insert: its rows' org, time span, credentials and packed body.
pub(crate) struct Segment {
    pub(crate) org_id: i64,
    pub(crate) min_at: i64,
    pub(crate) max_at: i64,
    pub(crate) rows: i64,
    /// Each credential with a row in the segment, once: what the credential index lists.
    pub(crate) credentials: Vec<String>,
    pub(crate) body: Vec<u8>,
}

/// One row to pack, its texts borrowed: from an [`AccessRecord`] the server buffered, or from
/// a row of the table the segments replaced.
pub(crate) struct Row<'a> {
    pub(crate) org_id: i64,
    pub(crate) at: i64,
    pub(crate) credential_id: &'a str,
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) status: u16,
    pub(crate) ip: Option<Arc<str>>,
    pub(crate) latency_us: i64,
    pub(crate) permission: Option<&'a str>,
    pub(crate) root_id: Option<&'a str>,
}

impl<'a> Row<'a> {
    pub(crate) fn of(r: &'a AccessRecord, addresses: &mut AddressTexts) -> Row<'a> {
        Row {
            org_id: r.org_id,
            at: micros(r.at),
            credential_id: &r.credential_id,
            method: &r.method,
            path: &r.path,
            status: r.status,
            ip: addresses.text(r.ip),
            latency_us: r.latency_us,
            permission: r.permission.map(Permission::as_str),
            root_id: r.root_id.as_deref(),
        }
    }
}

/// Packs `rows` into segments of at most [`ROWS_PER_SEGMENT`] rows of one org each, in order.
pub(crate) fn encode(rows: &[Row<'_>]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = rows;
    while let Some(first) = rest.first() {
        let same_org = rest
            .iter()
            .take(ROWS_PER_SEGMENT)
            .take_while(|r| r.org_id == first.org_id)
            .count();
        let (chunk, tail) = rest.split_at(same_org);
        out.push(encode_one(chunk));
        rest = tail;
    }
    out
}

fn encode_one(rows: &[Row<'_>]) -> Segment {
    let min_at = rows.iter().map(|r| r.at).min().unwrap_or(0);
    let max_at = rows.iter().map(|r| r.at).max().unwrap_or(0);
    let mut strings = Strings::default();
    let mut body = Vec::with_capacity(rows.len() * 12);
    for r in rows {
        varint(&mut body, r.at.abs_diff(min_at));
        varint(&mut body, strings.index(Field::Credential, r.credential_id));
        varint(&mut body, strings.index(Field::Method, r.method));
        varint(&mut body, strings.index(Field::Path, r.path));
        varint(&mut body, u64::from(r.status));
        varint(&mut body, strings.optional(Field::Ip, r.ip.as_deref()));
        varint(&mut body, zigzag(r.latency_us));
        varint(&mut body, strings.optional(Field::Permission, r.permission));
        varint(&mut body, strings.optional(Field::Root, r.root_id));
    }
    let mut packed = Vec::with_capacity(1 + strings.bytes.len() + body.len() + 4);
    packed.push(FORMAT);
    varint(&mut packed, strings.count);
    packed.extend_from_slice(&strings.bytes);
    packed.extend_from_slice(&body);
    Segment {
        org_id: rows[0].org_id,
        min_at,
        max_at,
        rows: rows.len() as i64,
        credentials: strings.credentials,
        body: packed,
    }
}

#[derive(Clone, Copy)]
enum Field {
    Credential,
    Method,
    Path,
    Ip,
    Permission,
    Root,
}

/// The segment's texts, each written once. Consecutive rows mostly repeat a field's value
/// (one route, one address, the same few tokens), so each field remembers its last text and
/// compares with it before it hashes.
#[derive(Default)]
struct Strings {
    index: HashMap<Box<str>, u64>,
    /// Where each text's bytes sit in `bytes`, by index.
    spans: Vec<(usize, usize)>,
    listed: Vec<bool>,
    last: [Option<u64>; 6],
    count: u64,
    bytes: Vec<u8>,
    credentials: Vec<String>,
}

impl Strings {
    fn index(&mut self, field: Field, s: &str) -> u64 {
        if let Some(i) = self.last[field as usize]
            && let (start, end) = self.spans[i as usize]
            && &self.bytes[start..end] == s.as_bytes()
        {
            return i;
        }
        let i = match self.index.get(s) {
            Some(i) => *i,
            None => {
                let i = self.count;
                self.count += 1;
                varint(&mut self.bytes, s.len() as u64);
                let start = self.bytes.len();
                self.bytes.extend_from_slice(s.as_bytes());
                self.spans.push((start, self.bytes.len()));
                self.listed.push(false);
                self.index.insert(s.into(), i);
                i
            }
        };
        // The same text may serve two fields; only a credential's is listed.
        if matches!(field, Field::Credential) && !self.listed[i as usize] {
            self.listed[i as usize] = true;
            self.credentials.push(s.to_owned());
        }
        self.last[field as usize] = Some(i);
        i
    }

    fn optional(&mut self, field: Field, s: Option<&str>) -> u64 {
        s.map_or(0, |s| self.index(field, s) + 1)
    }
}

/// Reads back the rows of a segment of `count` rows whose credential `wanted` accepts, oldest
/// first, with their ids. `wanted` is asked once per distinct text, and a row it refuses is
/// stepped over without being copied out: a token's pages decode segments shared with every
/// other token that was busy at the time.
pub(crate) fn decode(
    segment_id: i64,
    min_at: i64,
    count: i64,
    body: &[u8],
    wanted: impl Fn(&str) -> bool,
) -> StoreResult<Vec<AccessEntry>> {
    if !(0..=ROWS_PER_SEGMENT as i64).contains(&count) {
        return Err(corrupt(segment_id, "row count"));
    }
    let mut r = Reader { body, at: 0 };
    if r.byte()? != FORMAT {
        return Err(corrupt(segment_id, "unknown format"));
    }
    let texts = r.varint()?;
    let mut strings = Vec::new();
    for _ in 0..texts {
        let len = usize::try_from(r.varint()?).map_err(|_| corrupt(segment_id, "length"))?;
        let bytes = r.take(len)?;
        let s = std::str::from_utf8(bytes).map_err(|_| corrupt(segment_id, "text"))?;
        strings.push((s, wanted(s)));
    }
    let text = |i: u64| -> StoreResult<(&str, bool)> {
        usize::try_from(i)
            .ok()
            .and_then(|i| strings.get(i))
            .copied()
            .ok_or_else(|| corrupt(segment_id, "text index"))
    };
    let optional = |i: u64| -> StoreResult<Option<String>> {
        if i == 0 {
            Ok(None)
        } else {
            text(i - 1).map(|(s, _)| Some(s.to_owned()))
        }
    };
    let mut rows = Vec::new();
    let mut position = 0i64;
    while r.at < body.len() {
        if position >= count {
            return Err(corrupt(segment_id, "row count"));
        }
        let at = i64::try_from(r.varint()?)
            .ok()
            .and_then(|d| min_at.checked_add(d))
            .ok_or_else(|| corrupt(segment_id, "time"))?;
        let (credential_id, keep) = text(r.varint()?)?;
        let fields = [(); 7].map(|()| r.varint());
        let [method, path, status, ip, latency, permission, root] = fields;
        let (method, path, status) = (method?, path?, status?);
        let (ip, latency, permission, root) = (ip?, latency?, permission?, root?);
        let id = (segment_id << POSITION_BITS) | position;
        position += 1;
        if !keep {
            continue;
        }
        rows.push(AccessEntry {
            id,
            at: time(at)?,
            credential_id: credential_id.to_owned(),
            method: text(method)?.0.to_owned(),
            path: text(path)?.0.to_owned(),
            status: u16::try_from(status).map_err(|_| corrupt(segment_id, "status"))?,
            ip: optional(ip)?,
            latency_us: unzigzag(latency),
            permission: optional(permission)?,
            root_id: optional(root)?,
        });
    }
    if position != count {
        return Err(corrupt(segment_id, "row count"));
    }
    Ok(rows)
}

struct Reader<'a> {
    body: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> StoreResult<u8> {
        let b = *self.body.get(self.at).ok_or_else(truncated)?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, len: usize) -> StoreResult<&'a [u8]> {
        let end = self.at.checked_add(len).ok_or_else(truncated)?;
        let bytes = self.body.get(self.at..end).ok_or_else(truncated)?;
        self.at = end;
        Ok(bytes)
    }

    fn varint(&mut self) -> StoreResult<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(StoreError::Corrupt(
            "access-log segment: varint too long".into(),
        ))
    }
}

fn truncated() -> StoreError {
    StoreError::Corrupt("access-log segment: truncated".into())
}

fn corrupt(segment_id: i64, what: &str) -> StoreError {
    StoreError::Corrupt(format!("access-log segment {segment_id}: bad {what}"))
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// A row as tests compare it: every field but the id, in text as a page shows it.
#[cfg(test)]
pub(crate) mod compare {
    use super::super::AccessRecord;
    use super::super::audit::AccessEntry;
    use super::super::rows::micros;
    use crate::api::perms::Permission;

    type Fields = (
        i64,
        String,
        String,
        String,
        u16,
        Option<String>,
        i64,
        Option<String>,
        Option<String>,
    );

    /// What a page shows of a row, without the id the store gives it.
    pub(crate) fn shown(e: &AccessEntry) -> Fields {
        (
            micros(e.at),
            e.credential_id.clone(),
            e.method.clone(),
            e.path.clone(),
            e.status,
            e.ip.clone(),
            e.latency_us,
            e.permission.clone(),
            e.root_id.clone(),
        )
    }

    /// The same of a row as the server buffered it.
    pub(crate) fn written(r: &AccessRecord) -> Fields {
        (
            micros(r.at),
            r.credential_id.clone(),
            r.method.to_string(),
            r.path.to_string(),
            r.status,
            r.ip.map(|ip| ip.to_string()),
            r.latency_us,
            r.permission.map(|p| Permission::as_str(p).to_string()),
            r.root_id.as_deref().map(str::to_string),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::net::IpAddr;
    use std::sync::Arc;

    use chrono::DateTime;

    use super::compare::{shown, written};
    use super::*;

    fn pack(records: &[AccessRecord]) -> Vec<Segment> {
        let mut addresses = AddressTexts::default();
        let rows: Vec<_> = records.iter().map(|r| Row::of(r, &mut addresses)).collect();
        encode(&rows)
    }

    fn record(i: i64, org_id: i64) -> AccessRecord {
        AccessRecord {
            org_id,
            // Out of order on purpose: a segment's times need not be sorted.
            at: DateTime::from_timestamp_micros(1_700_000_000_000_000 + (i * 7919) % 1000).unwrap(),
            credential_id: format!("tok_{}", i % 5),
            method: Cow::Borrowed(if i % 2 == 0 { "POST" } else { "GET" }),
            path: Cow::Owned(format!("/v1/route/{}", i % 3)),
            status: [200, 403, 429, 503][(i % 4) as usize],
            ip: (i % 3 != 0).then(|| IpAddr::from([10, 0, 0, (i % 7) as u8])),
            latency_us: if i == 3 { -5 } else { i * 1000 + 17 },
            permission: (i % 2 == 0).then_some(Permission::parse("work:read").unwrap()),
            root_id: (i % 4 == 1).then(|| Arc::from("tok_root")),
        }
    }

    #[test]
    fn rows_come_back_as_written_with_ids_in_write_order() {
        let rows: Vec<_> = (0..5000).map(|i| record(i, 1)).collect();
        let segments = pack(&rows);
        assert_eq!(segments.len(), 2, "4096 rows per segment");
        let mut back = Vec::new();
        for (n, s) in segments.iter().enumerate() {
            let id = n as i64 + 7;
            let decoded = decode(id, s.min_at, s.rows, &s.body, |_| true).unwrap();
            assert_eq!(decoded.len() as i64, s.rows);
            assert!(decoded.iter().all(|e| segment_of(e.id) == id));
            assert!(
                decoded
                    .iter()
                    .all(|e| (s.min_at..=s.max_at).contains(&micros(e.at)))
            );
            let mut creds: Vec<_> = decoded.iter().map(|e| e.credential_id.clone()).collect();
            creds.sort();
            creds.dedup();
            let mut listed = s.credentials.clone();
            listed.sort();
            assert_eq!(listed, creds);
            back.extend(decoded);
        }
        assert!(back.windows(2).all(|w| w[0].id < w[1].id));
        for (r, e) in rows.iter().zip(&back) {
            assert_eq!(shown(e), written(r));
        }
    }

    #[test]
    fn a_filtered_read_keeps_the_ids_of_the_rows_it_returns() {
        let rows: Vec<_> = (0..300).map(|i| record(i, 1)).collect();
        let s = pack(&rows).remove(0);
        let all = decode(3, s.min_at, s.rows, &s.body, |_| true).unwrap();
        let some = decode(3, s.min_at, s.rows, &s.body, |c| c == "tok_2").unwrap();
        let expected: Vec<_> = all.iter().filter(|e| e.credential_id == "tok_2").collect();
        assert_eq!(some.len(), expected.len());
        for (a, b) in some.iter().zip(expected) {
            assert_eq!(
                (a.id, a.at, &a.path, a.latency_us),
                (b.id, b.at, &b.path, b.latency_us)
            );
        }
        assert!(
            decode(3, s.min_at, s.rows, &s.body, |_| false)
                .unwrap()
                .is_empty()
        );
        assert!(decode(3, s.min_at, 5000, &s.body, |_| true).is_err());
    }

    #[test]
    fn a_segment_holds_one_org() {
        let rows = vec![record(0, 1), record(1, 1), record(2, 2), record(3, 1)];
        let orgs: Vec<_> = pack(&rows).iter().map(|s| (s.org_id, s.rows)).collect();
        assert_eq!(orgs, [(1, 2), (2, 1), (1, 1)]);
    }

    #[test]
    fn a_damaged_body_is_an_error_not_a_panic() {
        let rows: Vec<_> = (0..50).map(|i| record(i, 1)).collect();
        let s = pack(&rows).remove(0);
        for cut in 0..s.body.len() {
            assert!(
                decode(1, s.min_at, s.rows, &s.body[..cut], |_| true).is_err(),
                "cut at {cut}"
            );
        }
        for i in 0..s.body.len() {
            let mut body = s.body.clone();
            body[i] ^= 0xff;
            let _ = decode(1, s.min_at, s.rows, &body, |_| true);
        }
        assert!(decode(1, s.min_at, s.rows, &[2], |_| true).is_err());
        assert!(decode(1, s.min_at, s.rows + 1, &s.body, |_| true).is_err());
    }
}
