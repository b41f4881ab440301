//! The issuers' signing keys: OpenID Connect discovery (`<issuer>/.well-known/openid-configuration`
//! → `jwks_uri`), a cache per issuer, and the refetch rule: a `kid` the cache lacks triggers one
//! refetch, never more than once per [`JwksCache::min_refetch`] per issuer (an attacker sending
//! made-up `kid`s cannot make the server hammer an issuer), and a set older than [`MAX_AGE`] is
//! fetched again before use (a key the issuer removed stops working within that time).
//!
//! Only issuers a trust policy names are ever fetched (the caller checks that first), over
//! https, or plain http on a loopback address; redirects are not followed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::Jwk;
use serde::Deserialize;

use super::refusal::Refusal;

/// A key set older than this is fetched again before it is used.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(10 * 60);
/// The least time between two fetches of one issuer's keys (DESIGN: once a minute).
pub(crate) const MIN_REFETCH: Duration = Duration::from_secs(60);
/// Discovery documents and key sets larger than this are refused.
const MAX_BODY: usize = 256 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Slot {
    keys: Option<Arc<Vec<Jwk>>>,
    fetched_at: Option<Instant>,
    /// Fetches of this issuer so far (for the tests of the refetch rule, via the log).
    fetches: u64,
}

pub(crate) struct JwksCache {
    min_refetch: Duration,
    http: reqwest::Client,
    /// One async lock per issuer: concurrent exchanges wait for one fetch instead of each
    /// making their own, and a slow issuer holds up only its own exchanges.
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Slot>>>>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

/// Whether a URL may be fetched: https, or http to a loopback address (local issuers, tests).
pub(crate) fn fetchable(url: &reqwest::Url) -> bool {
    match url.scheme() {
        "https" => url.host_str().is_some(),
        "http" => url.host_str().is_some_and(|h| {
            h.eq_ignore_ascii_case("localhost")
                || h.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }),
        _ => false,
    }
}

/// Keys of a JWK Set document, skipping keys this server cannot use (a `kty` it does not
/// know must not make the issuer's other keys unusable).
pub(crate) fn parse_key_set(body: &[u8]) -> Result<Vec<Jwk>, String> {
    let doc: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let keys = doc
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("no `keys` array")?;
    Ok(keys
        .iter()
        .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
        .collect())
}

/// Finds the key for `kid`; without a `kid`, the set's only key, if it has exactly one.
pub(crate) fn find<'a>(keys: &'a [Jwk], kid: Option<&str>) -> Option<&'a Jwk> {
    match kid {
        Some(kid) => keys
            .iter()
            .find(|k| k.common.key_id.as_deref() == Some(kid)),
        None if keys.len() == 1 => keys.first(),
        None => None,
    }
}

impl JwksCache {
    pub(crate) fn new(min_refetch: Duration) -> JwksCache {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tokctl-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        JwksCache {
            min_refetch,
            http,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, issuer: &str) -> Arc<tokio::sync::Mutex<Slot>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(slots.entry(issuer.to_string()).or_default())
    }

    /// The key `kid` of `issuer`, from the cache or, when the cache lacks it (or is older than
    /// [`MAX_AGE`]), from one fetch within the refetch limit.
    pub(crate) async fn key(&self, issuer: &str, kid: Option<&str>) -> Result<Jwk, Refusal> {
        let slot = self.slot(issuer);
        let mut slot = slot.lock().await;
        let age = slot.fetched_at.map(|t| t.elapsed());
        let fresh = age.is_some_and(|a| a < MAX_AGE);
        if fresh && let Some(k) = slot.keys.as_ref().and_then(|keys| find(keys, kid)) {
            return Ok(k.clone());
        }
        let may_fetch = age.is_none_or(|a| a >= self.min_refetch);
        if may_fetch {
            slot.fetched_at = Some(Instant::now());
            slot.fetches += 1;
            match self.fetch(issuer).await {
                Ok(keys) => {
                    tracing::info!(
                        issuer,
                        keys = keys.len(),
                        fetches = slot.fetches,
                        "fetched the issuer's keys"
                    );
                    slot.keys = Some(Arc::new(keys));
                }
                Err(e) => {
                    tracing::warn!(issuer, error = %e, "cannot fetch the issuer's keys");
                    slot.keys = None;
                    return Err(Refusal::IssuerUnavailable);
                }
            }
        } else if !fresh {
            return Err(Refusal::IssuerUnavailable);
        }
        slot.keys
            .as_ref()
            .and_then(|keys| find(keys, kid))
            .cloned()
            .ok_or(Refusal::UnknownKey)
    }

    async fn fetch(&self, issuer: &str) -> Result<Vec<Jwk>, String> {
        let base = issuer.trim_end_matches('/');
        let discovery_url =
            reqwest::Url::parse(&format!("{base}/.well-known/openid-configuration"))
                .map_err(|e| format!("issuer URL: {e}"))?;
        if !fetchable(&discovery_url) {
            return Err("the issuer is neither https nor a loopback address".into());
        }
        let doc: Discovery = serde_json::from_slice(&self.get(discovery_url).await?)
            .map_err(|e| format!("discovery document: {e}"))?;
        // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
        if doc.issuer != issuer {
            return Err(format!(
                "the discovery document names issuer `{}`, not `{issuer}`",
                doc.issuer
            ));
        }
        let jwks_url = reqwest::Url::parse(&doc.jwks_uri).map_err(|e| format!("jwks_uri: {e}"))?;
        if !fetchable(&jwks_url) {
            return Err("jwks_uri is neither https nor a loopback address".into());
        }
        parse_key_set(&self.get(jwks_url).await?)
    }

    async fn get(&self, url: reqwest::Url) -> Result<Vec<u8>, String> {
        let mut resp = self
            .http
            .get(url.clone())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("{url}: HTTP {}", resp.status().as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| format!("{url}: {e}"))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(format!("{url}: larger than {MAX_BODY} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// Keys pinned on a policy with `--jwks-file`.
pub(crate) fn pinned(json: &str) -> Result<Vec<Jwk>, Refusal> {
    parse_key_set(json.as_bytes()).map_err(|_| Refusal::IssuerUnavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_is_fetched() {
        let ok = |u: &str| fetchable(&reqwest::Url::parse(u).unwrap());
        assert!(ok(
            "https://token.actions.githubusercontent.com/.well-known/openid-configuration"
        ));
        assert!(ok("http://127.0.0.1:9/x"));
        assert!(ok("http://[::1]:9/x"));
        assert!(ok("http://localhost:9/x"));
        assert!(!ok("http://10.0.0.1/x"));
        assert!(!ok("http://127.0.0.1.evil.example/x"));
        assert!(!ok("ftp://127.0.0.1/x"));
        assert!(!ok("file:///etc/passwd"));
    }
}
