//! `tokctl login`, `tokctl logout`, `tokctl whoami`: the session in the OS keyring and who the
//! credential is.

use chrono::Utc;

use super::args::LoginArgs;
use super::{CliError, CredentialSource, Ctx, output, prompt, read_secret_line};
use crate::api::secret::{self, Secret};
use crate::api::types::Me;
use crate::client::{Client, ClientError};
use crate::session::{Keyring, Profile};

pub async fn login(ctx: &Ctx, a: LoginArgs) -> Result<u8, CliError> {
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
        // The keyring is checked before the server: a session that could not be kept is
        // never created.
        Keyring::open()?;
        let issued = anonymous.login(&email, password).await?;
        let me = Client::new(&server, Some(issued.secret.clone()))?
            .me()
            .await?;
        (issued.secret, me, true)
    };

    let stored = Keyring::open().and_then(|k| k.set(&profile_name, &session));
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
        },
    );
    config.save(&path)?;

    if ctx.global.json {
        output::json(&serde_json::json!({
            "profile": profile_name,
            "server": server,
            "user": me.user,
            "org": me.org,
            "credential": me.credential,
        }))?;
    } else {
        let now = Utc::now();
        let expires = me
            .credential
            .expires_at
            .map(|t| format!("; session expires {}", output::when(t, now)))
            .unwrap_or_default();
        ctx.notice(format!(
            "Logged in to {server} as {} ({} in {}){expires}. The session is in the OS keyring (profile `{profile_name}`).",
            who(&me),
            me.user.role,
            me.org.name
        ));
    }
    Ok(0)
}

fn who(me: &Me) -> String {
    me.user
        .email
        .clone()
        .unwrap_or_else(|| me.user.name.clone())
}

pub async fn logout(ctx: &Ctx) -> Result<u8, CliError> {
    let (config, _) = ctx.load_config()?;
    let profile_name = ctx.profile_name().to_string();
    let Some(profile) = config.profiles.get(&profile_name).cloned() else {
        return nothing_to_do(ctx, &profile_name, None);
    };
    let keyring = Keyring::open()?;
    let Some(session) = keyring.get(&profile_name)? else {
        return nothing_to_do(ctx, &profile_name, Some(&profile.server));
    };
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

pub async fn whoami(ctx: &Ctx) -> Result<u8, CliError> {
    let client = ctx.client()?;
    let me = client.me().await?;
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
    output::stdout(&output::details(&rows))?;
    Ok(0)
}
