//! The checks of a CI provider's ID token, through `jsonwebtoken` (no signature code of our
//! own). The order matters: the algorithm is judged from the header before any key is looked
//! up, so `none` and HMAC (the algorithm-confusion attack: an HS256 "signature" made with the
//! issuer's *public* key) never reach a verifier.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::refusal::Refusal;

/// Allowed clock skew for `exp`, `nbf` and `iat`.
pub(crate) const LEEWAY_SECS: u64 = 60;

/// The only algorithms an ID token may be signed with.
const ALLOWED: [(&str, Algorithm); 3] = [
    ("RS256", Algorithm::RS256),
    ("ES256", Algorithm::ES256),
    ("EdDSA", Algorithm::EdDSA),
];

/// What can be read from a token before its signature is checked: only what is needed to find
/// the key. Nothing here is trusted.
#[derive(Debug, Clone)]
pub(crate) struct Unverified {
    pub alg: Algorithm,
    pub kid: Option<String>,
    pub issuer: String,
}

/// A verified ID token's claims.
#[derive(Debug, Clone)]
pub(crate) struct Verified {
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
    pub jti: String,
    pub expires_at: DateTime<Utc>,
    pub claims: Map<String, Value>,
}

fn segment_json(segment: &str) -> Result<Map<String, Value>, Refusal> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|_| Refusal::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| Refusal::Malformed)
}

/// Reads the header's `alg` and `kid` and the payload's `iss`, refusing any algorithm but
/// RS256, ES256 and EdDSA by its name (jsonwebtoken cannot even parse `"alg": "none"`).
pub(crate) fn peek(token: &str) -> Result<Unverified, Refusal> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Malformed);
    };
    let header = segment_json(header)?;
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(Refusal::Malformed)?;
    let alg = ALLOWED
        .iter()
        .find(|(name, _)| *name == alg)
        .map(|(_, a)| *a)
        .ok_or(Refusal::BadAlgorithm)?;
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .map(str::to_string);
    let issuer = segment_json(payload)?
        .get("iss")
        .and_then(Value::as_str)
        .ok_or(Refusal::Malformed)?
        .to_string();
    Ok(Unverified { alg, kid, issuer })
}

/// Whether a key may verify `alg`: its type fits, and its own `alg`, when it names one, is it.
pub(crate) fn key_fits(jwk: &Jwk, alg: Algorithm) -> bool {
    let type_fits = matches!(
        (&jwk.algorithm, alg),
        (AlgorithmParameters::RSA(_), Algorithm::RS256)
            | (AlgorithmParameters::EllipticCurve(_), Algorithm::ES256)
            | (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA)
    );
    let named_fits = match jwk.common.key_algorithm {
        None => true,
        Some(KeyAlgorithm::RS256) => alg == Algorithm::RS256,
        Some(KeyAlgorithm::ES256) => alg == Algorithm::ES256,
        Some(KeyAlgorithm::EdDSA) => alg == Algorithm::EdDSA,
        Some(_) => false,
    };
    type_fits && named_fits
}

/// Verifies the signature with `jwk`, `iss` exactly, `aud` containing one of `audiences`, the
/// times with [`LEEWAY_SECS`], and that `sub`, `jti` and `iat` are there.
pub(crate) fn verify(
    token: &str,
    unverified: &Unverified,
    jwk: &Jwk,
    audiences: &[&str],
    now: DateTime<Utc>,
) -> Result<Verified, Refusal> {
    use jsonwebtoken::errors::ErrorKind;
    if !key_fits(jwk, unverified.alg) {
        return Err(Refusal::BadSignature);
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|_| Refusal::BadSignature)?;
    let mut v = Validation::new(unverified.alg);
    v.leeway = LEEWAY_SECS;
    v.validate_exp = true;
    v.validate_nbf = true;
    v.validate_aud = true;
    v.set_audience(audiences);
    v.set_issuer(&[&unverified.issuer]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &v).map_err(|e| match e
        .kind()
    {
        ErrorKind::ExpiredSignature => Refusal::Expired,
        ErrorKind::ImmatureSignature => Refusal::NotYetValid,
        ErrorKind::InvalidAudience => Refusal::WrongAudience,
        ErrorKind::InvalidAlgorithm => Refusal::BadAlgorithm,
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat => Refusal::BadSignature,
        _ => Refusal::Malformed,
    })?;
    let claims = data.claims;
    let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_string);
    let number = |k: &str| claims.get(k).and_then(Value::as_i64);
    let iat = number("iat").ok_or(Refusal::Malformed)?;
    if iat > now.timestamp() + LEEWAY_SECS as i64 {
        return Err(Refusal::NotYetValid);
    }
    let exp = number("exp").ok_or(Refusal::Malformed)?;
    let expires_at = DateTime::from_timestamp(exp, 0).ok_or(Refusal::Malformed)?;
    let audiences = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => return Err(Refusal::Malformed),
    };
    let jti = text("jti").filter(|j| !j.is_empty() && j.len() <= 256);
    Ok(Verified {
        issuer: unverified.issuer.clone(),
        subject: text("sub").ok_or(Refusal::Malformed)?,
        audiences: dedup(audiences),
        jti: jti.ok_or(Refusal::Malformed)?,
        expires_at,
        claims,
    })
}

fn dedup(v: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    v.into_iter().filter(|a| seen.insert(a.clone())).collect()
}

/// A claim as text for pattern matching: strings as they are, booleans and numbers as JSON
/// writes them (GitLab's `ref_protected` is `"true"`, some issuers send `true`).
pub(crate) fn claim_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(v: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    #[test]
    fn none_and_hmac_are_refused_by_name_before_any_key() {
        let payload = b64(&serde_json::json!({"iss": "https://i"}));
        for alg in ["none", "None", "HS256", "HS512", "RS512", "PS256", ""] {
            let t = format!("{}.{payload}.", b64(&serde_json::json!({"alg": alg})));
            assert_eq!(peek(&t).unwrap_err(), Refusal::BadAlgorithm, "{alg}");
        }
        let t = format!(
            "{}.{payload}.sig",
            b64(&serde_json::json!({"alg": "ES256", "kid": "k"}))
        );
        let u = peek(&t).unwrap();
        assert_eq!(
            (u.alg, u.kid.as_deref(), u.issuer.as_str()),
            (Algorithm::ES256, Some("k"), "https://i")
        );
    }

    #[test]
    fn junk_is_malformed() {
        for t in ["", "a.b", "a.b.c.d", "!!.??.x"] {
            assert_eq!(peek(t).unwrap_err(), Refusal::Malformed, "{t}");
        }
    }
}
