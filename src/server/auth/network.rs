//! A token's allowed networks: the one rule every surface applies to the address a credential
//! is used from.

use std::net::IpAddr;

use crate::server::store::TokenRecord;

/// Whether `ip` is inside one of the token's allowed networks (always, when it has none).
/// An address seen as IPv4-mapped IPv6 (`::ffff:10.0.0.1`) counts as its IPv4 address.
pub(crate) fn network_allows(token: &TokenRecord, ip: Option<IpAddr>) -> bool {
    if token.allowed_cidrs.is_empty() {
        return true;
    }
    let Some(ip) = ip.map(|ip| ip.to_canonical()) else {
        return false;
    };
    token
        .allowed_cidrs
        .iter()
        .filter_map(|c| c.parse::<ipnet::IpNet>().ok())
        .any(|net| net.contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::secret::TokenType;
    use crate::api::types::RateLimit;
    use chrono::Utc;

    fn token(cidrs: &[&str]) -> TokenRecord {
        let now = Utc::now();
        TokenRecord {
            parent_id: None,
            depth: 0,
            id: "tk_x".into(),
            org_id: 1,
            user_id: 1,
            owner: "a@example.com".into(),
            name: "x".into(),
            kind: TokenType::Pat,
            scopes: vec![],
            created_at: now,
            issued_at: now,
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
            revoke_reason: None,
            rate_limit: RateLimit {
                per_minute: 1,
                per_hour: 1,
            },
            allowed_cidrs: cidrs.iter().map(|s| s.to_string()).collect(),
            description: None,
            prev_expires_at: None,
            audience: Vec::new(),
            via: None,
        }
    }

    #[test]
    fn networks_are_checked_by_address() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert!(network_allows(&token(&[]), None));
        let t = token(&["10.0.0.0/8", "2001:db8::/32"]);
        assert!(network_allows(&t, ip("10.1.2.3")));
        assert!(network_allows(&t, ip("::ffff:10.1.2.3")));
        assert!(network_allows(&t, ip("2001:db8::1")));
        assert!(!network_allows(&t, ip("192.168.1.1")));
        assert!(!network_allows(&t, None));
    }
}
