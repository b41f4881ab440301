//! Session names: what `login --session-name` and `POST /v1/sessions` accept, and the
//! `cli@<hostname>` default the command line gives a login, so `tokctl list --type ses` tells
//! one machine's session from another's.
//!
//! Not for: token names (those are `server::tokens`'s rule); a session name follows the same
//! rule plus `@`, so that `cli@laptop.example.com` is a valid name.

/// The longest session name, like a token name.
pub(crate) const MAX_SESSION_NAME: usize = super::schema::MAX_NAME;

/// The name the server gives a session when the login request names none (API clients that
/// predate `name`). The command line always sends one.
#[cfg(feature = "server")]
pub(crate) const SERVER_DEFAULT_SESSION_NAME: &str = "session";

fn allowed(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@')
}

/// Checks a session name: 1–64 letters, digits, `.`, `_`, `-` or `@`, starting with a letter
/// or digit, and not `tk_…` (which reads as a token id). The error names the field.
pub(crate) fn check_session_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= MAX_SESSION_NAME
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.bytes().all(allowed)
        && !name.starts_with("tk_");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "session name `{name}` is not valid: 1–{MAX_SESSION_NAME} letters, digits, `.`, `_`, `-` or `@`, starting with a letter or digit, not `tk_…`"
        ))
    }
}

/// [`check_session_name`] as a clap `value_parser` (`login --session-name`): a bad name is a
/// usage error before any prompt or request.
pub(crate) fn parse_session_name(name: &str) -> Result<String, String> {
    check_session_name(name).map(|()| name.to_string())
}

/// `cli@<host>`, with any character a session name may not hold replaced by `-` and cut to the
/// longest name; `cli@localhost` when the host name is empty.
pub(crate) fn cli_session_name(host: &str) -> String {
    let host: String = host
        .trim()
        .bytes()
        .map(|b| {
            if allowed(b) && b != b'@' {
                b as char
            } else {
                '-'
            }
        })
        .collect();
    let host = if host.is_empty() { "localhost" } else { &host };
    let mut name = format!("cli@{host}");
    name.truncate(MAX_SESSION_NAME);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_follow_the_token_rule_plus_at() {
        assert!(check_session_name("cli@laptop.example.com").is_ok());
        assert!(check_session_name("ci-runner_2").is_ok());
        assert!(check_session_name("").is_err());
        assert!(check_session_name("@laptop").is_err());
        assert!(check_session_name("has space").is_err());
        assert!(check_session_name("tk_abc").is_err());
        assert!(check_session_name(&"a".repeat(65)).is_err());
        assert!(check_session_name(&"a".repeat(64)).is_ok());
        let err = check_session_name("bad name").unwrap_err();
        assert!(err.contains("session name"), "{err}");
    }

    #[test]
    fn the_default_name_is_cli_at_a_cleaned_host_name() {
        assert_eq!(cli_session_name("laptop"), "cli@laptop");
        assert_eq!(cli_session_name("my box\n"), "cli@my-box");
        assert_eq!(cli_session_name("a@b"), "cli@a-b");
        assert_eq!(cli_session_name(""), "cli@localhost");
        let long = cli_session_name(&"h".repeat(200));
        assert_eq!(long.len(), MAX_SESSION_NAME);
        for host in ["laptop", "my box", "ünïcode", &"h".repeat(200)] {
            assert!(
                check_session_name(&cli_session_name(host)).is_ok(),
                "{host}"
            );
        }
    }
}
