//! The one line that says `TOKCTL_TOKEN` is used instead of the profile's keyring credential,
//! so nobody wonders why `whoami` shows a CI token on a laptop that is logged in.
//!
//! Not for: choosing the credential (`Ctx::client` does: the environment first). The keyring
//! is consulted only when `TOKCTL_TOKEN` is set and the config has the profile, so a command
//! without one pays nothing, and CI with no keyring gets no notice and no error.

use super::Ctx;
use crate::api::secret::Secret;
use crate::session::{Keyring, KeyringCredential};

/// Says on stderr (once, unless `--quiet`) that `token` from the environment is used although
/// the profile also holds a credential in the keyring. Any trouble reading the config or the
/// keyring means silence: this is advice, never a failure.
pub(crate) fn note_if_overriding_keyring(ctx: &Ctx, token: &Secret) {
    if ctx.global.quiet {
        return;
    }
    let name = ctx.profile_name();
    let Some(profile) = ctx
        .load_config()
        .ok()
        .and_then(|(c, _)| c.profiles.get(name).cloned())
    else {
        return;
    };
    // A keyring session for another server would not have been used anyway.
    if let Some(s) = &ctx.global.server
        && !super::same_server(s, &profile.server)
    {
        return;
    }
    let Ok(Some(stored)) = Keyring::open().and_then(|k| k.get(name)) else {
        return;
    };
    if stored.expose() == token.expose() {
        return;
    }
    let what = match profile.keyring_kind(&stored) {
        KeyringCredential::Session => "session",
        KeyringCredential::Token => "token (login --with-token)",
    };
    ctx.notice(format!(
        "note: using TOKCTL_TOKEN from the environment, not the {what} of profile `{name}` in the keyring (unset TOKCTL_TOKEN to use it)"
    ));
}
