//! GitHub's secret-scanning signing keys, and the check of a signed leak report
//! (`POST /v1/leaks/github`).
//!
//! GitHub signs each report's raw body with ECDSA P-256 over SHA-256 and names the key in
//! `Github-Public-Key-Identifier`; the base64 DER signature is in
//! `Github-Public-Key-Signature`. Its keys are published as
//! `{"public_keys": [{"key_identifier", "key" (PEM), "is_current"}]}` at a URL
//! (`--github-scanning-keys-url`, fetched when first needed and kept an hour) or read from a
//! file at start (`--github-scanning-keys FILE`, offline). Keys no longer current still verify:
//! GitHub may deliver a report signed before it rotated. The cryptography is RustCrypto's
//! `p256`; nothing here computes a curve operation itself.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::Deserialize;

/// Where GitHub publishes its secret-scanning keys.
pub(crate) const DEFAULT_KEYS_URL: &str = "https://api.github.com/meta/public_keys/secret_scanning";

/// How long a fetched key list is used before it is fetched again.
const KEEP_FOR: Duration = Duration::from_secs(3600);
/// A report naming a key not in the list fetches the list again, but not more often than this:
/// made-up key ids must not turn into a stream of requests to GitHub.
const REFETCH_AFTER: Duration = Duration::from_secs(60);
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// A key list is a few kilobytes; anything far larger is not one.
const MAX_LIST_BYTES: usize = 256 * 1024;

#[derive(Deserialize)]
struct KeyList {
    public_keys: Vec<PublishedKey>,
}

#[derive(Deserialize)]
struct PublishedKey {
    key_identifier: String,
    key: String,
    #[serde(default)]
    #[allow(dead_code)] // read for the shape; every listed key verifies
    is_current: bool,
}

type Keys = Arc<HashMap<String, VerifyingKey>>;

/// Why a report's signature was not accepted (each a 401; nothing is revoked).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum SignatureError {
    #[error("missing the `{0}` header")]
    Missing(&'static str),
    #[error("the `{0}` header was given more than once")]
    Repeated(&'static str),
    #[error("`Github-Public-Key-Signature` is not a base64 DER ECDSA signature")]
    Malformed,
    #[error("no GitHub secret-scanning key has that `Github-Public-Key-Identifier`")]
    UnknownKey,
    #[error("the signature does not match the body")]
    Mismatch,
    #[error("GitHub's key list could not be read: {0}")]
    KeysUnavailable(String),
}

enum Source {
    File,
    Url(String),
}

pub(crate) struct GithubKeys {
    source: Source,
    /// The keys and when they were read (None until first needed, for a URL).
    keys: Mutex<Option<(Instant, Keys)>>,
    /// One fetch at a time; the others wait for its result.
    fetching: tokio::sync::Mutex<()>,
    /// When a fetch last failed, and why: for [`REFETCH_AFTER`] reports are answered with that
    /// failure rather than waiting on GitHub again.
    failed: Mutex<Option<(Instant, String)>>,
}

impl GithubKeys {
    /// Keys read now from a file (`--github-scanning-keys`); an unreadable file is an error at
    /// start, not a refusal of every report later.
    pub(crate) fn from_file(path: &Path) -> Result<GithubKeys, String> {
        let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let keys = parse_key_list(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(GithubKeys {
            source: Source::File,
            keys: Mutex::new(Some((Instant::now(), Arc::new(keys)))),
            fetching: tokio::sync::Mutex::new(()),
            failed: Mutex::new(None),
        })
    }

    /// Keys fetched from `url` when first needed.
    pub(crate) fn from_url(url: String) -> GithubKeys {
        GithubKeys {
            source: Source::Url(url),
            keys: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
            failed: Mutex::new(None),
        }
    }

    /// Checks `signature` (base64 DER) over `body` with the key named `key_id`.
    pub(crate) async fn verify(
        &self,
        key_id: &str,
        signature: &str,
        body: &[u8],
    ) -> Result<(), SignatureError> {
        let signature = base64::engine::general_purpose::STANDARD
            .decode(signature.trim())
            .ok()
            .and_then(|der| DerSignature::from_bytes(&der).ok())
            .ok_or(SignatureError::Malformed)?;
        let key = self.key(key_id).await?;
        key.verify(body, &signature)
            .map_err(|_| SignatureError::Mismatch)
    }

    async fn key(&self, key_id: &str) -> Result<VerifyingKey, SignatureError> {
        let url = match &self.source {
            Source::File => {
                return self
                    .cached(|_| true)
                    .and_then(|keys| keys.get(key_id).copied())
                    .ok_or(SignatureError::UnknownKey);
            }
            Source::Url(url) => url,
        };
        let fresh = |at: Instant| at.elapsed() < KEEP_FOR;
        if let Some(key) = self.cached(fresh).and_then(|k| k.get(key_id).copied()) {
            return Ok(key);
        }
        let _one_fetch = self.fetching.lock().await;
        // A list read moments ago (by the fetch this one waited for, or before) is the answer,
        // known id or not.
        if let Some(keys) = self.cached(|at| at.elapsed() < REFETCH_AFTER) {
            return keys.get(key_id).copied().ok_or(SignatureError::UnknownKey);
        }
        if let Some((at, why)) = &*self.failed.lock().unwrap_or_else(|e| e.into_inner())
            && at.elapsed() < REFETCH_AFTER
        {
            return Err(SignatureError::KeysUnavailable(why.clone()));
        }
        let keys = match fetch(url).await {
            Ok(keys) => Arc::new(keys),
            Err(why) => {
                *self.failed.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((Instant::now(), why.clone()));
                return Err(SignatureError::KeysUnavailable(why));
            }
        };
        *self.lock() = Some((Instant::now(), Arc::clone(&keys)));
        keys.get(key_id).copied().ok_or(SignatureError::UnknownKey)
    }

    fn cached(&self, usable: impl Fn(Instant) -> bool) -> Option<Keys> {
        self.lock()
            .as_ref()
            .filter(|(at, _)| usable(*at))
            .map(|(_, keys)| Arc::clone(keys))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, Keys)>> {
        // Only whole values are ever stored.
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Where the keys come from, for the server's arguments.
pub(crate) fn configured(file: Option<&PathBuf>, url: &str) -> Result<GithubKeys, String> {
    match file {
        Some(path) => GithubKeys::from_file(path),
        None => Ok(GithubKeys::from_url(url.to_string())),
    }
}

async fn fetch(url: &str) -> Result<HashMap<String, VerifyingKey>, String> {
    let client = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .user_agent(concat!("tokctl/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client
        .get(url)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("{url}: HTTP {}", resp.status()));
    }
    let body = resp.bytes().await.map_err(|e| format!("{url}: {e}"))?;
    if body.len() > MAX_LIST_BYTES {
        return Err(format!(
            "{url}: the answer is larger than {MAX_LIST_BYTES} bytes"
        ));
    }
    parse_key_list(&body).map_err(|e| format!("{url}: {e}"))
}

/// The keys of a published list, by identifier. A list with no usable key is an error.
pub(crate) fn parse_key_list(json: &[u8]) -> Result<HashMap<String, VerifyingKey>, String> {
    let list: KeyList = serde_json::from_slice(json).map_err(|e| format!("not a key list: {e}"))?;
    let mut keys = HashMap::new();
    for k in list.public_keys {
        let key = VerifyingKey::from_public_key_pem(k.key.trim()).map_err(|e| {
            format!(
                "key `{}` is not a P-256 public key in PEM: {e}",
                k.key_identifier
            )
        })?;
        keys.insert(k.key_identifier, key);
    }
    if keys.is_empty() {
        return Err("the list holds no key".into());
    }
    Ok(keys)
}

/// The one value of a header that must appear exactly once.
pub(crate) fn single_header<'h>(
    headers: &'h axum::http::HeaderMap,
    name: &'static str,
) -> Result<&'h str, SignatureError> {
    let mut values = headers.get_all(name).iter();
    let value = values.next().ok_or(SignatureError::Missing(name))?;
    if values.next().is_some() {
        return Err(SignatureError::Repeated(name));
    }
    value.to_str().map_err(|_| SignatureError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer;
    use p256::pkcs8::{EncodePublicKey, LineEnding};

    fn key_list(id: &str, key: &SigningKey) -> Vec<u8> {
        let pem = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        serde_json::to_vec(&serde_json::json!({"public_keys": [
            {"key_identifier": id, "key": pem, "is_current": true}
        ]}))
        .unwrap()
    }

    fn signing_key(seed: u8) -> SigningKey {
        SigningKey::from_slice(&[seed; 32]).unwrap()
    }

    fn keys_from(list: &[u8]) -> GithubKeys {
        GithubKeys {
            source: Source::File,
            keys: Mutex::new(Some((
                Instant::now(),
                Arc::new(parse_key_list(list).unwrap()),
            ))),
            fetching: tokio::sync::Mutex::new(()),
            failed: Mutex::new(None),
        }
    }

    fn sign(key: &SigningKey, body: &[u8]) -> String {
        let sig: p256::ecdsa::Signature = key.sign(body);
        base64::engine::general_purpose::STANDARD.encode(sig.to_der().as_bytes())
    }

    #[tokio::test]
    async fn a_signature_verifies_only_over_its_body_with_its_key() {
        let (key, other) = (signing_key(7), signing_key(9));
        let keys = keys_from(&key_list("k1", &key));
        let body = br#"[{"token":"x","type":"tokctl_pat","url":"u","source":"content"}]"#;
        let sig = sign(&key, body);
        assert_eq!(keys.verify("k1", &sig, body).await, Ok(()));
        assert_eq!(
            keys.verify("k1", &sig, b"[]").await,
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            keys.verify("k2", &sig, body).await,
            Err(SignatureError::UnknownKey)
        );
        assert_eq!(
            keys.verify("k1", &sign(&other, body), body).await,
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            keys.verify("k1", "not base64!", body).await,
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn a_list_without_a_valid_key_is_refused() {
        assert!(parse_key_list(b"{}").is_err());
        assert!(parse_key_list(br#"{"public_keys": []}"#).is_err());
        assert!(
            parse_key_list(br#"{"public_keys": [{"key_identifier": "a", "key": "x"}]}"#).is_err()
        );
    }
}
