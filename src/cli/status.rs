//! `tokctl status`: every profile of the config with its server, who its credential is, when
//! it expires, what the keyring holds and whether the server answers, like `gh auth status`.
//! With `TOKCTL_TOKEN` set, the environment's credential comes first: it is what every other
//! command uses.
//!
//! Not for: changing anything. Each profile gets one `GET /v1/me` with a short timeout, all
//! at once, so one dead server costs seconds, not minutes.

use std::time::Duration;

use chrono::Utc;
use serde::Serialize;

use super::{CliError, Ctx, output};
use crate::api::error::ErrorCode;
use crate::api::secret::{self, Secret};
use crate::api::types::{Me, TokenInfo};
use crate::client::{Client, ClientError};
use crate::session::{Keyring, KeyringCredential, Profile};

/// How long each profile's server gets to answer.
const PROFILE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the keyring holds for a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum KeyringState {
    Present,
    Missing,
    Unavailable,
}

/// Where an entry's credential comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Source {
    Env,
    Keyring,
}

/// One line of the report (one object of `--json`).
#[derive(Debug, Serialize)]
struct Entry {
    profile: String,
    /// The profile `--profile`/`TOKCTL_PROFILE` selects.
    active: bool,
    /// This is the credential other commands would use now.
    in_use: bool,
    source: Source,
    server: Option<String>,
    /// The keyring's state for the profile; null for the environment's credential.
    keyring: Option<KeyringState>,
    /// `session` (made by `tokctl login`) or `token` (`login --with-token`); null when unknown.
    login: Option<KeyringCredential>,
    /// The server answered (any HTTP answer counts); null when nothing was asked.
    reachable: Option<bool>,
    logged_in: bool,
    user: Option<serde_json::Value>,
    org: Option<serde_json::Value>,
    credential: Option<TokenInfo>,
    error: Option<EntryError>,
}

#[derive(Debug, Serialize)]
struct EntryError {
    code: String,
    message: String,
}

impl Entry {
    fn new(profile: &str, active: bool, source: Source, server: Option<String>) -> Entry {
        Entry {
            profile: profile.to_string(),
            active,
            in_use: false,
            source,
            server,
            keyring: None,
            login: None,
            reachable: None,
            logged_in: false,
            user: None,
            org: None,
            credential: None,
            error: None,
        }
    }

    fn fail(&mut self, code: &str, message: impl Into<String>) {
        self.error = Some(EntryError {
            code: code.into(),
            message: message.into(),
        });
    }

    /// Fills in what `GET /v1/me` said (or why it said nothing).
    fn record(&mut self, answer: Answer) {
        match answer {
            Answer::Me(me) => {
                self.reachable = Some(true);
                self.logged_in = true;
                self.user = serde_json::to_value(&me.user).ok();
                self.org = serde_json::to_value(&me.org).ok();
                self.credential = Some(me.credential);
            }
            Answer::Failed(e) => {
                let answered = matches!(e, ClientError::Api { .. } | ClientError::Protocol { .. });
                self.reachable = Some(answered);
                let code = match &e {
                    ClientError::Api { code, .. } => code.to_string(),
                    ClientError::Unreachable { .. } => "unreachable".into(),
                    ClientError::Untrusted { .. } => "untrusted_certificate".into(),
                    ClientError::Timeout { .. } => "timeout".into(),
                    ClientError::Protocol { .. } => "protocol".into(),
                    ClientError::BadUrl(_) => "bad_url".into(),
                };
                self.fail(&code, e.to_string());
            }
            Answer::TimedOut => {
                self.reachable = Some(false);
                self.fail(
                    "timeout",
                    format!("no answer within {} seconds", PROFILE_TIMEOUT.as_secs()),
                );
            }
        }
    }
}

enum Answer {
    Me(Box<Me>),
    Failed(ClientError),
    TimedOut,
}

/// `GET /v1/me` on `server` with `credential` (or none, only to see the server answer).
async fn ask(server: String, credential: Option<Secret>) -> Answer {
    let client = match Client::new(&server, credential) {
        Ok(c) => c,
        Err(e) => return Answer::Failed(e),
    };
    match tokio::time::timeout(PROFILE_TIMEOUT, client.me()).await {
        Ok(Ok(me)) => Answer::Me(Box::new(me)),
        Ok(Err(e)) => Answer::Failed(e),
        Err(_) => Answer::TimedOut,
    }
}

pub(crate) async fn run(ctx: &Ctx) -> Result<u8, CliError> {
    let (config, _) = ctx.load_config()?;
    let active = ctx.profile_name().to_string();
    let keyring = Keyring::open();
    let env_token = std::env::var_os("TOKCTL_TOKEN")
        .filter(|v| !v.is_empty())
        .map(|v| Secret::new(v.to_string_lossy().into_owned()));

    let mut entries = Vec::new();
    let mut questions: Vec<(usize, String, Option<Secret>)> = Vec::new();

    if let Some(token) = env_token {
        let server = ctx
            .global
            .server
            .clone()
            .or_else(|| config.profiles.get(&active).map(|p| p.server.clone()));
        let mut e = Entry::new(&active, true, Source::Env, server.clone());
        e.in_use = true;
        match (secret::parse(token.expose()), server) {
            (Err(reason), _) => e.fail(
                ErrorCode::TokenMalformed.as_str(),
                format!("TOKCTL_TOKEN is malformed: {reason}"),
            ),
            (Ok(_), None) => e.fail(
                "no_server",
                "TOKCTL_TOKEN is set but no server is: pass --server URL or set TOKCTL_SERVER",
            ),
            (Ok(_), Some(server)) => questions.push((entries.len(), server, Some(token))),
        }
        entries.push(e);
    }
    let env_in_use = !entries.is_empty();

    let mut names: Vec<&String> = config.profiles.keys().collect();
    if !config.profiles.contains_key(&active) && !env_in_use {
        names.push(&active);
    }
    for name in names {
        let profile: Option<&Profile> = config.profiles.get(name);
        let is_active = *name == active;
        let mut e = Entry::new(
            name,
            is_active,
            Source::Keyring,
            profile.map(|p| p.server.clone()),
        );
        e.in_use = is_active && !env_in_use;
        let Some(profile) = profile else {
            e.fail(
                "not_logged_in",
                format!("no profile `{name}`: run `tokctl login`"),
            );
            entries.push(e);
            continue;
        };
        let stored = match &keyring {
            Err(err) => Err(err.to_string()),
            Ok(k) => k.get(name).map_err(|err| err.to_string()),
        };
        match stored {
            Err(reason) => {
                e.keyring = Some(KeyringState::Unavailable);
                e.fail("no_keyring", reason);
                questions.push((entries.len(), profile.server.clone(), None));
            }
            Ok(None) => {
                e.keyring = Some(KeyringState::Missing);
                e.fail(
                    "not_logged_in",
                    "no credential in the keyring: run `tokctl login`",
                );
                questions.push((entries.len(), profile.server.clone(), None));
            }
            Ok(Some(s)) => {
                e.keyring = Some(KeyringState::Present);
                e.login = Some(profile.keyring_kind(&s));
                match secret::parse(s.expose()) {
                    Err(reason) => e.fail(
                        ErrorCode::TokenMalformed.as_str(),
                        format!("the keyring holds a malformed secret: {reason}"),
                    ),
                    Ok(_) => questions.push((entries.len(), profile.server.clone(), Some(s))),
                }
            }
        }
        entries.push(e);
    }

    // Every server at once: the slowest profile sets the pace, not the sum of them.
    let mut asks = tokio::task::JoinSet::new();
    for (i, server, credential) in questions {
        let with_credential = credential.is_some();
        asks.spawn(async move { (i, with_credential, ask(server, credential).await) });
    }
    while let Some(done) = asks.join_next().await {
        let Ok((i, with_credential, answer)) = done else {
            continue;
        };
        let e = &mut entries[i];
        if with_credential {
            e.record(answer);
        } else {
            // Asked without a credential only to see whether the server answers: a 401 is
            // the answer expected; the entry keeps its own error.
            e.reachable = Some(matches!(
                answer,
                Answer::Me(_)
                    | Answer::Failed(ClientError::Api { .. } | ClientError::Protocol { .. })
            ));
        }
    }

    let code = exit_code(&entries);
    if ctx.global.json {
        output::json(&entries)?;
    } else {
        output::stdout(&human(&entries))?;
    }
    Ok(code)
}

/// 0 when the credential in use works; 3 when it is missing or refused; 8 when its server
/// cannot be asked. Other profiles' problems are reported, never fatal.
fn exit_code(entries: &[Entry]) -> u8 {
    match entries.iter().find(|e| e.in_use) {
        Some(e) if e.logged_in => 0,
        Some(e) if e.reachable == Some(false) && e.keyring != Some(KeyringState::Missing) => {
            if e.keyring == Some(KeyringState::Unavailable) {
                3
            } else {
                8
            }
        }
        _ => 3,
    }
}

fn human(entries: &[Entry]) -> String {
    let now = Utc::now();
    let mut out = String::new();
    if entries.is_empty() {
        return "No profiles: log in with `tokctl login`, or set TOKCTL_TOKEN.\n".into();
    }
    for e in entries {
        let mut title = match e.source {
            Source::Env => format!("TOKCTL_TOKEN (environment; profile `{}`)", e.profile),
            Source::Keyring => format!("profile `{}`", e.profile),
        };
        if e.in_use {
            title.push_str(" — in use");
        } else if e.active {
            title.push_str(" — active profile, overridden by TOKCTL_TOKEN");
        }
        out.push_str(&title);
        out.push('\n');
        let mut rows: Vec<(&str, String)> = Vec::new();
        let answers = match e.reachable {
            Some(true) => "answers",
            Some(false) => "does not answer",
            None => "not asked",
        };
        if let Some(server) = &e.server {
            rows.push(("server", format!("{server} ({answers})")));
        }
        if e.logged_in {
            let user = e.user.as_ref();
            let who = user
                .and_then(|u| u["email"].as_str().or(u["name"].as_str()))
                .unwrap_or("?");
            let role = user.and_then(|u| u["role"].as_str()).unwrap_or("?");
            let org = e
                .org
                .as_ref()
                .and_then(|o| o["name"].as_str())
                .unwrap_or("?");
            rows.push(("logged in", format!("as {who} ({role} in {org})")));
        } else {
            rows.push(("logged in", "no".into()));
        }
        if let Some(c) = &e.credential {
            let expires = match c.expires_at {
                Some(t) => output::when(t, now),
                None => "never".into(),
            };
            rows.push(("credential", format!("{} `{}` ({})", c.kind, c.name, c.id)));
            rows.push(("expires", expires));
        }
        if let Some(k) = e.keyring {
            let what = match e.login {
                Some(KeyringCredential::Session) => "session",
                Some(KeyringCredential::Token) => "token (login --with-token)",
                None => "credential",
            };
            let state = match k {
                KeyringState::Present => format!("{what} present"),
                KeyringState::Missing => "no credential".into(),
                KeyringState::Unavailable => "keyring unavailable".into(),
            };
            rows.push(("keyring", state));
        }
        if let Some(err) = &e.error {
            rows.push(("problem", err.message.clone()));
        }
        for line in output::details(&rows).lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    out.pop();
    out
}
