//! DESIGN.md's permission catalog, roles and "scopes ∩ current role", written out by hand: the
//! one oracle the property suites (props, permission_matrix) judge the library and the server by.
//!
//! It is written from DESIGN.md alone and deliberately imports nothing from `tokctl::api::perms`:
//! an oracle derived from the code under test would agree with that code's mistakes. It says
//! what each role and scope list grants, not what an endpoint answers (that stays with the
//! suite that calls the endpoint).
#![allow(dead_code)]

use std::collections::BTreeSet;

/// DESIGN.md's permission catalog, in its order.
pub const CATALOG: [&str; 13] = [
    "work:read",
    "work:write",
    "org:read",
    "org:settings:write",
    "members:read",
    "members:write",
    "workspace:read",
    "workspace:write",
    "tokens:read",
    "tokens:write",
    "tokens:admin",
    "tokens:verify",
    "audit:read",
];

/// The scopes that name more than one permission: each resource's `res:*`, and `*`.
pub const WILDCARDS: [&str; 7] = [
    "work:*",
    "org:*",
    "members:*",
    "workspace:*",
    "tokens:*",
    "audit:*",
    "*",
];

/// Every scope a token may carry: each permission and each wildcard.
pub fn scopes() -> Vec<&'static str> {
    CATALOG.into_iter().chain(WILDCARDS).collect()
}

/// The roles, ordered so that `a <= b` means "b may do all a may" (DESIGN builds each role on
/// the one below it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    Member,
    Admin,
    Owner,
}

pub const ROLES: [Role; 4] = [Role::Viewer, Role::Member, Role::Admin, Role::Owner];

impl Role {
    /// The role's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// viewer = every `:read` but audit:read, plus tokens:write; member = viewer + work:write,
    /// workspace:write; admin = member + members:write, tokens:admin, tokens:verify, audit:read;
    /// owner = admin + org:settings:write.
    pub fn grants(self) -> BTreeSet<&'static str> {
        let mut set: BTreeSet<&str> = CATALOG
            .into_iter()
            .filter(|p| p.ends_with(":read") && *p != "audit:read")
            .collect();
        set.insert("tokens:write");
        if self >= Role::Member {
            set.extend(["work:write", "workspace:write"]);
        }
        if self >= Role::Admin {
            set.extend([
                "members:write",
                "tokens:admin",
                "tokens:verify",
                "audit:read",
            ]);
        }
        if self == Role::Owner {
            set.insert("org:settings:write");
        }
        set
    }
}

/// What a scope list asks for: None = "my full role" (blank or `*`); `res:*` = every `res:`
/// permission. Scopes are compared trimmed, as the API stores them.
pub fn asks(scopes: &[String]) -> Option<BTreeSet<&'static str>> {
    if scopes.is_empty() || scopes.iter().any(|s| s.trim() == "*") {
        return None;
    }
    Some(
        CATALOG
            .into_iter()
            .filter(|p| {
                scopes.iter().any(|s| {
                    let s = s.trim();
                    s == *p
                        || s.strip_suffix(":*")
                            .is_some_and(|r| p.split(':').next() == Some(r))
                })
            })
            .collect(),
    )
}

/// What a token holds: its scopes ∩ its owner's current role.
pub fn effective(role: Role, scopes: &[String]) -> BTreeSet<&'static str> {
    match asks(scopes) {
        None => role.grants(),
        Some(a) => a.intersection(&role.grants()).copied().collect(),
    }
}

/// What a token with `scopes`, owned by a member of `owner_role`, asks to hold (the no-escalation
/// rule compares this with the minting PAT's own permissions).
pub fn asked_for(scopes: &[String], owner_role: Role) -> BTreeSet<&'static str> {
    asks(scopes).unwrap_or_else(|| owner_role.grants())
}
