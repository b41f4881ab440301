//! The client's address: the connecting peer, or what a trusted reverse proxy says it is.
//!
//! `X-Forwarded-For` / `X-Real-IP` are believed only when the peer is inside a
//! `--trusted-proxy` CIDR; anyone else could write any address into them.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    if !trusted.iter().any(|net| net.contains(&peer)) {
        return peer;
    }
    // Walk X-Forwarded-For from the right: the first hop not itself a trusted proxy is the client.
    if let Some(xff) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        let hops: Vec<IpAddr> = xff
            .split(',')
            .filter_map(|h| h.trim().parse::<IpAddr>().ok())
            .collect();
        if let Some(ip) = hops
            .iter()
            .rev()
            .find(|ip| !trusted.iter().any(|net| net.contains(*ip)))
        {
            return *ip;
        }
        if let Some(first) = hops.first() {
            return *first;
        }
    }
    headers
        .get("x-real-ip")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_headers_from_untrusted_peers_are_ignored() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "10.1.2.3"), ("x-real-ip", "10.1.2.3")]);
        assert_eq!(client_ip(peer, &h, &[]), peer);
        let trusted: Vec<IpNet> = vec!["127.0.0.0/8".parse().unwrap()];
        assert_eq!(client_ip(peer, &h, &trusted), peer);
    }

    #[test]
    fn trusted_proxy_forwarded_for_is_believed_rightmost_untrusted_hop() {
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let trusted: Vec<IpNet> = vec!["127.0.0.0/8".parse().unwrap()];
        let h = headers(&[("x-forwarded-for", "198.51.100.1, 10.0.0.7, 127.0.0.2")]);
        assert_eq!(
            client_ip(peer, &h, &trusted),
            "10.0.0.7".parse::<IpAddr>().unwrap()
        );
        let h = headers(&[("x-real-ip", "10.9.9.9")]);
        assert_eq!(
            client_ip(peer, &h, &trusted),
            "10.9.9.9".parse::<IpAddr>().unwrap()
        );
        let h = headers(&[("x-forwarded-for", "garbage")]);
        assert_eq!(client_ip(peer, &h, &trusted), peer);
    }
}
