//! The client's address: the connecting peer, or what the trusted reverse proxies in front of
//! us say it is. Not for deciding anything about the address (networks, throttles): that is
//! the caller's business, given a [`ClientAddr`].
//!
//! Forwarding headers are believed only when the peer is inside a `--trusted-proxy` CIDR;
//! anyone else could write any address into them. Even then only the part the trusted proxies
//! wrote is believed: a proxy appends the address it saw to whatever the client sent, so the
//! list is walked from the right (the peer's end) leftwards, over trusted proxies, and the first
//! address that is not one is the client. Everything left of it is the client's own claim.
//!
//! - Every `X-Forwarded-For` line counts, joined in order (RFC 9110 list semantics): a client
//!   that sends its own line before the proxy's must not be read instead of the proxy's.
//! - Entries may be `ip`, `ip:port`, `[v6]` or `[v6]:port`; RFC 7239 `Forwarded: for=` nodes
//!   likewise (quoted or not). An entry that is none of these (`unknown`, an obfuscated `_x`,
//!   garbage, a `Forwarded` element without `for=`) stops the walk: what lies beyond it cannot be
//!   attributed, so the client is [`ClientAddr::Unknown`]. Skipping it instead would let a client
//!   hide the proxy's entry behind one the parser skips and choose its address.
//! - Both `X-Forwarded-For` and `Forwarded` present: each is walked and they must name the same
//!   client, else the client is unknown. We cannot tell which one the proxy wrote and which one
//!   the client added (a proxy overwrites or appends to its own header and passes the other
//!   through), so a disagreement is a forgery of one of them.
//! - `X-Real-IP` is read only when neither of the above is present (one line, one address).
//!   Beside one, it is never read as the client, but it must name the list's last entry (what a
//!   proxy setting both writes: nginx's `$remote_addr` in each), else the client is unknown: a
//!   proxy that sets only `X-Real-IP` passes the client's own `X-Forwarded-For` through, and
//!   that forgery must not be believed either.
//! - Every entry a trusted proxy: the request began at a proxy; the leftmost entry is the client.

use std::fmt;
use std::net::IpAddr;

use axum::http::HeaderMap;
use axum::http::header::{FORWARDED, HeaderValue};
use ipnet::IpNet;

const X_FORWARDED_FOR: &str = "x-forwarded-for";
const X_REAL_IP: &str = "x-real-ip";

/// Where a request comes from, as far as the trusted chain can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientAddr {
    Known(IpAddr),
    /// The forwarding chain could not be read past `via`, the last trusted hop (the peer itself
    /// when the headers disagree). Nothing may be granted for an address here (a CIDR-pinned
    /// token is refused); throttles and caps key on `via`, so forging garbage buys no fresh budget.
    Unknown {
        via: IpAddr,
    },
}

impl ClientAddr {
    /// The client's address, when known.
    pub(crate) fn known(self) -> Option<IpAddr> {
        match self {
            ClientAddr::Known(ip) => Some(ip),
            ClientAddr::Unknown { .. } => None,
        }
    }

    /// The address throttles and caps key on: the client's, else the last trusted hop.
    pub(crate) fn throttle_ip(self) -> IpAddr {
        match self {
            ClientAddr::Known(ip) | ClientAddr::Unknown { via: ip } => ip,
        }
    }

    /// The `ip` of an audit event: the client's address, null when unknown (the event's detail
    /// then names the hop, see [`ClientAddr::annotate`]).
    pub(crate) fn audit_ip(self) -> Option<String> {
        self.known().map(|ip| ip.to_string())
    }

    /// Adds `"unknown_client_via": "<last trusted hop>"` to an audit event's detail object when
    /// the client is unknown, so the log still says which proxy the request came through.
    pub(crate) fn annotate(self, detail: &mut serde_json::Value) {
        if let (ClientAddr::Unknown { via }, Some(obj)) = (self, detail.as_object_mut()) {
            obj.insert("unknown_client_via".into(), via.to_string().into());
        }
    }
}

impl fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientAddr::Known(ip) => write!(f, "{ip}"),
            ClientAddr::Unknown { via } => write!(
                f,
                "an unknown address (its forwarding headers cannot be read past the trusted proxy {via})"
            ),
        }
    }
}

/// The client of a request that arrived from `peer`, given the `--trusted-proxy` networks.
pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> ClientAddr {
    if !is_trusted(peer, trusted) {
        return ClientAddr::Known(peer);
    }
    let has_xff = headers.contains_key(X_FORWARDED_FOR);
    let has_forwarded = headers.contains_key(FORWARDED);
    let xff = has_xff.then(|| walk(peer, xff_entries(headers), trusted));
    let forwarded = has_forwarded.then(|| walk(peer, forwarded_entries(headers), trusted));
    let client = match (xff, forwarded) {
        (Some(a), Some(b)) if a == b => a,
        // Only one of them can be the proxy's; we cannot tell which.
        (Some(_), Some(_)) => return ClientAddr::Unknown { via: peer },
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => return real_ip(peer, headers),
    };
    if headers.contains_key(X_REAL_IP) {
        // The proxy wrote X-Real-IP or the list, perhaps not both: they must agree.
        let real = real_ip(peer, headers).known();
        let names = |present: bool, last: Option<Option<IpAddr>>| {
            !present || (real.is_some() && last.flatten().map(|ip| ip.to_canonical()) == real)
        };
        if !names(has_xff, xff_entries(headers).next())
            || !names(has_forwarded, forwarded_entries(headers).next())
        {
            return ClientAddr::Unknown { via: peer };
        }
    }
    client
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    let canonical = ip.to_canonical();
    trusted
        .iter()
        .any(|net| net.contains(&ip) || net.contains(&canonical))
}

/// Walks `entries`, given from the right (nearest the peer) leftwards.
fn walk(
    peer: IpAddr,
    entries: impl Iterator<Item = Option<IpAddr>>,
    trusted: &[IpNet],
) -> ClientAddr {
    let mut last_trusted = peer;
    for entry in entries {
        match entry {
            None => return ClientAddr::Unknown { via: last_trusted },
            Some(ip) if is_trusted(ip, trusted) => last_trusted = ip,
            Some(ip) => return ClientAddr::Known(ip.to_canonical()),
        }
    }
    // Every hop a trusted proxy (or no hop at all): the request began at the leftmost one.
    ClientAddr::Known(last_trusted.to_canonical())
}

/// The `X-Forwarded-For` entries, every line, from the right; None for an entry that is not an
/// address. Empty list elements are skipped (RFC 9110 §5.6.1). Allocates nothing: this runs on
/// every request from a proxy.
fn xff_entries(headers: &HeaderMap) -> impl Iterator<Item = Option<IpAddr>> + '_ {
    headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .rev()
        // A line that is not visible ASCII is one entry that is not an address: "!" parses as none.
        .flat_map(|line| line.to_str().unwrap_or("!").rsplit(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(parse_node)
}

/// An address entry: `ip`, `ip:port` (IPv4), `[v6]` or `[v6]:port`.
pub(crate) fn parse_node(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        let (inner, after) = rest.split_once(']')?;
        let ip = inner.parse::<std::net::Ipv6Addr>().ok()?;
        return (after.is_empty() || after.strip_prefix(':').is_some_and(is_port))
            .then_some(IpAddr::V6(ip));
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    let (host, port) = s.rsplit_once(':')?;
    let ip = host.parse::<std::net::Ipv4Addr>().ok()?;
    is_port(port).then_some(IpAddr::V4(ip))
}

fn is_port(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 5
        && s.bytes().all(|b| b.is_ascii_digit())
        && s.parse::<u16>().is_ok()
}

/// The `for=` node of every `Forwarded` element, every line, from the right; None for an
/// element whose `for` is missing, repeated, `unknown`, obfuscated or not an address, and for a
/// line that cannot be split into elements (an unterminated quote).
fn forwarded_entries(headers: &HeaderMap) -> impl Iterator<Item = Option<IpAddr>> {
    let mut nodes = Vec::new();
    for line in headers.get_all(FORWARDED) {
        forwarded_line(line, &mut nodes);
    }
    nodes.into_iter().rev()
}

fn forwarded_line(line: &HeaderValue, nodes: &mut Vec<Option<IpAddr>>) {
    let Some(elements) = line.to_str().ok().and_then(split_quoted(',')) else {
        nodes.push(None);
        return;
    };
    for element in elements.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        nodes.push(forwarded_for(element));
    }
}

/// The address of one element's single `for=` parameter.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    let mut found = None;
    for pair in split_quoted(';')(element)? {
        let (name, value) = pair.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("for") {
            continue;
        }
        if found.is_some() {
            return None;
        }
        found = Some(unquote(value.trim())?);
    }
    // `unknown` and obfuscated `_x` nodes fall out here: they are not addresses.
    parse_node(&found?)
}

/// Splits on `sep` outside quoted strings; None when a quote is left open.
fn split_quoted(sep: char) -> impl Fn(&str) -> Option<Vec<&str>> {
    move |s| {
        let (mut parts, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
        for (i, c) in s.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                c if c == sep && !quoted => {
                    parts.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        if quoted {
            return None;
        }
        parts.push(&s[start..]);
        Some(parts)
    }
}

/// A token or quoted-string value, unquoted (backslash escapes resolved).
fn unquote(v: &str) -> Option<String> {
    let Some(inner) = v.strip_prefix('"') else {
        return (!v.contains('"')).then(|| v.to_string());
    };
    let inner = inner.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// `X-Real-IP`, read only without any `X-Forwarded-For` or `Forwarded`: exactly one line holding
/// one address, else unknown; absent, the peer itself.
fn real_ip(peer: IpAddr, headers: &HeaderMap) -> ClientAddr {
    let mut lines = headers.get_all(X_REAL_IP).iter();
    let (Some(line), None) = (lines.next(), lines.next()) else {
        return match headers.contains_key(X_REAL_IP) {
            true => ClientAddr::Unknown { via: peer },
            false => ClientAddr::Known(peer.to_canonical()),
        };
    };
    match line.to_str().ok().and_then(parse_node) {
        Some(ip) => ClientAddr::Known(ip.to_canonical()),
        None => ClientAddr::Unknown { via: peer },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROXY: &str = "127.0.0.1";

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn trusted() -> Vec<IpNet> {
        vec!["127.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()]
    }

    /// Headers in the order given, repeated names appended as further lines.
    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn from_proxy(pairs: &[(&'static str, &str)]) -> ClientAddr {
        client_ip(ip(PROXY), &headers(pairs), &trusted())
    }

    fn known(s: &str) -> ClientAddr {
        ClientAddr::Known(ip(s))
    }

    fn unknown_via(s: &str) -> ClientAddr {
        ClientAddr::Unknown { via: ip(s) }
    }

    #[test]
    fn forwarded_headers_from_untrusted_peers_are_ignored() {
        let peer = ip("203.0.113.9");
        let h = headers(&[
            ("x-forwarded-for", "10.1.2.3"),
            ("x-real-ip", "10.1.2.3"),
            ("forwarded", "for=10.1.2.3"),
        ]);
        assert_eq!(client_ip(peer, &h, &[]), ClientAddr::Known(peer));
        assert_eq!(client_ip(peer, &h, &trusted()), ClientAddr::Known(peer));
    }

    #[test]
    fn the_client_is_the_rightmost_hop_that_is_not_a_trusted_proxy() {
        let h = [("x-forwarded-for", "198.51.100.1, 10.0.0.7, 127.0.0.2")];
        assert_eq!(from_proxy(&h), known("10.0.0.7"));
        // No forwarding header at all: the peer itself.
        assert_eq!(from_proxy(&[]), known(PROXY));
        // Every hop a trusted proxy: the leftmost.
        let h = [("x-forwarded-for", "127.0.0.9, 127.0.0.3")];
        assert_eq!(from_proxy(&h), known("127.0.0.9"));
    }

    #[test]
    fn every_forwarded_for_line_counts_in_order() {
        // The client's own line first, the proxy's appended as a second line: the old reading
        // of the first line alone gave the client's claim.
        let h = [
            ("x-forwarded-for", "10.1.2.3"),
            ("x-forwarded-for", "198.51.100.7"),
        ];
        assert_eq!(from_proxy(&h), known("198.51.100.7"));
        let h = [
            ("x-forwarded-for", "10.1.2.3, 10.9.9.9"),
            ("x-forwarded-for", "198.51.100.7, 127.0.0.4"),
        ];
        assert_eq!(from_proxy(&h), known("198.51.100.7"));
        // Trusted hops on the right of a line boundary are walked over into the previous line.
        let h = [
            ("x-forwarded-for", "198.51.100.7"),
            ("x-forwarded-for", "127.0.0.4"),
        ];
        assert_eq!(from_proxy(&h), known("198.51.100.7"));
    }

    #[test]
    fn entries_with_ports_and_brackets_are_addresses() {
        for (entry, want) in [
            ("198.51.100.7:4711", "198.51.100.7"),
            ("[2001:db8::7]:443", "2001:db8::7"),
            ("[2001:db8::7]", "2001:db8::7"),
            ("2001:db8::7", "2001:db8::7"),
            (" 198.51.100.7 ", "198.51.100.7"),
        ] {
            let line = format!("10.1.2.3, {entry}");
            assert_eq!(
                from_proxy(&[("x-forwarded-for", &line)]),
                known(want),
                "{entry}"
            );
        }
        // An IPv4-mapped IPv6 client counts as its IPv4 address.
        assert_eq!(
            from_proxy(&[("x-forwarded-for", "[::ffff:198.51.100.7]:80")]),
            known("198.51.100.7")
        );
        // A trusted proxy written with a port is still a trusted proxy.
        let h = [(
            "x-forwarded-for",
            "198.51.100.7, 127.0.0.4:8080, [fd00::1]:80",
        )];
        assert_eq!(from_proxy(&h), known("198.51.100.7"));
    }

    #[test]
    fn an_entry_that_is_not_an_address_stops_the_walk() {
        for garbage in [
            "unknown",
            "_hidden",
            "10.1.2.3:99999",
            "10.1.2.3:",
            "[2001:db8::1",
            "[2001:db8::1]x",
            "fe80::1%eth0",
            "2001:db8::1:80:x",
            "evil.example",
        ] {
            // Garbage right of a trusted hop: unknown, throttled on that hop.
            let line = format!("10.1.2.3, {garbage}, 127.0.0.4");
            assert_eq!(
                from_proxy(&[("x-forwarded-for", &line)]),
                unknown_via("127.0.0.4"),
                "{garbage}"
            );
            // Left of the client: never reached.
            let line = format!("{garbage}, 198.51.100.7, 127.0.0.4");
            assert_eq!(
                from_proxy(&[("x-forwarded-for", &line)]),
                known("198.51.100.7"),
                "{garbage}"
            );
        }
        // Garbage as the whole header, from the peer directly: unknown via the peer.
        assert_eq!(
            from_proxy(&[("x-forwarded-for", "garbage")]),
            unknown_via(PROXY)
        );
        // A line of bytes that are not visible ASCII is one entry that is not an address.
        let mut h = headers(&[("x-forwarded-for", "10.1.2.3")]);
        h.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff10.9.9.9").unwrap(),
        );
        assert_eq!(client_ip(ip(PROXY), &h, &trusted()), unknown_via(PROXY));
        // Empty list elements are nothing (RFC 9110 §5.6.1).
        let h = [("x-forwarded-for", "10.1.2.3, , 198.51.100.7,")];
        assert_eq!(from_proxy(&h), known("198.51.100.7"));
    }

    #[test]
    fn forwarded_for_nodes_in_every_form() {
        for (value, want) in [
            ("for=198.51.100.7", known("198.51.100.7")),
            ("For=\"198.51.100.7:4711\"", known("198.51.100.7")),
            (
                "for=\"[2001:db8:cafe::17]:4711\"",
                known("2001:db8:cafe::17"),
            ),
            ("for=\"[2001:db8:cafe::17]\"", known("2001:db8:cafe::17")),
            (
                "for=10.1.2.3;proto=http, for=198.51.100.7;by=127.0.0.1;proto=https",
                known("198.51.100.7"),
            ),
            // A quoted comma does not split elements.
            (
                "for=10.1.2.3;host=\"a,b\", for=198.51.100.7",
                known("198.51.100.7"),
            ),
            ("for=198.51.100.7, for=127.0.0.3", known("198.51.100.7")),
            ("for=unknown", unknown_via(PROXY)),
            ("for=_hidden", unknown_via(PROXY)),
            ("for=\"_gazonk\"", unknown_via(PROXY)),
            ("proto=https", unknown_via(PROXY)),
            ("for=198.51.100.7;for=10.1.2.3", unknown_via(PROXY)),
            ("for=\"198.51.100.7", unknown_via(PROXY)),
            (
                "for=198.51.100.7, for=unknown, for=127.0.0.3",
                unknown_via("127.0.0.3"),
            ),
        ] {
            assert_eq!(from_proxy(&[("forwarded", value)]), want, "{value}");
        }
        // Lines joined in order.
        let h = [
            ("forwarded", "for=10.1.2.3"),
            ("forwarded", "for=\"198.51.100.7:1\""),
        ];
        assert_eq!(from_proxy(&h), known("198.51.100.7"));
    }

    #[test]
    fn forwarded_and_x_forwarded_for_must_agree() {
        // The proxy wrote one of them, the client the other; we cannot tell which.
        let h = [
            ("x-forwarded-for", "198.51.100.7"),
            ("forwarded", "for=10.1.2.3"),
        ];
        assert_eq!(from_proxy(&h), unknown_via(PROXY));
        let h = [
            ("x-forwarded-for", "10.1.2.3, 198.51.100.7"),
            ("forwarded", "for=198.51.100.7"),
        ];
        assert_eq!(from_proxy(&h), known("198.51.100.7"));
        // One readable, the other not: unknown.
        let h = [
            ("x-forwarded-for", "198.51.100.7"),
            ("forwarded", "for=unknown"),
        ];
        assert!(from_proxy(&h).known().is_none());
    }

    #[test]
    fn x_real_ip_only_without_any_forwarding_list() {
        assert_eq!(from_proxy(&[("x-real-ip", "10.9.9.9")]), known("10.9.9.9"));
        assert_eq!(
            from_proxy(&[("x-real-ip", "10.9.9.9:1234")]),
            known("10.9.9.9")
        );
        // Beside X-Forwarded-For it is never the answer: the list is read, and X-Real-IP, as
        // nginx writes it beside an appended list, names the list's last entry.
        let h = [
            ("x-forwarded-for", "10.9.9.9, 198.51.100.7"),
            ("x-real-ip", "198.51.100.7"),
        ];
        assert_eq!(from_proxy(&h), known("198.51.100.7"));
        let h = [
            ("x-forwarded-for", "198.51.100.7, 127.0.0.3"),
            ("x-real-ip", "127.0.0.3"),
        ];
        assert_eq!(from_proxy(&h), known("198.51.100.7"));
        let h = [
            ("forwarded", "for=198.51.100.7"),
            ("x-real-ip", "198.51.100.7"),
        ];
        assert_eq!(from_proxy(&h), known("198.51.100.7"));
        // Disagreeing, one of them is the client's own: neither is believed. (A proxy setting
        // only X-Real-IP passes the client's X-Forwarded-For through.)
        for h in [
            [
                ("x-forwarded-for", "198.51.100.7"),
                ("x-real-ip", "10.9.9.9"),
            ],
            [("forwarded", "for=198.51.100.7"), ("x-real-ip", "10.9.9.9")],
            [
                ("x-forwarded-for", "10.9.9.9, _x"),
                ("x-real-ip", "10.9.9.9"),
            ],
            [("x-forwarded-for", "10.9.9.9"), ("x-real-ip", "nope")],
        ] {
            assert_eq!(from_proxy(&h), unknown_via(PROXY), "{h:?}");
        }
        // An empty X-Forwarded-For means a list was sent: the list, with no hop in it, names
        // the peer, and X-Real-IP is not read as the client.
        assert_eq!(from_proxy(&[("x-forwarded-for", "")]), known(PROXY));
        let h = [("x-forwarded-for", ""), ("x-real-ip", "10.9.9.9")];
        assert_eq!(from_proxy(&h), unknown_via(PROXY));
        assert_eq!(from_proxy(&[("x-real-ip", "nope")]), unknown_via(PROXY));
        let h = [("x-real-ip", "10.9.9.9"), ("x-real-ip", "10.9.9.8")];
        assert_eq!(from_proxy(&h), unknown_via(PROXY));
    }

    #[test]
    fn unknown_is_recorded_as_no_address_and_throttled_on_the_hop() {
        let u = unknown_via("127.0.0.4");
        assert_eq!(u.known(), None);
        assert_eq!(u.throttle_ip(), ip("127.0.0.4"));
        assert_eq!(u.audit_ip(), None);
        let mut detail = serde_json::json!({"reason": "unknown"});
        u.annotate(&mut detail);
        assert_eq!(detail["unknown_client_via"], "127.0.0.4");
        let k = known("10.0.0.1");
        assert_eq!(k.audit_ip().as_deref(), Some("10.0.0.1"));
        let mut detail = serde_json::json!({});
        k.annotate(&mut detail);
        assert_eq!(detail, serde_json::json!({}));
    }
}
