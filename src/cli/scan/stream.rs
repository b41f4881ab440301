//! Finding secrets in one stream of bytes (a file, stdin, an added line of a diff), read in
//! chunks so a large log costs a fixed amount of memory, with the line and column of each.
//!
//! Not for: deciding which files to read ([`super::files`]) or what a finding looks like on
//! screen ([`super::print`]).

use std::io::{self, Read};

use crate::api::secret::{self, SECRET_LEN, Secret, TokenType};

/// How much is read at once. Nearly every source file fits in one chunk.
const CHUNK: usize = 1 << 20;

/// One secret found in a stream.
#[derive(Debug)]
pub(super) struct Hit {
    pub secret: Secret,
    pub kind: TokenType,
    /// 1-based line.
    pub line: u64,
    /// 1-based column in characters (Unicode code points; invalid UTF-8 counts a byte each),
    /// as SARIF's `unicodeCodePoints` and editors count.
    pub column: u64,
    /// The token id (`tk_…`) when the same line names exactly one (a pasted `mint --json`,
    /// a log line): a secret does not contain its id, so offline this is all there is.
    pub id: Option<String>,
}

/// What reading a stream found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Text, this many bytes.
    Text(u64),
    /// A NUL byte: binary, not searched further (what ripgrep and git do).
    Binary,
}

/// Reads `r` to its end and pushes every checksum-valid secret onto `hits`. `buf` is reused
/// between calls. A binary stream pushes nothing.
pub(super) fn scan(
    r: &mut impl Read,
    buf: &mut Vec<u8>,
    hits: &mut Vec<Hit>,
) -> io::Result<Outcome> {
    buf.clear();
    let found_before = hits.len();
    let mut total = 0u64;
    // The line of `buf[0]`, and how many bytes of that line came before it.
    let mut line = 1u64;
    let mut column_before = 0u64;
    loop {
        let old = buf.len();
        let n = (&mut *r).take(CHUNK as u64).read_to_end(buf)?;
        total += n as u64;
        if memchr::memchr(0, &buf[old..]).is_some() {
            hits.truncate(found_before);
            return Ok(Outcome::Binary);
        }
        let end = n < CHUNK;
        // A secret starting in the last SECRET_LEN - 1 bytes may go on in the next chunk.
        let limit = if end {
            buf.len()
        } else {
            buf.len().saturating_sub(SECRET_LEN - 1)
        };
        for found in secret::find_secrets(buf).take_while(|f| f.start < limit) {
            hits.push(hit(buf, found, line, column_before));
        }
        if end {
            return Ok(Outcome::Text(total));
        }
        let done = &buf[..limit];
        match memchr::memrchr(b'\n', done) {
            Some(last) => {
                line += count_lines(done);
                column_before = chars(&done[last + 1..]);
            }
            None => column_before += chars(done),
        }
        buf.drain(..limit);
    }
}

/// Searches one line already in memory (an added line of a diff) for secrets.
pub(super) fn scan_line(text: &[u8], line: u64, hits: &mut Vec<Hit>) {
    for found in secret::find_secrets(text) {
        hits.push(hit(text, found, line, 0));
    }
}

fn count_lines(bytes: &[u8]) -> u64 {
    // A plain loop the compiler vectorises; only run on what a hit or a chunk boundary needs.
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Characters in `bytes`: every byte but UTF-8 continuation bytes.
fn chars(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count() as u64
}

fn hit(buf: &[u8], found: secret::FoundSecret, line: u64, column_before: u64) -> Hit {
    let before = &buf[..found.start];
    let (line, line_start, column) = match memchr::memrchr(b'\n', before) {
        Some(nl) => (line + count_lines(before), nl + 1, chars(&before[nl + 1..])),
        None => (line, 0, column_before + chars(before)),
    };
    let line_end =
        memchr::memchr(b'\n', &buf[found.start..]).map_or(buf.len(), |i| found.start + i);
    // The secret's bytes passed the checksum, so they are ASCII.
    let text = String::from_utf8_lossy(&buf[found.range()]).into_owned();
    Hit {
        secret: Secret::new(text),
        kind: found.kind,
        line,
        column: column + 1,
        id: token_id_on(&buf[line_start..line_end]),
    }
}

/// The one `tk_` + 20 base62 id on a line, if exactly one (another token's id beside it would
/// be a guess).
fn token_id_on(line: &[u8]) -> Option<String> {
    const ID_LEN: usize = 3 + 20;
    let mut ids = memchr::memmem::find_iter(line, b"tk_").filter_map(|i| {
        let id = line.get(i..i + ID_LEN)?;
        let boundary_before = i == 0 || !is_word(line[i - 1]);
        let boundary_after = line.get(i + ID_LEN).is_none_or(|&b| !is_word(b));
        (boundary_before && boundary_after && id[3..].iter().all(u8::is_ascii_alphanumeric))
            .then(|| String::from_utf8_lossy(id).into_owned())
    });
    let first = ids.next()?;
    ids.all(|other| other == first).then_some(first)
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::secret::generate;

    fn scan_bytes(bytes: &[u8]) -> (Outcome, Vec<Hit>) {
        let mut hits = Vec::new();
        let read = scan(&mut &bytes[..], &mut Vec::new(), &mut hits).unwrap();
        (read, hits)
    }

    #[test]
    fn lines_and_columns_are_one_based() {
        let s = generate(TokenType::Pat);
        let text = format!("a\nbb\n  x={}\n", s.expose());
        let (read, hits) = scan_bytes(text.as_bytes());
        assert_eq!(read, Outcome::Text(text.len() as u64));
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].line, hits[0].column), (3, 5));
        assert_eq!(hits[0].secret.expose(), s.expose());
        assert_eq!(hits[0].kind, TokenType::Pat);
    }

    #[test]
    fn columns_count_characters() {
        let s = generate(TokenType::Pat);
        let text = format!("é→\t{}", s.expose());
        assert_eq!(scan_bytes(text.as_bytes()).1[0].column, 4);
    }

    #[test]
    fn a_secret_across_a_chunk_boundary_is_found_once_with_its_place() {
        let s = generate(TokenType::Mcp);
        for offset in [
            CHUNK - 20,
            CHUNK - SECRET_LEN,
            CHUNK - 1,
            CHUNK,
            3 * CHUNK - 5,
        ] {
            let mut text = vec![b'x'; offset];
            // Newlines early on, so the line count must cross the boundary too.
            text[10] = b'\n';
            text[CHUNK / 2] = b'\n';
            let line_start = if offset > CHUNK / 2 {
                CHUNK / 2 + 1
            } else {
                11
            };
            text.extend_from_slice(s.expose().as_bytes());
            text.extend_from_slice(b"\nend");
            let (_, hits) = scan_bytes(&text);
            assert_eq!(hits.len(), 1, "offset {offset}");
            let want_line = if offset > CHUNK / 2 { 3 } else { 2 };
            assert_eq!(hits[0].line, want_line, "offset {offset}");
            assert_eq!(
                hits[0].column,
                (offset - line_start + 1) as u64,
                "offset {offset}"
            );
        }
    }

    #[test]
    fn a_nul_byte_makes_it_binary_and_drops_what_was_found() {
        let s = generate(TokenType::Pat);
        let mut text = format!("{}\n", s.expose()).into_bytes();
        text.resize(CHUNK + 10, b'a');
        text.push(0);
        let (read, hits) = scan_bytes(&text);
        assert_eq!(read, Outcome::Binary);
        assert!(hits.is_empty());
    }

    #[test]
    fn the_id_is_read_from_the_same_line_only_when_unambiguous() {
        let s = generate(TokenType::Pat);
        let id = "tk_0123456789abcdefghij";
        let other = "tk_ABCDEFGHIJ0123456789";
        let one = format!(r#"{{"token":{{"id":"{id}"}},"secret":"{}"}}"#, s.expose());
        assert_eq!(scan_bytes(one.as_bytes()).1[0].id.as_deref(), Some(id));
        let two = format!("{id} {other} {}", s.expose());
        assert_eq!(scan_bytes(two.as_bytes()).1[0].id, None);
        let next_line = format!("{}\n{id}", s.expose());
        assert_eq!(scan_bytes(next_line.as_bytes()).1[0].id, None);
        let longer = format!("{id}x {}", s.expose());
        assert_eq!(scan_bytes(longer.as_bytes()).1[0].id, None);
    }
}
