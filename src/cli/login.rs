//! `tokctl login`, `tokctl logout`, `tokctl whoami`: the session in the OS keyring and who the
//! credential is.

use std::time::Duration;

use chrono::Utc;

use super::args::{LoginArgs, LogoutArgs};
use super::{CliError, CredentialSource, Ctx, output, prompt, read_secret_line};
use crate::api::secret::{self, Secret};
use crate::api::session_name::cli_session_name;
use crate::api::types::{Me, RevokeRequest};
use crate::client::{Client, ClientError};
use crate::session::{Keyring, KeyringCredential, Profile};

pub(crate) async fn login(ctx: &Ctx, a: LoginArgs) -> Result<u8, CliError> {
    if a.oidc {
        return super::oidc_login::run(ctx, a).await;
    }
    let (mut config, path) = ctx.load_config()?;
    let profile_name = ctx.profile_name().to_string();
    let existing = config.profiles.get(&profile_name).cloned();
    let server = match (&ctx.global.server, &existing) {
        (Some(s), _) => s.clone(),
        (None, Some(p)) => p.server.clone(),
        (None, None) if ctx.can_prompt() => prompt::input(ctx, "Server URL", None)?,
        (None, None) => {
            return Err(prompt::missing(
                "--server URL",
                Some("or set TOKCTL_SERVER".into()),
            ));
        }
    };
    let anonymous = Client::new(&server, None)?;
    let server = anonymous.server();

    let (session, me, created) = if a.with_token {
        let token = if !ctx.stdin_tty || !ctx.can_prompt() {
            read_secret_line("--with-token")?
        } else {
            prompt::password(ctx, "Token", false)?
        };
        secret::parse(token.expose()).map_err(|reason| CliError::MalformedSecret {
            source_name: "the token given with --with-token",
            reason,
        })?;
        Keyring::open()?;
        let me = Client::new(&server, Some(token.clone()))?.me().await?;
        (token, me, false)
    } else {
        let same_server = existing
            .as_ref()
            .is_some_and(|p| p.server.trim_end_matches('/') == server);
        let remembered = existing
            .as_ref()
            .filter(|_| same_server)
            .and_then(|p| p.email.clone());
        let email = match a.email.clone() {
            Some(e) => e,
            None if ctx.can_prompt() => prompt::input(ctx, "Email", remembered.as_deref())?,
            None => match remembered {
                Some(e) => e,
                None => return Err(prompt::missing("--email EMAIL", None)),
            },
        };
        let password: Secret = if a.password_stdin {
            read_secret_line("--password-stdin")?
        } else if ctx.can_prompt() {
            prompt::password(ctx, "Password", false)?
        } else {
            return Err(prompt::missing(
                "--password-stdin",
                Some("pipe the password in: tokctl login --email E --password-stdin < file".into()),
            ));
        };
        let session_name = a
            .session_name
            .clone()
            .unwrap_or_else(|| cli_session_name(&host_name()));
        // The keyring is checked before the server: a session that could not be kept is
        // never created.
        Keyring::open()?;
        let issued = anonymous.login(&email, password, &session_name).await?;
        let me = Client::new(&server, Some(issued.secret.clone()))?
            .me()
            .await?;
        (issued.secret, me, true)
    };

    let keyring = Keyring::open();
    // What the profile held before, to revoke once the new session is safely stored.
    let previous = match (&keyring, &existing) {
        (Ok(k), Some(p)) => k.get(&profile_name).ok().flatten().map(|s| (p.clone(), s)),
        _ => None,
    };
    let stored = keyring.and_then(|k| k.set(&profile_name, &session));
    if let Err(e) = stored {
        if created {
            // Do not leave a live session behind that nobody holds.
            if let Ok(c) = Client::new(&server, Some(session)) {
                let _ = c.logout().await;
            }
        }
        return Err(e.into());
    }
    config.profiles.insert(
        profile_name.clone(),
        Profile {
            server: server.clone(),
            email: me.user.email.clone(),
            credential: Some(if created {
                KeyringCredential::Session
            } else {
                KeyringCredential::Token
            }),
        },
    );
    config.save(&path)?;
    let previous_revoked = match previous {
        Some((old, secret)) => revoke_previous_session(ctx, &old, secret, &session).await,
        None => false,
    };

    if ctx.global.json {
        output::json(&serde_json::json!({
            "profile": profile_name,
            "server": server,
            "user": me.user,
            "org": me.org,
            "credential": me.credential,
            "previous_session_revoked": previous_revoked,
        }))?;
    } else {
        let now = Utc::now();
        let kind = if created { "session" } else { "token" };
        let expires = me
            .credential
            .expires_at
            .map(|t| format!("; the {kind} expires {}", output::when(t, now)))
            .unwrap_or_default();
        let replaced = if previous_revoked {
            " The profile's previous session is revoked."
        } else {
            ""
        };
        ctx.notice(format!(
            "Logged in to {server} as {} ({} in {}){expires}. The {kind} `{}` is in the OS keyring (profile `{profile_name}`).{replaced}",
            who(&me),
            me.user.role,
            me.org.name,
            me.credential.name,
        ));
    }
    Ok(0)
}

/// How long a login waits for the server to revoke the session it replaces.
const REVOKE_PREVIOUS_TIMEOUT: Duration = Duration::from_secs(10);

/// A new login replaces the profile's previous session: revoke it on the server it was made
/// on (a token given with `--with-token` is not ours to revoke). True when it was revoked now.
/// Failure is not an error: an expired or already revoked session needs nothing, and anything
/// else gets one plain line, since the session expires by itself.
async fn revoke_previous_session(ctx: &Ctx, old: &Profile, secret: Secret, new: &Secret) -> bool {
    if secret.expose() == new.expose() || old.keyring_kind(&secret) != KeyringCredential::Session {
        return false;
    }
    let Ok(client) = Client::new(&old.server, Some(secret)) else {
        return false;
    };
    match tokio::time::timeout(REVOKE_PREVIOUS_TIMEOUT, client.logout()).await {
        Ok(Ok(r)) => !r.already_revoked,
        // Expired or revoked already (401), or not a session after all (422): nothing to do.
        Ok(Err(ClientError::Api {
            status: 401 | 422, ..
        })) => false,
        Ok(Err(e)) => {
            ctx.notice(format!(
                "note: the profile's previous session could not be revoked on {} ({e}); it expires by itself (`tokctl list --type ses` shows it).",
                old.server
            ));
            false
        }
        Err(_) => {
            ctx.notice(format!(
                "note: {} did not answer in time to revoke the profile's previous session; it expires by itself (`tokctl list --type ses` shows it).",
                old.server
            ));
            false
        }
    }
}

/// This machine's host name, for the default session name `cli@<hostname>`; empty when the
/// system will not say.
fn host_name() -> String {
    #[cfg(unix)]
    {
        // The node name of uname(2) is what gethostname(2) returns.
        rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned()
    }
    #[cfg(not(unix))]
    {
        std::env::var("COMPUTERNAME").unwrap_or_default()
    }
}

fn who(me: &Me) -> String {
    me.user
        .email
        .clone()
        .unwrap_or_else(|| me.user.name.clone())
}

pub(crate) async fn logout(ctx: &Ctx, a: LogoutArgs) -> Result<u8, CliError> {
    let (config, _) = ctx.load_config()?;
    let profile_name = ctx.profile_name().to_string();
    let Some(profile) = config.profiles.get(&profile_name).cloned() else {
        return nothing_to_do(ctx, &profile_name, None);
    };
    let keyring = Keyring::open()?;
    let Some(session) = keyring.get(&profile_name)? else {
        return nothing_to_do(ctx, &profile_name, Some(&profile.server));
    };
    if profile.keyring_kind(&session) == KeyringCredential::Token {
        return forget_token(ctx, &keyring, &profile_name, &profile, session, a.revoke).await;
    }
    let server_result = match Client::new(&profile.server, Some(session)) {
        Ok(c) => c.logout().await.map(|_| ()),
        Err(e) => Err(e),
    };
    // Whatever the server said, the session leaves this machine.
    keyring.delete(&profile_name)?;
    let revoked = match server_result {
        Ok(()) => true,
        // Already expired or revoked: nothing left to revoke.
        Err(ClientError::Api { status: 401, .. }) => true,
        Err(e) => {
            ctx.warn(format!(
                "the session was removed from this machine, but the server could not revoke it: {e}"
            ));
            ctx.warn("it stays valid on the server until it expires; revoke it from elsewhere with `tokctl list --type ses` and `tokctl revoke ID`");
            if ctx.global.json {
                output::json(&serde_json::json!({
                    "profile": profile_name, "server": profile.server, "revoked": false,
                }))?;
            }
            return Err(e.into());
        }
    };
    if ctx.global.json {
        output::json(&serde_json::json!({
            "profile": profile_name, "server": profile.server, "revoked": revoked,
        }))?;
    } else {
        ctx.notice(format!(
            "Logged out of {} (profile `{profile_name}`): the session is revoked and gone from the keyring.",
            profile.server
        ));
    }
    Ok(0)
}

/// How long logout waits to learn a token's id for its advice (the token is forgotten anyway).
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Logout after `login --with-token`: the token leaves the keyring; it is revoked on the server
/// only with `--revoke` (it may be a CI token or someone's PAT that lives on elsewhere).
async fn forget_token(
    ctx: &Ctx,
    keyring: &Keyring,
    profile_name: &str,
    profile: &Profile,
    token: Secret,
    revoke: bool,
) -> Result<u8, CliError> {
    let client = Client::new(&profile.server, Some(token))?;
    let me = if revoke {
        client.me().await
    } else {
        // Only for the advice: which id to revoke. Unreachable or slow is fine.
        tokio::time::timeout(LOOKUP_TIMEOUT, client.me())
            .await
            .unwrap_or_else(|_| {
                Err(ClientError::Unreachable {
                    url: profile.server.clone(),
                    reason: "no answer in time".into(),
                })
            })
    };
    let credential = me.as_ref().ok().map(|m| m.credential.clone());
    let mut revoked = false;
    if revoke {
        match me {
            Ok(m) => {
                let req = RevokeRequest {
                    reason: Some("logout".into()),
                    dry_run: false,
                };
                if let Err(e) = client.revoke(&m.credential.id, &req).await {
                    ctx.warn("nothing changed: the token is still valid and still in the keyring");
                    return Err(e.into());
                }
                revoked = true;
            }
            // Expired or revoked already: nothing left to revoke.
            Err(ClientError::Api { status: 401, .. }) => {}
            Err(e) => {
                ctx.warn("nothing changed: the token is still valid and still in the keyring");
                return Err(e.into());
            }
        }
    }
    keyring.delete(profile_name)?;
    if ctx.global.json {
        output::json(&serde_json::json!({
            "profile": profile_name,
            "server": profile.server,
            "revoked": revoked,
            "token": credential,
        }))?;
        return Ok(0);
    }
    let label = match &credential {
        Some(c) => format!("token `{}` ({})", c.name, c.id),
        None => "token".to_string(),
    };
    if revoked {
        ctx.notice(format!(
            "Logged out of {} (profile `{profile_name}`): the {label} is revoked and gone from the keyring.",
            profile.server
        ));
    } else if revoke {
        ctx.notice(format!(
            "Logged out of {} (profile `{profile_name}`): the token was no longer valid; it is gone from the keyring.",
            profile.server
        ));
    } else {
        let id = credential.as_ref().map_or("ID", |c| c.id.as_str());
        ctx.notice(format!(
            "Logged out of {} (profile `{profile_name}`): the {label} is gone from the keyring, but it stays valid on the server.\nTo revoke it: `tokctl revoke {id}`, or log out with `tokctl logout --revoke`.",
            profile.server
        ));
    }
    Ok(0)
}

fn nothing_to_do(ctx: &Ctx, profile: &str, server: Option<&str>) -> Result<u8, CliError> {
    if ctx.global.json {
        output::json(&serde_json::json!({
            "profile": profile, "server": server, "revoked": false,
        }))?;
    } else {
        ctx.notice(format!(
            "Not logged in (profile `{profile}`): nothing to log out of."
        ));
    }
    Ok(0)
}

pub(crate) async fn whoami(ctx: &Ctx) -> Result<u8, CliError> {
    let client = ctx.client()?;
    let me = client.me().await?;
    warn_of_leaks(ctx, &me.leaked_tokens);
    if ctx.global.json {
        let mut doc = serde_json::to_value(&me).map_err(|e| CliError::Io {
            context: "encoding JSON".into(),
            source: std::io::Error::other(e),
        })?;
        if let Some(obj) = doc.as_object_mut() {
            obj.insert("server".into(), client.server().into());
        }
        output::json(&doc)?;
        return Ok(0);
    }
    let now = Utc::now();
    let c = &me.credential;
    let user = match (&me.user.email, me.user.service) {
        (_, true) => format!("{} (service account)", me.user.name),
        (Some(e), false) if e != &me.user.name && !me.user.name.is_empty() => {
            format!("{e} ({})", me.user.name)
        }
        (Some(e), false) => e.clone(),
        (None, false) => me.user.name.clone(),
    };
    let source = match ctx.credential_source() {
        Some(CredentialSource::Env) => " from TOKCTL_TOKEN",
        Some(CredentialSource::Keyring) => " from the keyring",
        None => "",
    };
    let kind = match c.kind {
        secret::TokenType::Ses => "session".to_string(),
        k => format!("{k} `{}`", c.name),
    };
    let expires = match c.expires_at {
        Some(t) => output::when(t, now),
        None => "never".into(),
    };
    let rows = vec![
        ("user", user),
        ("org", me.org.name.clone()),
        ("role", me.user.role.to_string()),
        ("server", client.server()),
        ("credential", format!("{kind} ({}){source}", c.id)),
        ("expires", expires),
        ("scopes", output::scopes_label(&c.scopes)),
        ("permissions", me.permissions.join(", ")),
    ];
    let mut rows = rows;
    if let Some(v) = &c.via {
        rows.extend(output::via_rows(v));
    }
    output::stdout(&output::details(&rows))?;
    Ok(0)
}

/// On stderr, one warning per token of the owner's revoked as leaked in the last 7 days (the
/// server lists them in `/v1/me`), naming it and where it was found, whichever credential asks.
fn warn_of_leaks(ctx: &Ctx, leaks: &[crate::api::leaks::LeakNotice]) {
    let now = Utc::now();
    let printable = |s: &str| s.replace(char::is_control, " ");
    for leak in leaks {
        let place = match &leak.url {
            Some(url) => format!(" at {}", printable(url)),
            None => String::new(),
        };
        let by = match &leak.source {
            Some(source) => format!(", reported by {}", printable(source)),
            None => String::new(),
        };
        ctx.warn(format!(
            "a token of yours leaked: `{}` ({}) was found{place}{by}, and was revoked {}. \
             Replace it where it was used (`tokctl mint {}`), and find how it got there.",
            printable(&leak.name),
            leak.id,
            output::relative(leak.leaked_at, now),
            printable(&leak.name),
        ));
    }
}
