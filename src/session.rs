//! Where the command line keeps a login: the session secret in the OS keyring (Secret Service
//! on Linux, Keychain on macOS, Credential Manager on Windows), the non-secret profile (server
//! URL, email) in a JSON file in the config dir.
//!
//! Not for: any secret on disk. There is no plaintext fallback: with no usable keyring the
//! error says so and points to `TOKCTL_TOKEN`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
use serde::{Deserialize, Serialize};

use crate::api::secret::Secret;

/// The keyring service name every profile's entry is stored under (the entry's user is the
/// profile name): `secret-tool lookup service tokctl username PROFILE` reads it back.
pub(crate) const KEYRING_SERVICE: &str = "tokctl";

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No usable keyring: no D-Bus session, no Secret Service, or a locked or missing login
    /// keyring. The text says what the store reported (never a secret).
    #[error("no usable OS keyring: {0}")]
    NoKeyring(String),
    #[error("the keyring refused the operation: {0}")]
    Keyring(String),
    #[error("no config directory: HOME is not set")]
    NoConfigDir,
    #[error("cannot {action} {path}: {source}")]
    Config {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid tokctl config file: {source}")]
    ConfigFormat {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// What a profile remembers besides its secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Profile {
    pub(crate) server: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    /// What the keyring holds for this profile: a session `tokctl login` made (logout revokes
    /// it) or a secret given with `login --with-token` (logout only forgets it). None in a
    /// config written before this was recorded: [`Profile::keyring_kind`] then goes by the
    /// secret's type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) credential: Option<KeyringCredential>,
}

/// How the profile's keyring secret came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum KeyringCredential {
    /// Made by `tokctl login` with a password: this machine's own session.
    Session,
    /// Given with `tokctl login --with-token`: it lives on after logout unless revoked.
    Token,
}

impl Profile {
    /// What the stored `secret` is: as recorded, else a session secret counts as a session.
    pub(crate) fn keyring_kind(&self, secret: &Secret) -> KeyringCredential {
        match self.credential {
            Some(k) => k,
            None if secret.expose().starts_with("tokctl_ses_") => KeyringCredential::Session,
            None => KeyringCredential::Token,
        }
    }
}

/// The config file: profiles by name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Config {
    #[serde(default)]
    pub(crate) profiles: BTreeMap<String, Profile>,
}

/// The config file's path: `$XDG_CONFIG_HOME/tokctl/config.json` on Linux, the platform's
/// config dir elsewhere.
pub(crate) fn config_path() -> Result<PathBuf, SessionError> {
    let dirs = directories::ProjectDirs::from("", "", "tokctl").ok_or(SessionError::NoConfigDir)?;
    Ok(dirs.config_dir().join("config.json"))
}

impl Config {
    pub(crate) fn load(path: &Path) -> Result<Config, SessionError> {
        match std::fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|source| SessionError::ConfigFormat {
                    path: path.to_path_buf(),
                    source,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(SessionError::Config {
                action: "read",
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Writes the file whole, through a sibling file renamed into place so a crash never
    /// leaves half a config. The file holds no secret.
    pub(crate) fn save(&self, path: &Path) -> Result<(), SessionError> {
        let err = |action, source| SessionError::Config {
            action,
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err("create the directory of", e))?;
        }
        let mut bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| err("write", std::io::Error::other(e.to_string())))?;
        bytes.push(b'\n');
        let tmp = path.with_extension("json.new");
        std::fs::write(&tmp, bytes).map_err(|e| err("write", e))?;
        std::fs::rename(&tmp, path).map_err(|e| err("write", e))
    }
}

/// The OS keyring, or a store passed in by a test.
#[derive(Clone)]
pub(crate) struct Keyring {
    store: Arc<CredentialStore>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring")
    }
}

impl Keyring {
    /// The platform's keyring. Connecting is cheap to fail: no bus or no Secret Service is
    /// reported at once, never a hang.
    pub(crate) fn open() -> Result<Keyring, SessionError> {
        platform_store().map(|store| Keyring { store })
    }

    #[cfg(test)]
    pub(crate) fn with_store(store: Arc<CredentialStore>) -> Keyring {
        Keyring { store }
    }

    fn entry(&self, profile: &str) -> Result<Entry, SessionError> {
        self.store
            .build(KEYRING_SERVICE, profile, None)
            .map_err(map_error)
    }

    /// The profile's session secret; None when nothing is stored (not logged in).
    pub(crate) fn get(&self, profile: &str) -> Result<Option<Secret>, SessionError> {
        match self.entry(profile)?.get_password() {
            Ok(s) => Ok(Some(Secret::new(s))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    pub(crate) fn set(&self, profile: &str, secret: &Secret) -> Result<(), SessionError> {
        self.entry(profile)?
            .set_password(secret.expose())
            .map_err(map_error)
    }

    /// Deletes the profile's session; true when there was one.
    pub(crate) fn delete(&self, profile: &str) -> Result<bool, SessionError> {
        match self.entry(profile)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_error(e)),
        }
    }
}

/// Store failures that mean "there is no usable keyring here" versus a refusal of one call.
fn map_error(e: keyring_core::Error) -> SessionError {
    use keyring_core::Error as E;
    match e {
        E::PlatformFailure(_) | E::NoStorageAccess(_) | E::NoDefaultStore => {
            SessionError::NoKeyring(e.to_string())
        }
        other => SessionError::Keyring(other.to_string()),
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> Result<Arc<CredentialStore>, SessionError> {
    let store = zbus_secret_service_keyring_store::Store::new().map_err(map_error)?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<Arc<CredentialStore>, SessionError> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(map_error)?;
    Ok(store)
}

#[cfg(windows)]
fn platform_store() -> Result<Arc<CredentialStore>, SessionError> {
    let store = windows_native_keyring_store::Store::new().map_err(map_error)?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn platform_store() -> Result<Arc<CredentialStore>, SessionError> {
    Err(SessionError::NoKeyring(
        "this platform has no supported keyring".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock() -> Keyring {
        Keyring::with_store(keyring_core::mock::Store::new().unwrap())
    }

    #[test]
    fn set_get_delete_round_trip() {
        let k = mock();
        assert!(k.get("default").unwrap().is_none());
        k.set("default", &Secret::new("tokctl_ses_x".into()))
            .unwrap();
        assert_eq!(k.get("default").unwrap().unwrap().expose(), "tokctl_ses_x");
        assert!(k.get("other").unwrap().is_none());
        assert!(k.delete("default").unwrap());
        assert!(!k.delete("default").unwrap());
    }

    #[test]
    fn an_old_profile_goes_by_the_secret_type() {
        let old: Profile = serde_json::from_str(r#"{"server": "http://x"}"#).unwrap();
        assert_eq!(old.credential, None);
        let ses = Secret::new("tokctl_ses_x".into());
        let pat = Secret::new("tokctl_pat_x".into());
        assert_eq!(old.keyring_kind(&ses), KeyringCredential::Session);
        assert_eq!(old.keyring_kind(&pat), KeyringCredential::Token);
        let given = Profile {
            credential: Some(KeyringCredential::Token),
            ..old
        };
        assert_eq!(given.keyring_kind(&ses), KeyringCredential::Token);
    }

    #[test]
    fn store_failures_mean_no_keyring() {
        let err = map_error(keyring_core::Error::NoStorageAccess(Box::new(
            std::io::Error::other("locked"),
        )));
        assert!(matches!(err, SessionError::NoKeyring(_)));
        assert!(matches!(
            map_error(keyring_core::Error::NoDefaultStore),
            SessionError::NoKeyring(_)
        ));
    }

    #[test]
    fn config_round_trips_and_holds_no_secret_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokctl/config.json");
        assert!(Config::load(&path).unwrap().profiles.is_empty());
        let mut c = Config::default();
        c.profiles.insert(
            "default".into(),
            Profile {
                server: "http://127.0.0.1:8700".into(),
                email: Some("a@example.com".into()),
                credential: Some(KeyringCredential::Token),
            },
        );
        c.save(&path).unwrap();
        let back = Config::load(&path).unwrap();
        assert_eq!(back.profiles, c.profiles);
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains(r#""credential": "token""#)
        );
        std::fs::write(&path, "nonsense").unwrap();
        assert!(matches!(
            Config::load(&path),
            Err(SessionError::ConfigFormat { .. })
        ));
    }
}
