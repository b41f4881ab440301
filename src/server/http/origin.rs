//! The `Origin` check of `/mcp` (the MCP spec's defence against DNS rebinding): a request
//! whose `Origin` header is present must name an origin given with `--mcp-allowed-origin`.
//!
//! Browsers send `Origin` on every cross-origin POST; non-browser MCP clients send none, and
//! pass. Origins are compared as RFC 6454 tuples: scheme and host in any letter case, the
//! scheme's default port written or not (`https://a.example` = `https://A.example:443`), a
//! trailing `/` ignored. `null` (sandboxed frames, `file:` pages) matches only an explicit
//! `null` entry. Not for anything but `/mcp`: the REST API is not called from browser pages.

use axum::http::{HeaderMap, Uri, header};

/// An origin in its comparable form: `scheme://host[:port]`, lower case, default port
/// dropped; or `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin(String);

impl Origin {
    /// Parses an origin as a browser serializes it (a trailing `/` tolerated); the error
    /// says what is wrong, for `--mcp-allowed-origin`.
    pub(crate) fn parse(s: &str) -> Result<Origin, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("null") {
            return Ok(Origin("null".into()));
        }
        let expected = "expected an origin such as `https://app.example.com` or \
                        `http://localhost:3000` (scheme, host and optional port only), or `null`";
        let bare = s.strip_suffix('/').unwrap_or(s);
        let uri: Uri = bare.parse().map_err(|_| expected.to_string())?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(expected.into());
        };
        let has_path = !matches!(uri.path(), "" | "/") || bare.ends_with('/');
        if has_path || uri.query().is_some() || authority.as_str().contains('@') {
            return Err(expected.into());
        }
        if authority.host().is_empty() {
            return Err(expected.into());
        }
        let scheme = scheme.to_ascii_lowercase();
        let host = authority.host().to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        };
        Ok(Origin(match authority.port_u16() {
            Some(port) if Some(port) != default_port => format!("{scheme}://{host}:{port}"),
            _ => format!("{scheme}://{host}"),
        }))
    }
}

/// clap's `value_parser` for `--mcp-allowed-origin`.
pub(crate) fn parse_allowed(s: &str) -> Result<Origin, String> {
    Origin::parse(s)
}

/// Whether a request's `Origin` is acceptable: absent, or exactly one header naming an
/// allowed origin. Two `Origin` lines, or a value that is not an origin, are refused.
pub(crate) fn allowed(headers: &HeaderMap, allowed: &[Origin]) -> bool {
    let mut values = headers.get_all(header::ORIGIN).iter();
    let Some(value) = values.next() else {
        return true;
    };
    if values.next().is_some() {
        return false;
    }
    value
        .to_str()
        .ok()
        .and_then(|v| Origin::parse(v).ok())
        .is_some_and(|origin| allowed.contains(&origin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn origin(s: &str) -> String {
        Origin::parse(s).unwrap().0
    }

    #[test]
    fn origins_compare_as_tuples() {
        assert_eq!(origin("https://App.Example.com"), "https://app.example.com");
        assert_eq!(
            origin("HTTPS://app.example.com:443/"),
            "https://app.example.com"
        );
        assert_eq!(origin("http://localhost:3000"), "http://localhost:3000");
        assert_eq!(origin("http://localhost:80"), "http://localhost");
        assert_eq!(origin("http://[::1]:8080"), "http://[::1]:8080");
        assert_eq!(origin("NULL"), "null");
        assert_eq!(origin("vscode-webview://abc"), "vscode-webview://abc");
        for bad in [
            "",
            "app.example.com",
            "https://app.example.com/path",
            "https://app.example.com//",
            "https://app.example.com?x=1",
            "https://user@app.example.com",
            "https://",
            "*",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_listed_origins_pass_and_absent_ones_do() {
        let list = [origin("https://app.example.com")].map(Origin);
        let with = |values: &[&str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append(header::ORIGIN, HeaderValue::from_str(v).unwrap());
            }
            allowed(&h, &list)
        };
        assert!(with(&[]));
        assert!(with(&["https://app.example.com"]));
        assert!(with(&["https://APP.example.com:443"]));
        assert!(!with(&["https://app.example.com:8443"]));
        assert!(!with(&["http://app.example.com"]));
        assert!(!with(&["https://evil.example"]));
        assert!(!with(&["null"]));
        assert!(!with(&["junk"]));
        assert!(!with(&[
            "https://app.example.com",
            "https://app.example.com"
        ]));
        assert!(!with(&["https://app.example.com", "https://evil.example"]));
        assert!(!allowed(
            &{
                let mut h = HeaderMap::new();
                h.insert(header::ORIGIN, HeaderValue::from_static("null"));
                h
            },
            &[]
        ));
        assert!(allowed(
            &{
                let mut h = HeaderMap::new();
                h.insert(header::ORIGIN, HeaderValue::from_static("null"));
                h
            },
            &[Origin::parse("null").unwrap()]
        ));
    }
}
