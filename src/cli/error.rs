//! The command line's errors and the one place that turns each into an exit code and a
//! `help:` line (DESIGN.md "Exit codes").

use crate::api::error::{ErrorCode, exit};
use crate::api::secret::{SECRET_LEN, SecretFormatError};
use crate::client::ClientError;
use crate::session::SessionError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A missing or contradictory value, found before any request (exit 2).
    #[error("{message}")]
    Usage {
        message: String,
        help: Option<String>,
    },
    /// No credential: no `TOKCTL_TOKEN` and no session for the profile (exit 3).
    #[error("not logged in (profile `{profile}`{})", server.as_deref().map(|s| format!(", server {s}")).unwrap_or_default())]
    NotLoggedIn {
        profile: String,
        server: Option<String>,
    },
    /// `TOKCTL_TOKEN` (or a secret read from stdin) is not a well-formed tokctl secret (exit 3).
    #[error("{source_name} is not a valid tokctl secret: {reason}")]
    MalformedSecret {
        source_name: &'static str,
        reason: SecretFormatError,
    },
    /// A secret given where an argument belongs (`tokctl revoke tokctl_pat_…`), refused before
    /// any request (exit 2).
    #[error("{}", .0.message())]
    SecretArgument(super::secret_args::SecretArgument),
    #[error("{0}")]
    Session(#[from] SessionError),
    #[error("{0}")]
    Api(#[from] ClientError),
    /// Refused by the CLI itself for the reason a server would refuse it (exit 6).
    #[error("{message}")]
    Rejected {
        message: String,
        help: Option<String>,
    },
    /// Something named does not exist (exit 5).
    #[error("{message}")]
    NotFound {
        message: String,
        help: Option<String>,
    },
    /// `--exec CMD` failed; tokctl exits with CMD's status.
    #[error("{message}")]
    ExecFailed {
        message: String,
        help: Option<String>,
        status: u8,
    },
    /// `--jq EXPR` failed on the answer: the command itself already did its work (exit 1).
    #[error("{message}")]
    JqFailed { message: String },
    /// A prompt or stdin/stdout failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl CliError {
    pub fn usage(message: impl Into<String>, help: impl Into<Option<String>>) -> CliError {
        CliError::Usage {
            message: message.into(),
            help: help.into(),
        }
    }

    /// A reader that went away (`tokctl list | head -1`): the program ends quietly, exit 0.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }

    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> CliError {
        let context = context.into();
        move |source| CliError::Io { context, source }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage { .. } | CliError::SecretArgument(_) => exit::USAGE,
            CliError::NotLoggedIn { .. } | CliError::MalformedSecret { .. } => exit::NOT_LOGGED_IN,
            CliError::Session(SessionError::NoKeyring(_)) => exit::NOT_LOGGED_IN,
            CliError::Session(_) => exit::OTHER,
            CliError::Api(ClientError::Api { status, code, .. }) => code.exit_code(*status),
            CliError::Api(ClientError::Unreachable { .. }) => exit::UNREACHABLE,
            CliError::Api(ClientError::Untrusted { .. }) => exit::UNREACHABLE,
            CliError::Api(ClientError::Timeout { .. }) => exit::UNREACHABLE,
            CliError::Api(ClientError::BadUrl(_)) => exit::USAGE,
            CliError::Api(ClientError::Protocol { .. }) => exit::OTHER,
            CliError::Rejected { .. } => exit::REJECTED,
            CliError::NotFound { .. } => exit::NOT_FOUND,
            CliError::ExecFailed { status, .. } => *status,
            CliError::JqFailed { .. } | CliError::Io { .. } => exit::OTHER,
        }
    }

    /// A short machine-readable name for `--json` errors: the API's code where there is one.
    pub fn code(&self) -> String {
        match self {
            CliError::Usage { .. } => "usage".into(),
            CliError::SecretArgument(_) => "secret_in_argument".into(),
            CliError::NotLoggedIn { .. } => "not_logged_in".into(),
            CliError::MalformedSecret { .. } => ErrorCode::TokenMalformed.as_str().into(),
            CliError::Session(SessionError::NoKeyring(_)) => "no_keyring".into(),
            CliError::Session(_) => "config".into(),
            CliError::Api(ClientError::Api { code, .. }) => code.as_str().into(),
            CliError::Api(ClientError::Unreachable { .. }) => "unreachable".into(),
            CliError::Api(ClientError::Untrusted { .. }) => "untrusted_certificate".into(),
            CliError::Api(ClientError::Timeout { .. }) => "timeout".into(),
            CliError::Api(ClientError::BadUrl(_)) => "usage".into(),
            CliError::Api(ClientError::Protocol { .. }) => "protocol".into(),
            CliError::Rejected { .. } => ErrorCode::Invalid.as_str().into(),
            CliError::NotFound { .. } => ErrorCode::NotFound.as_str().into(),
            CliError::ExecFailed { .. } => "exec_failed".into(),
            CliError::JqFailed { .. } => "jq_failed".into(),
            CliError::Io { .. } => "io".into(),
        }
    }

    /// What to do about it, cargo's `help:` line.
    pub fn help(&self) -> Option<String> {
        let env_token = std::env::var_os("TOKCTL_TOKEN").is_some_and(|v| !v.is_empty());
        match self {
            CliError::Usage { help, .. }
            | CliError::Rejected { help, .. }
            | CliError::NotFound { help, .. }
            | CliError::ExecFailed { help, .. } => help.clone(),
            CliError::SecretArgument(found) => Some(found.help()),
            CliError::NotLoggedIn { .. } => Some(
                "run `tokctl login`, or set TOKCTL_TOKEN to a token's secret for scripts and CI"
                    .into(),
            ),
            CliError::MalformedSecret { .. } => Some(format!(
                "a tokctl secret looks like tokctl_pat_… ({SECRET_LEN} characters); copy it again whole"
            )),
            CliError::Session(SessionError::NoKeyring(_)) => Some(
                "tokctl keeps sessions only in the OS keyring (Secret Service, Keychain, Credential \
                 Manager) and never in a file; without one, set TOKCTL_TOKEN to a token's secret"
                    .into(),
            ),
            CliError::Session(_) | CliError::Io { .. } => None,
            CliError::JqFailed { .. } => Some(
                "the command itself succeeded; run it with --json instead of --jq to see the \
                 whole answer"
                    .into(),
            ),
            CliError::Api(ClientError::Api {
                status,
                code,
                retry_after,
                ..
            }) => match (*status, code.known()) {
                (401, Some(ErrorCode::LoginFailed)) => None,
                (401, code) if env_token => Some(env_token_refused(code)),
                (401, Some(ErrorCode::TokenRevoked)) => Some(
                    "this session was revoked (logged out elsewhere, or offboarded); run \
                     `tokctl login` to start a new one"
                        .into(),
                ),
                (401, _) => Some("run `tokctl login` to start a new session".into()),
                (403, Some(ErrorCode::ScopeExceedsCredential)) => Some(
                    "no credential grants more than it holds: a token mints or rotates only \
                     within its own scopes, and no one hands out a token or a role holding a \
                     permission they lack; `tokctl whoami` shows yours"
                        .into(),
                ),
                (403, Some(ErrorCode::ExceedsCredential)) => Some(
                    "a token mints tokens that expire no later, are limited no higher and are \
                     pinned no wider than itself; leave the flag out to get the most allowed, or \
                     use a session (`tokctl login`)"
                        .into(),
                ),
                (403, _) => Some("`tokctl whoami` shows your role and permissions".into()),
                (429, _) => Some(match retry_after {
                    Some(s) => format!("retry in {s} seconds"),
                    None => "retry in a moment".into(),
                }),
                (503, _) => Some("the server cannot reach its database; retry later".into()),
                _ => None,
            },
            CliError::Api(ClientError::Unreachable { .. }) => Some(
                "is `tokctl server` running there? check --server or TOKCTL_SERVER".into(),
            ),
            CliError::Api(ClientError::Untrusted { .. }) => Some(
                "check the host name in --server or TOKCTL_SERVER, and that this machine trusts \
                 the server's CA (its trust store, or SSL_CERT_FILE on Linux)"
                    .into(),
            ),
            CliError::Api(ClientError::Timeout { .. }) => Some(
                "--timeout SECS (or TOKCTL_TIMEOUT) sets how long tokctl waits; the default is 30"
                    .into(),
            ),
            CliError::Api(ClientError::BadUrl(_)) => None,
            CliError::Api(ClientError::Protocol { .. }) => {
                Some("check that --server or TOKCTL_SERVER points at a tokctl server".into())
            }
        }
    }
}

/// What to do when the server refuses `TOKCTL_TOKEN`: a revoked or expired token cannot be
/// brought back (rotate needs a live token), so the way out is a new one.
fn env_token_refused(code: Option<ErrorCode>) -> String {
    let instead = "mint a new token with `tokctl mint NAME` (from a login session) and put its \
                   secret in TOKCTL_TOKEN, or unset TOKCTL_TOKEN to use your login session";
    match code {
        Some(ErrorCode::TokenRevoked) => {
            format!("TOKCTL_TOKEN was revoked, and `tokctl rotate` cannot revive it: {instead}")
        }
        Some(ErrorCode::TokenExpired) => {
            format!("TOKCTL_TOKEN has expired, and `tokctl rotate` cannot revive it: {instead}")
        }
        Some(ErrorCode::TokenUnknown) => format!(
            "this server does not know TOKCTL_TOKEN (is --server or TOKCTL_SERVER the server \
             that minted it?); else {instead}"
        ),
        _ => format!("TOKCTL_TOKEN was refused: {instead}"),
    }
}

/// Whether the command line asks for JSON (`--json`, `--jq`), read from the raw arguments:
/// for errors found before or while clap parses them.
pub fn json_requested(args: &[std::ffi::OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .filter_map(|a| a.to_str())
        .any(|a| a == "--json" || a == "--jq" || a.starts_with("--jq="))
}

impl CliError {
    /// A clap parse error as a usage error (exit 2): its first line as the message, the usage
    /// line and the pointer to `--help` as the help.
    pub fn from_clap(e: &clap::Error) -> CliError {
        let text = e.render().to_string();
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let message = lines
            .next()
            .map(|l| l.strip_prefix("error: ").unwrap_or(l).to_string())
            .unwrap_or_else(|| e.kind().to_string());
        let rest: Vec<&str> = lines.collect();
        let help = (!rest.is_empty()).then(|| rest.join("; "));
        CliError::usage(message, help)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::WireCode;

    fn api(status: u16) -> CliError {
        CliError::Api(ClientError::Api {
            status,
            code: WireCode::Other("x".into()),
            message: "m".into(),
            retry_after: Some(3),
        })
    }

    #[test]
    fn every_exit_code_of_design_md() {
        assert_eq!(CliError::usage("x", None).exit_code(), 2);
        assert_eq!(
            CliError::NotLoggedIn {
                profile: "default".into(),
                server: None
            }
            .exit_code(),
            3
        );
        assert_eq!(
            CliError::Session(SessionError::NoKeyring("x".into())).exit_code(),
            3
        );
        assert_eq!(api(401).exit_code(), 3);
        assert_eq!(api(403).exit_code(), 4);
        assert_eq!(api(404).exit_code(), 5);
        for s in [400, 409, 413, 422] {
            assert_eq!(api(s).exit_code(), 6);
        }
        assert_eq!(api(429).exit_code(), 7);
        assert_eq!(api(500).exit_code(), 1);
        assert_eq!(
            CliError::Api(ClientError::Unreachable {
                url: "u".into(),
                reason: "r".into()
            })
            .exit_code(),
            8
        );
        let untrusted = CliError::Api(ClientError::Untrusted {
            url: "u".into(),
            reason: "r".into(),
        });
        assert_eq!(untrusted.exit_code(), 8);
        assert_eq!(untrusted.code(), "untrusted_certificate");
        assert!(api(429).help().unwrap().contains("3 seconds"));
    }

    #[test]
    fn a_known_code_decides_the_help_and_an_unknown_one_falls_back_to_the_status() {
        let answer = |status, code: &str| {
            let body = format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#);
            let body: crate::api::error::ErrorBody = serde_json::from_str(&body).unwrap();
            CliError::Api(ClientError::Api {
                status,
                code: body.error.code,
                message: body.error.message,
                retry_after: None,
            })
        };
        let revoked = answer(401, "token_revoked");
        assert_eq!(
            (revoked.exit_code(), revoked.code().as_str()),
            (3, "token_revoked")
        );
        if std::env::var_os("TOKCTL_TOKEN").is_none() {
            assert!(revoked.help().unwrap().contains("was revoked"));
        }
        let scope = answer(403, "scope_exceeds_credential");
        assert!(scope.help().unwrap().contains("grants more than it holds"));
        let newer = answer(403, "delegation_too_deep");
        assert_eq!(
            (newer.exit_code(), newer.code().as_str()),
            (4, "delegation_too_deep")
        );
        assert!(newer.help().unwrap().contains("tokctl whoami"));
    }
}
