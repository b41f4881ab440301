//! Login passwords: Argon2id hashes (PHC strings) and the strength rule for new ones.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::TryRngCore;
use secrecy::SecretString;

pub(crate) use crate::api::limits::MIN_PASSWORD_LENGTH as MIN_LENGTH;

/// Why a new password is refused. Never carries the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum WeakPassword {
    #[error("the password is empty")]
    Empty,
    #[error("the password has {0} characters; use at least {MIN_LENGTH}")]
    TooShort(usize),
    #[error("the password repeats too few different characters; use at least 5 different ones")]
    TooUniform,
}

pub(crate) fn check_strength(password: &str) -> Result<(), WeakPassword> {
    let n = password.chars().count();
    if n == 0 {
        return Err(WeakPassword::Empty);
    }
    if n < MIN_LENGTH {
        return Err(WeakPassword::TooShort(n));
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return Err(WeakPassword::TooUniform);
    }
    Ok(())
}

/// Argon2id with the crate's default (OWASP-recommended) cost. CPU-heavy: call it from
/// `spawn_blocking` on the server.
pub(crate) fn hash(password: &str) -> Result<SecretString, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|_| argon2::password_hash::Error::Crypto)?;
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string()
        .into())
}

/// Checks a password against a stored hash; a missing or unreadable hash never matches.
pub(crate) fn verify(password: &str, stored: Option<&str>) -> bool {
    match stored.map(PasswordHash::new) {
        Some(Ok(parsed)) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        _ => {
            // Spend the same work on unknown accounts so timing does not tell who exists.
            let _ = hash(password);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert_eq!(check_strength(""), Err(WeakPassword::Empty));
        assert_eq!(check_strength("short"), Err(WeakPassword::TooShort(5)));
        assert_eq!(
            check_strength("aaaaaaaaaaaaaaaa"),
            Err(WeakPassword::TooUniform)
        );
        assert!(check_strength("correct horse battery").is_ok());
    }

    #[test]
    fn hashes_verify_and_are_argon2id() {
        let stored = hash("correct horse battery").unwrap();
        let h = stored.expose_secret();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(h)));
        assert!(!verify("wrong horse battery", Some(h)));
        assert!(!verify("anything", None));
    }

    #[test]
    fn a_member_record_never_shows_its_password_hash_in_debug() {
        let stored = hash("correct horse battery").unwrap();
        let phc = stored.expose_secret().to_owned();
        let user = crate::server::store::UserRecord {
            id: 1,
            org_id: 1,
            email: Some("a@example.com".into()),
            name: "a@example.com".into(),
            role: crate::api::perms::Role::Member,
            service: false,
            password_hash: Some(stored),
            created_at: chrono::Utc::now(),
            removed_at: None,
        };
        let shown = format!("{user:?}");
        assert!(shown.contains("a@example.com"), "{shown}");
        assert!(!shown.contains(&phc), "{shown}");
        assert!(!shown.contains("argon2"), "{shown}");
    }
}
