//! Claim patterns: exact text, or `*` globs matched against the whole value (`*` matches any
//! run of characters, `/` and `:` included; there is no other special character).

/// Whether `value` matches `pattern` in full.
pub(crate) fn matches(pattern: &str, value: &str) -> bool {
    let (p, v) = (pattern.as_bytes(), value.as_bytes());
    // The classic linear-time wildcard walk: remember the last `*` and where the value stood
    // then, and on a mismatch let that `*` swallow one more byte.
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, vi));
            pi += 1;
        } else if pi < p.len() && p[pi] == v[vi] {
            pi += 1;
            vi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// Whether a pattern has any literal text: `*`, `**` and the empty pattern trust everyone.
pub(crate) fn has_literal(pattern: &str) -> bool {
    pattern.chars().any(|c| c != '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_values_only() {
        assert!(matches(
            "repo:acme/api:ref:refs/heads/main",
            "repo:acme/api:ref:refs/heads/main"
        ));
        assert!(!matches(
            "repo:acme/api:ref:refs/heads/main",
            "repo:acme/api:ref:refs/heads/main2"
        ));
        assert!(!matches("repo:acme/api", "xrepo:acme/api"));
        assert!(matches(
            "repo:acme/*:environment:prod",
            "repo:acme/web:environment:prod"
        ));
        assert!(!matches(
            "repo:acme/*:environment:prod",
            "repo:acme/web:environment:prod-2"
        ));
        assert!(!matches(
            "repo:acme/*:environment:prod",
            "repo:acmeevil/web:environment:prod"
        ));
        assert!(matches("*", ""));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("refs/heads/*", "refs/heads/feature/x"));
        assert!(!matches("", "x"));
    }

    #[test]
    fn a_pattern_of_stars_alone_has_no_literal() {
        assert!(!has_literal("*"));
        assert!(!has_literal("**"));
        assert!(has_literal("repo:*"));
    }
}
