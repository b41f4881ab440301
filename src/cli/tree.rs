//! Delegation as text: `tokctl list --tree` draws each token under the token that minted it,
//! `tokctl show` prints a child's chain from its root (docs/delegation.md).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use super::output;
use crate::api::types::{TokenInfo, TokenStatus};

/// `tk_root → tk_mid → tk_this (depth 2)`.
pub(super) fn chain_line(ids: &[String], depth: u32) -> String {
    format!("{} (depth {depth})", ids.join(" → "))
}

/// One line per token, children under their parent in the order listed. A token whose parent
/// is not in the listing (revoked, expired, or another member's) starts a tree of its own,
/// naming that parent.
pub(super) fn draw(tokens: &[TokenInfo], now: DateTime<Utc>) -> String {
    let listed: HashSet<&str> = tokens.iter().map(|t| t.id.as_str()).collect();
    let mut children: BTreeMap<&str, Vec<&TokenInfo>> = BTreeMap::new();
    let mut roots = Vec::new();
    for t in tokens {
        match t.parent.as_deref().filter(|p| listed.contains(p)) {
            Some(p) => children.entry(p).or_default().push(t),
            None => roots.push(t),
        }
    }
    let mut out = String::new();
    for root in roots {
        out.push_str(&label(root, now));
        if let Some(p) = &root.parent {
            out.push_str(&format!("  (delegated from {p}, not listed)"));
        }
        out.push('\n');
        branch(&mut out, root, &children, "", now);
    }
    out
}

fn branch(
    out: &mut String,
    parent: &TokenInfo,
    children: &BTreeMap<&str, Vec<&TokenInfo>>,
    indent: &str,
    now: DateTime<Utc>,
) {
    let Some(kids) = children.get(parent.id.as_str()) else {
        return;
    };
    for (i, kid) in kids.iter().enumerate() {
        let last = i + 1 == kids.len();
        out.push_str(indent);
        out.push_str(if last { "└─ " } else { "├─ " });
        out.push_str(&label(kid, now));
        out.push('\n');
        let deeper = format!("{indent}{}", if last { "   " } else { "│  " });
        branch(out, kid, children, &deeper, now);
    }
}

fn label(t: &TokenInfo, now: DateTime<Utc>) -> String {
    let status = match t.status {
        TokenStatus::Active => match t.expires_at {
            Some(at) => format!("expires {}", output::when(at, now)),
            None => "never expires".into(),
        },
        // `revoked (leaked)` as `list` and `show` say it.
        _ => output::status_label(t).to_string(),
    };
    format!(
        "{} {} ({}, {}) {status}",
        t.id,
        t.name,
        t.kind,
        if t.scopes.is_empty() {
            "*".to_string()
        } else {
            t.scopes.join(" ")
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::secret::TokenType;
    use crate::api::types::RateLimit;

    fn tok(id: &str, parent: Option<&str>, depth: u32) -> TokenInfo {
        TokenInfo {
            id: id.into(),
            name: format!("n{id}"),
            kind: TokenType::Pat,
            owner: "a@example.com".into(),
            scopes: vec!["work:read".into()],
            created_at: Utc::now(),
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
            revoked_reason: None,
            status: TokenStatus::Active,
            rate_limit: RateLimit {
                per_minute: 1,
                per_hour: 1,
            },
            allowed_cidrs: vec![],
            description: None,
            previous_secret_expires_at: None,
            parent: parent.map(str::to_string),
            depth,
            audience: vec![],
            via: None,
        }
    }

    #[test]
    fn children_hang_under_their_parent_and_orphans_name_theirs() {
        let tokens = [
            tok("tk_c", Some("tk_b"), 2),
            tok("tk_b", Some("tk_a"), 1),
            tok("tk_d", Some("tk_a"), 1),
            tok("tk_a", None, 0),
            tok("tk_o", Some("tk_gone"), 1),
        ];
        let text = draw(&tokens, Utc::now());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("tk_a "), "{text}");
        assert!(lines[1].starts_with("├─ tk_b "), "{text}");
        assert!(lines[2].starts_with("│  └─ tk_c "), "{text}");
        assert!(lines[3].starts_with("└─ tk_d "), "{text}");
        assert!(lines[4].starts_with("tk_o "), "{text}");
        assert!(
            lines[4].ends_with("(delegated from tk_gone, not listed)"),
            "{text}"
        );
        assert_eq!(lines.len(), 5);
    }

    #[test]
    fn a_leaked_token_says_so_and_its_descendants_say_why_they_ended() {
        let mut root = tok("tk_a", None, 0);
        root.status = TokenStatus::Revoked;
        root.revoked_reason = Some(crate::api::leaks::LEAKED.into());
        let mut child = tok("tk_b", Some("tk_a"), 1);
        child.status = TokenStatus::Revoked;
        child.revoked_reason = Some("ancestor leaked".into());
        let text = draw(&[root, child], Utc::now());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with(" revoked (leaked)"), "{text}");
        assert!(lines[1].ends_with(" revoked"), "{text}");
    }

    #[test]
    fn a_chain_reads_from_the_root() {
        let ids = ["tk_a".to_string(), "tk_b".into()];
        assert_eq!(chain_line(&ids, 1), "tk_a → tk_b (depth 1)");
    }
}
