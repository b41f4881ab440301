//! The token secret format of DESIGN.md: `tokctl_<type>_<30 random><6 checksum>`.
//!
//! Generating, checking (offline, before any request) and hashing secrets. The server never
//! stores a secret, only [`hash`] of it; the CLI checks [`parse`] before it sends one anywhere.

use std::borrow::Cow;
use std::fmt;

use hmac::{Hmac, Mac};
#[cfg(feature = "server")]
use percent_encoding::{AsciiSet, CONTROLS, percent_encode};
use rand::{Rng, TryRngCore};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// Base62 digits in value order: `0-9`, `A-Z`, `a-z`.
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PREFIX: &str = "tokctl_";
const RANDOM_LEN: usize = 30;
const CHECKSUM_LEN: usize = 6;
/// `tokctl_` + 3-letter type + `_` + random + checksum.
pub const SECRET_LEN: usize = PREFIX.len() + 3 + 1 + RANDOM_LEN + CHECKSUM_LEN;

/// What a token is for: a personal access token, an agent's MCP token, or a login session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    Pat,
    Mcp,
    Ses,
}

impl TokenType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TokenType::Pat => "pat",
            TokenType::Mcp => "mcp",
            TokenType::Ses => "ses",
        }
    }

    pub fn parse(s: &str) -> Option<TokenType> {
        match s {
            "pat" => Some(TokenType::Pat),
            "mcp" => Some(TokenType::Mcp),
            "ses" => Some(TokenType::Ses),
            _ => None,
        }
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a tokctl secret. Never carries the string itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretFormatError {
    #[error("it does not start with `tokctl_pat_`, `tokctl_mcp_` or `tokctl_ses_`")]
    Prefix,
    #[error("it has {0} characters, a tokctl secret has {SECRET_LEN}")]
    Length(usize),
    #[error("it contains a character outside 0-9, A-Z, a-z")]
    Alphabet,
    #[error("its checksum does not match (mistyped or truncated)")]
    Checksum,
}

/// A secret held in memory: redacted in `Debug`, zeroed on drop, serialized only where a wire
/// type must carry it (the one response to mint, rotate or login, and verify's request body).
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub(crate) fn new(s: String) -> Self {
        Secret(SecretString::from(s))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

impl utoipa::PartialSchema for Secret {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("a tokctl secret (tokctl_<type>_…), shown once"))
            .into()
    }
}

impl utoipa::ToSchema for Secret {}

/// A fresh secret of the given type from the OS CSPRNG (30 base62 chars ≈ 178.6 bits).
pub fn generate(kind: TokenType) -> Secret {
    // Straight from the OS CSPRNG; if the OS cannot give randomness no token may be minted,
    // so a panic (answered as a 500 by the server) is the right outcome.
    let mut rng = rand::rngs::OsRng.unwrap_err();
    let mut s = String::with_capacity(SECRET_LEN);
    s.push_str(PREFIX);
    s.push_str(kind.as_str());
    s.push('_');
    for _ in 0..RANDOM_LEN {
        let i = rng.random_range(0..ALPHABET.len());
        s.push(ALPHABET[i] as char);
    }
    let sum = checksum(s.as_bytes());
    // The checksum digits are ASCII from ALPHABET, so this is valid UTF-8.
    s.push_str(std::str::from_utf8(&sum).unwrap_or_default());
    Secret::new(s)
}

/// A random base62 string, for ids (`tk_…`) that need no checksum.
pub fn random_base62(len: usize) -> String {
    let mut rng = rand::rngs::OsRng.unwrap_err();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// CRC-32 (IEEE) of `body`, as 6 base62 digits, most significant first.
fn checksum(body: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut n = crc32fast::hash(body) as u64;
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// Checks the format and checksum of a presented secret without any network or storage.
pub fn parse(s: &str) -> Result<TokenType, SecretFormatError> {
    let rest = s.strip_prefix(PREFIX).ok_or(SecretFormatError::Prefix)?;
    let kind = rest
        .get(..3)
        .and_then(TokenType::parse)
        .ok_or(SecretFormatError::Prefix)?;
    if rest.as_bytes().get(3) != Some(&b'_') {
        return Err(SecretFormatError::Prefix);
    }
    if s.len() != SECRET_LEN {
        return Err(SecretFormatError::Length(s.chars().count()));
    }
    let tail = &s.as_bytes()[PREFIX.len() + 4..];
    if !tail.iter().all(u8::is_ascii_alphanumeric) {
        return Err(SecretFormatError::Alphabet);
    }
    let (body, sum) = s.as_bytes().split_at(SECRET_LEN - CHECKSUM_LEN);
    if checksum(body) != sum {
        return Err(SecretFormatError::Checksum);
    }
    Ok(kind)
}

/// Where [`find_secrets`] found a checksum-valid secret: its byte offset and its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundSecret {
    pub start: usize,
    pub kind: TokenType,
}

impl FoundSecret {
    /// The secret's bytes in the text it was found in.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.start + SECRET_LEN
    }
}

/// Every secret in `text` whose format and checksum are right, in order, for leak scanners.
/// Only exact bytes count (the checksum fixes each letter's case), so a look-alike with a
/// wrong checksum is never reported. A fast substring search for `tokctl_` does the skipping;
/// [`parse`] judges each candidate.
pub fn find_secrets(text: &[u8]) -> impl Iterator<Item = FoundSecret> + '_ {
    static PREFIX_FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(PREFIX.as_bytes()));
    PREFIX_FINDER.find_iter(text).filter_map(|start| {
        let candidate = text.get(start..start + SECRET_LEN)?;
        let kind = parse(std::str::from_utf8(candidate).ok()?).ok()?;
        Some(FoundSecret { start, kind })
    })
}

/// How a found secret is shown: the marker and three characters, enough to tell two apart and
/// far too few to use (`tokctl_pat_AbC…`).
pub fn mask(secret: &str) -> String {
    let shown = secret
        .get(..PREFIX.len() + 4 + 3)
        .unwrap_or(PREFIX.trim_end_matches('_'));
    format!("{shown}…")
}

/// The markers a secret starts with; matched case-insensitively (an upper-cased secret is
/// recoverable offline: the checksum tells which of its letters' cases is right).
const MARKERS: [&[u8]; 3] = [b"tokctl_pat_", b"tokctl_mcp_", b"tokctl_ses_"];

/// Bytes a marker may be split by and still be read as one by a person or a tool: spaces,
/// control characters and non-ASCII (zero-width spaces and the like, as UTF-8).
fn invisible(b: u8) -> bool {
    b <= b' ' || b == 0x7f || b >= 0x80
}

/// The first secret marker in `bytes` at or after `from`, as `(start, end)`.
fn find_marker(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    (from..bytes.len())
        .filter(|&i| bytes[i].eq_ignore_ascii_case(&b't'))
        .find_map(|start| {
            MARKERS.iter().find_map(|marker| {
                let (mut i, mut k) = (start, 0);
                while k < marker.len() {
                    let b = *bytes.get(i)?;
                    if b.eq_ignore_ascii_case(&marker[k]) {
                        k += 1;
                    } else if !(k > 0 && invisible(b)) {
                        return None;
                    }
                    i += 1;
                }
                Some((start, i))
            })
        })
}

/// True when a string merely *looks* like a tokctl secret (for refusing secrets in URLs and
/// where an id or name belongs): it contains a `tokctl_<type>_` marker, in any letter case,
/// checksum or not. See [`url_part_carries_secret`] for text that may be percent-encoded.
pub fn looks_like_secret(s: &str) -> bool {
    find_marker(s.as_bytes(), 0).is_some()
}

/// Percent-decoding rounds after which a URL part is no longer decoded: each round costs a
/// pass over the part, and no client encodes anything that often by accident. A part still
/// encoded after them is treated as carrying a secret (fail closed).
const DECODE_ROUNDS: usize = 8;

/// One round of percent-decoding (hex digits in either case; `+` is read as a space, as in
/// a form). Invalid escapes stay as they are. None when there was nothing to decode.
fn percent_decode_once(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.iter().any(|&b| b == b'%' || b == b'+') {
        return None;
    }
    // `+` never forms part of an escape, so reading it as a space first decodes the same.
    let spaced: Cow<'_, [u8]> = if bytes.contains(&b'+') {
        Cow::Owned(
            bytes
                .iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect(),
        )
    } else {
        Cow::Borrowed(bytes)
    };
    let out: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    (out != bytes).then_some(out)
}

/// `s` percent-decoded until nothing changes (a proxy may have encoded it twice:
/// `%2574okctl_…`); None when it still changes after [`DECODE_ROUNDS`] rounds.
fn fully_decoded(s: &str) -> Option<Cow<'_, [u8]>> {
    let mut bytes = Cow::Borrowed(s.as_bytes());
    for _ in 0..DECODE_ROUNDS {
        match percent_decode_once(&bytes) {
            Some(next) => bytes = Cow::Owned(next),
            None => return Some(bytes),
        }
    }
    percent_decode_once(&bytes).is_none().then_some(bytes)
}

/// True when a URL's path or query (as sent, percent-encoded) carries something shaped like a
/// secret in any of its segments: a `tokctl_<type>_` marker after percent-decoding (repeated:
/// double encoding, hex digits of either case, `+`), whatever its checksum; in a query also an
/// `access_token=` parameter (RFC 6750's URI query form). A part encoded more than
/// [`DECODE_ROUNDS`] times counts as carrying one.
pub(crate) fn url_part_carries_secret(part: &str, is_query: bool) -> bool {
    match fully_decoded(part) {
        None => true,
        Some(decoded) => {
            find_marker(&decoded, 0).is_some()
                || (is_query && contains_ignore_case(&decoded, b"access_token="))
        }
    }
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// What replaces a secret-shaped substring in anything logged or stored.
#[cfg(feature = "server")]
pub(crate) const REDACTED: &str = "[redacted]";

/// `s` (a URL path or other text that is logged or stored) with every secret-shaped substring
/// replaced by [`REDACTED`]: the marker and the 36 base62 characters after it (whatever lies
/// between them: a secret split by `/` or an encoded byte is redacted whole). Text without a
/// marker, encoded or not, is returned as it is, without a copy; text encoded more than
/// [`DECODE_ROUNDS`] times is replaced whole. Text with one is returned
/// percent-decoded (that is how the marker was seen), redacted, with any byte outside visible
/// ASCII encoded again, so the result is one printable line.
#[cfg(feature = "server")]
pub(crate) fn redact_secrets(s: &str) -> Cow<'_, str> {
    let Some(decoded) = fully_decoded(s) else {
        // Too deeply encoded to see what it holds: none of it is kept.
        return Cow::Borrowed(REDACTED);
    };
    let Some(mut found) = find_marker(&decoded, 0) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(decoded.len());
    let mut copied = 0;
    loop {
        let (start, end) = found;
        push_visible(&mut out, &decoded[copied..start]);
        out.push_str(REDACTED);
        let mut i = end;
        let mut body = 0;
        while i < decoded.len() && body < RANDOM_LEN + CHECKSUM_LEN {
            body += usize::from(decoded[i].is_ascii_alphanumeric());
            i += 1;
        }
        copied = i;
        match find_marker(&decoded, copied) {
            Some(next) => found = next,
            None => break,
        }
    }
    push_visible(&mut out, &decoded[copied..]);
    Cow::Owned(out)
}

/// Bytes [`push_visible`] encodes: everything outside visible ASCII (the crate always encodes
/// non-ASCII), and `%` itself so the result reads back unambiguously.
#[cfg(feature = "server")]
const NOT_VISIBLE: &AsciiSet = &CONTROLS.add(b' ').add(b'%');

/// Appends `bytes`, percent-encoding any byte outside visible ASCII (and `%` itself).
#[cfg(feature = "server")]
fn push_visible(out: &mut String, bytes: &[u8]) {
    out.extend(percent_encode(bytes, NOT_VISIBLE));
}

/// The lookup key the server stores: SHA-256 of the whole secret, or HMAC-SHA-256 with the
/// server pepper when one is configured. Lower-case hex.
pub fn hash(secret: &str, pepper: Option<&[u8]>) -> String {
    let digest: [u8; 32] = match pepper {
        Some(key) => {
            // HMAC accepts keys of any length, so this cannot fail.
            let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
            mac.update(secret.as_bytes());
            mac.finalize().into_bytes().into()
        }
        None => Sha256::digest(secret.as_bytes()).into(),
    };
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push(char::from_digit((b >> 4) as u32, 16).unwrap_or('0'));
        hex.push(char::from_digit((b & 15) as u32, 16).unwrap_or('0'));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_parse_and_have_the_documented_shape() {
        for kind in [TokenType::Pat, TokenType::Mcp, TokenType::Ses] {
            let s = generate(kind);
            assert_eq!(s.expose().len(), SECRET_LEN);
            assert!(s.expose().starts_with(&format!("tokctl_{kind}_")));
            assert_eq!(parse(s.expose()), Ok(kind));
        }
    }

    #[test]
    fn checksum_matches_zlib_crc32_in_base62() {
        // A known value checked against zlib (Python) and the base62 arithmetic round trip.
        let n = crc32fast::hash(b"abc") as u64; // 0x352441C2 = 891568578
        assert_eq!(n, 891_568_578);
        let sum = checksum(b"abc");
        let mut back = 0u64;
        for d in sum {
            back = back * 62 + ALPHABET.iter().position(|&a| a == d).unwrap() as u64;
        }
        assert_eq!(back, n);
        assert_eq!(&sum, b"0yKviM"); // from Python: zlib.crc32 in base62
    }

    #[test]
    fn one_changed_character_fails_the_checksum() {
        let s = generate(TokenType::Pat).expose().to_string();
        let mut bytes = s.clone().into_bytes();
        bytes[20] = if bytes[20] == b'a' { b'b' } else { b'a' };
        let changed = String::from_utf8(bytes).unwrap();
        assert_eq!(parse(&changed), Err(SecretFormatError::Checksum));
    }

    #[test]
    fn malformed_strings_are_refused_without_panicking() {
        assert_eq!(parse(""), Err(SecretFormatError::Prefix));
        assert_eq!(parse("ghp_abc"), Err(SecretFormatError::Prefix));
        assert_eq!(parse("tokctl_xyz_abc"), Err(SecretFormatError::Prefix));
        assert_eq!(
            parse("tokctl_pat_short"),
            Err(SecretFormatError::Length(16))
        );
        let s = generate(TokenType::Mcp).expose().to_string();
        let bad = format!("{}-{}", &s[..20], &s[21..]);
        assert_eq!(parse(&bad), Err(SecretFormatError::Alphabet));
        assert!(parse("tokctl_pat_ééééééééééééééééééé").is_err());
    }

    #[test]
    fn find_secrets_reports_only_checksum_valid_ones_at_their_offsets() {
        let a = generate(TokenType::Pat).expose().to_string();
        let b = generate(TokenType::Ses).expose().to_string();
        let mut bad = a.clone().into_bytes();
        bad[30] = if bad[30] == b'x' { b'y' } else { b'x' };
        let bad = String::from_utf8(bad).unwrap();
        let text = format!("x={a}\n{bad} tokctl_ tokctl_pat_short \"{b}\"{}", &a[..40]);
        let found: Vec<_> = find_secrets(text.as_bytes()).collect();
        assert_eq!(
            found,
            vec![
                FoundSecret {
                    start: 2,
                    kind: TokenType::Pat
                },
                FoundSecret {
                    start: text.find(&b).unwrap(),
                    kind: TokenType::Ses
                },
            ]
        );
        assert_eq!(&text[found[1].range()], b);
        // Upper case is not the secret (its checksum says so); nothing is read past the end.
        assert_eq!(find_secrets(a.to_uppercase().as_bytes()).count(), 0);
        assert_eq!(find_secrets(&a.as_bytes()[..SECRET_LEN - 1]).count(), 0);
    }

    #[test]
    fn mask_keeps_the_type_and_three_characters() {
        let s = generate(TokenType::Mcp).expose().to_string();
        assert_eq!(mask(&s), format!("{}…", &s[..14]));
        assert!(mask(&s).starts_with("tokctl_mcp_"));
        assert_eq!(mask("x"), "tokctl…");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let s = generate(TokenType::Pat);
        assert!(!format!("{s:?}").contains(s.expose()));
    }

    #[test]
    fn hash_is_sha256_hex_or_hmac_with_pepper() {
        assert_eq!(
            hash("abc", None),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(hash("abc", Some(b"pepper")), hash("abc", None));
    }

    #[cfg(feature = "server")]
    #[test]
    fn secrets_in_url_parts_are_seen_however_encoded() {
        let secret = generate(TokenType::Pat).expose().to_string();
        let body = &secret["tokctl_pat_".len()..];
        let wrong_checksum = format!("tokctl_mcp_{}", "A".repeat(36));
        for part in [
            format!("/v1/tokens/{secret}"),
            format!("/v1/tokens/{secret}/revoke"),
            format!("/v1/tokens/%74okctl_pat_{body}"),
            format!("/v1/tokens/%74%6F%6b%63%74%6c%5f%70%61%74%5F{body}"),
            format!("/v1/tokens/%2574okctl_pat_{body}"),
            format!("/v1/tokens/%252574okctl%25255Fpat_{body}"),
            format!("/v1/tokens/TOKCTL_PAT_{}", body.to_uppercase()),
            format!("/v1/tokens/tok%E2%80%8Bctl_pat_{body}"),
            format!("/v1/tokens/tokctl+_pat_{body}"),
            format!("/a/{wrong_checksum}"),
            format!("/x/tokctl_ses_{}%2F{}", &body[..10], &body[10..]),
        ] {
            assert!(url_part_carries_secret(&part, false), "{part}");
            let redacted = redact_secrets(&part);
            assert!(redacted.contains(REDACTED), "{part} → {redacted}");
            assert!(!looks_like_secret(&redacted), "{part} → {redacted}");
            assert!(!redacted.contains(&body[..12]), "{part} → {redacted}");
            assert!(!redacted.contains(&body[24..]), "{part} → {redacted}");
        }
        assert!(url_part_carries_secret("x=1&ACCESS%5Ftoken=abc", true));
        assert!(!url_part_carries_secret("access_token=abc", false));
        // Encoded more often than any client does by accident: refused, and not logged.
        let deep = format!("/%{}74", "25".repeat(DECODE_ROUNDS + 1));
        assert!(url_part_carries_secret(&deep, false));
        assert_eq!(redact_secrets(&deep), REDACTED);
    }

    #[cfg(feature = "server")]
    #[test]
    fn ordinary_paths_pass_and_are_logged_as_they_are() {
        for part in [
            "/v1/tokens/tk_abc/revoke",
            "/v1/tokens/tokctl-pat-rotation",
            "/v1/users/a%40example.com",
            "/v1/tokens/my%20token",
            "/%",
            "/a%2",
            "/%é%",
            "/tokctl_pa",
        ] {
            assert!(!url_part_carries_secret(part, false), "{part}");
            assert!(matches!(redact_secrets(part), Cow::Borrowed(p) if p == part));
        }
        assert!(!url_part_carries_secret("permission=work:read", true));
    }

    #[cfg(feature = "server")]
    #[test]
    fn redaction_keeps_what_surrounds_the_secret_and_stays_one_printable_line() {
        let secret = generate(TokenType::Mcp).expose().to_string();
        assert_eq!(
            redact_secrets(&format!("/v1/tokens/{secret}/rotate")),
            "/v1/tokens/[redacted]/rotate"
        );
        assert_eq!(
            redact_secrets(&format!("/a%0A/{secret}/{secret}")),
            "/a%0A/[redacted]/[redacted]"
        );
    }
}
