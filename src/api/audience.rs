//! A token's audience (RFC 8707 resource indicators): the resources it may be presented to.
//!
//! An empty list restricts nothing (every token made before audiences existed). A non-empty list
//! is exact: the resource a token is presented to must be one of its entries, compared byte for
//! byte after the transport's own decoding (a query parameter's percent-decoding), never
//! normalized (`https://a.example` and `https://a.example/` are two resources). tokctl's own API
//! (`/v1`, `/mcp`) is the resource [`TOKCTL`]. A child's list may only narrow its parent's.

#[cfg(feature = "server")]
/// The audience naming tokctl's own API: a token whose list lacks it cannot call `/v1` or `/mcp`.
pub(crate) const TOKCTL: &str = "tokctl";
/// The most resources one token may name.
pub(crate) const MAX_AUDIENCE: usize = 16;
/// The longest resource identifier.
pub(crate) const MAX_RESOURCE: usize = 256;

#[cfg(feature = "server")]
/// Whether a token with `audience` may be presented to `resource`.
pub(crate) fn allows(audience: &[String], resource: &str) -> bool {
    audience.is_empty() || audience.iter().any(|a| a == resource)
}

#[cfg(feature = "server")]
/// The entries of `asked` that a parent with audience `parent` does not allow: a child may only
/// narrow (a parent without a list allows any).
pub(crate) fn beyond<'a>(parent: &[String], asked: &'a [String]) -> Vec<&'a str> {
    asked
        .iter()
        .filter(|a| !allows(parent, a))
        .map(String::as_str)
        .collect()
}

#[cfg(feature = "server")]
/// What a child asking for `asked` gets from a parent with `parent`: its parent's list when it
/// asks for none (it inherits), else what it asked (checked with [`beyond`] first).
pub(crate) fn inherit(parent: &[String], asked: &[String]) -> Vec<String> {
    if asked.is_empty() {
        parent.to_vec()
    } else {
        asked.to_vec()
    }
}

#[cfg(feature = "server")]
/// Checks a list as a request gives it and returns it without duplicates, in order: at most
/// [`MAX_AUDIENCE`] entries, each 1–[`MAX_RESOURCE`] visible ASCII characters (a URI such as
/// `https://mcp.example.com/mcp` or a name such as `tokctl`), none shaped like a secret.
pub(crate) fn normalize(list: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for entry in list {
        check_resource(entry)?;
        if !out.contains(entry) {
            out.push(entry.clone());
        }
    }
    if out.len() > MAX_AUDIENCE {
        return Err(format!(
            "names {} resources; at most {MAX_AUDIENCE}",
            out.len()
        ));
    }
    Ok(out)
}

/// One resource identifier: 1–256 visible ASCII characters, not a secret.
pub(crate) fn check_resource(entry: &str) -> Result<(), String> {
    if entry.is_empty() {
        return Err("has an empty entry".into());
    }
    if entry.len() > MAX_RESOURCE {
        return Err(format!(
            "has an entry of {} characters; at most {MAX_RESOURCE}",
            entry.len()
        ));
    }
    if !entry.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(
            "has an entry with a space, a control or a non-ASCII character; resource \
             identifiers are URIs (percent-encode) or plain names"
                .into(),
        );
    }
    if super::secret::looks_like_secret(entry) {
        return Err("has an entry shaped like a tokctl secret".into());
    }
    Ok(())
}

#[cfg(all(test, feature = "server"))]
mod tests {
    use super::*;

    fn list(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_empty_list_allows_everything_and_a_list_only_its_entries() {
        assert!(allows(&[], "https://a.example"));
        let aud = list(&["https://a.example", TOKCTL]);
        assert!(allows(&aud, "https://a.example"));
        assert!(allows(&aud, TOKCTL));
        for other in [
            "https://a.example/",
            "HTTPS://A.EXAMPLE",
            "https://b.example",
            "https%3A%2F%2Fa.example",
            "",
        ] {
            assert!(!allows(&aud, other), "{other}");
        }
    }

    #[test]
    fn children_only_narrow_and_inherit_when_silent() {
        let parent = list(&["a", "b"]);
        assert!(beyond(&parent, &list(&["a"])).is_empty());
        assert_eq!(beyond(&parent, &list(&["a", "c"])), ["c"]);
        assert!(beyond(&[], &list(&["c"])).is_empty());
        assert_eq!(inherit(&parent, &[]), parent);
        assert_eq!(inherit(&parent, &list(&["b"])), list(&["b"]));
    }

    #[test]
    fn entries_are_checked_and_deduplicated() {
        assert_eq!(
            normalize(&list(&["a", "a", "b"])).unwrap(),
            list(&["a", "b"])
        );
        assert!(normalize(&list(&[""])).is_err());
        assert!(normalize(&list(&["a b"])).is_err());
        assert!(normalize(&list(&["é"])).is_err());
        assert!(normalize(&["x".repeat(257)]).is_err());
        assert!(normalize(&list(&["tokctl_pat_abc"])).is_err());
        let many: Vec<String> = (0..17).map(|i| format!("r{i}")).collect();
        assert!(normalize(&many).is_err());
    }
}
