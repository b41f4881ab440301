//! The permission catalog, roles, and the algebra: effective permission = scopes ∩ role.
//!
//! Pure logic shared by server and CLI; a bitset so the hot path (every request, every verify)
//! costs a few instructions.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One permission of the catalog in DESIGN.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    WorkRead,
    WorkWrite,
    OrgRead,
    OrgSettingsWrite,
    MembersRead,
    MembersWrite,
    WorkspaceRead,
    WorkspaceWrite,
    TokensRead,
    TokensWrite,
    TokensAdmin,
    TokensVerify,
    AuditRead,
}

impl Permission {
    pub const ALL: [Permission; 13] = [
        Permission::WorkRead,
        Permission::WorkWrite,
        Permission::OrgRead,
        Permission::OrgSettingsWrite,
        Permission::MembersRead,
        Permission::MembersWrite,
        Permission::WorkspaceRead,
        Permission::WorkspaceWrite,
        Permission::TokensRead,
        Permission::TokensWrite,
        Permission::TokensAdmin,
        Permission::TokensVerify,
        Permission::AuditRead,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Permission::WorkRead => "work:read",
            Permission::WorkWrite => "work:write",
            Permission::OrgRead => "org:read",
            Permission::OrgSettingsWrite => "org:settings:write",
            Permission::MembersRead => "members:read",
            Permission::MembersWrite => "members:write",
            Permission::WorkspaceRead => "workspace:read",
            Permission::WorkspaceWrite => "workspace:write",
            Permission::TokensRead => "tokens:read",
            Permission::TokensWrite => "tokens:write",
            Permission::TokensAdmin => "tokens:admin",
            Permission::TokensVerify => "tokens:verify",
            Permission::AuditRead => "audit:read",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The resource part before the first `:` (`work`, `org`, `tokens`, …).
    pub(crate) fn resource(self) -> &'static str {
        self.as_str().split(':').next().unwrap_or_default()
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of permissions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PermSet(u16);

impl PermSet {
    pub(crate) const EMPTY: PermSet = PermSet(0);

    #[cfg(any(test, feature = "server"))]
    pub(crate) fn all() -> PermSet {
        Permission::ALL.into_iter().collect()
    }

    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    pub(crate) fn insert(&mut self, p: Permission) {
        self.0 |= p.bit();
    }

    pub fn intersect(self, other: PermSet) -> PermSet {
        PermSet(self.0 & other.0)
    }

    pub fn union(self, other: PermSet) -> PermSet {
        PermSet(self.0 | other.0)
    }

    /// Permissions in `self` that `other` lacks.
    pub fn minus(self, other: PermSet) -> PermSet {
        PermSet(self.0 & !other.0)
    }

    pub fn is_subset_of(self, other: PermSet) -> bool {
        self.minus(other).is_empty()
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }

    pub fn names(self) -> Vec<String> {
        self.iter().map(|p| p.as_str().to_string()).collect()
    }
}

impl FromIterator<Permission> for PermSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = PermSet::EMPTY;
        for p in iter {
            set.insert(p);
        }
        set
    }
}

/// A member's role in the org. Ordered: each role holds everything the one before it does.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Member,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Member, Role::Admin, Role::Owner];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    #[cfg(feature = "server")]
    pub(crate) fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The role with its indefinite article, for messages: "a viewer", "an admin".
    #[cfg(feature = "server")]
    pub(crate) fn with_article(self) -> &'static str {
        match self {
            Role::Viewer => "a viewer",
            Role::Member => "a member",
            Role::Admin => "an admin",
            Role::Owner => "an owner",
        }
    }

    /// What the role grants: viewer = every `:read` but audit:read, plus tokens:write;
    /// member adds work:write and workspace:write; admin adds members:write, tokens:admin,
    /// tokens:verify and audit:read; owner adds org:settings:write.
    pub fn permissions(self) -> PermSet {
        use Permission::*;
        let viewer: PermSet = [
            WorkRead,
            OrgRead,
            MembersRead,
            WorkspaceRead,
            TokensRead,
            TokensWrite,
        ]
        .into_iter()
        .collect();
        let member = viewer.union([WorkWrite, WorkspaceWrite].into_iter().collect());
        let admin = member.union(
            [MembersWrite, TokensAdmin, TokensVerify, AuditRead]
                .into_iter()
                .collect(),
        );
        match self {
            Role::Viewer => viewer,
            Role::Member => member,
            Role::Admin => admin,
            Role::Owner => admin.union([OrgSettingsWrite].into_iter().collect()),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scope string that names nothing in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope `{0}`; valid scopes: *, {valid}", valid = catalog_list())]
pub struct UnknownScope(pub(crate) String);

/// The catalog as one comma-separated line, for error messages and help.
pub(crate) fn catalog_list() -> String {
    let mut parts: Vec<String> = Permission::ALL
        .iter()
        .map(|p| p.as_str().to_string())
        .collect();
    let mut resources: Vec<&str> = Permission::ALL.iter().map(|p| p.resource()).collect();
    resources.dedup();
    parts.extend(resources.iter().map(|r| format!("{r}:*")));
    parts.join(", ")
}

/// What one scope string grants: `*` (None = the full role), `work:*`, or one permission.
pub fn parse_scope(s: &str) -> Result<Option<PermSet>, UnknownScope> {
    let s = s.trim();
    if s == "*" {
        return Ok(None);
    }
    if let Some(resource) = s.strip_suffix(":*") {
        let set: PermSet = Permission::ALL
            .into_iter()
            .filter(|p| p.resource() == resource)
            .collect();
        if set.is_empty() {
            return Err(UnknownScope(s.to_string()));
        }
        return Ok(Some(set));
    }
    Permission::parse(s)
        .map(|p| Some([p].into_iter().collect()))
        .ok_or_else(|| UnknownScope(s.to_string()))
}

/// Validates every scope and normalizes the list (trimmed, deduplicated, in the given order).
pub fn validate_scopes(scopes: &[String]) -> Result<Vec<String>, UnknownScope> {
    let mut out: Vec<String> = Vec::with_capacity(scopes.len());
    for s in scopes {
        parse_scope(s)?;
        let s = s.trim().to_string();
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

/// What a token's scopes ask for: None when blank or containing `*` (= the owner's full role).
/// Unknown scopes grant nothing (they are refused at mint, so this only guards old rows).
pub fn requested(scopes: &[String]) -> Option<PermSet> {
    if scopes.is_empty() {
        return None;
    }
    let mut set = PermSet::EMPTY;
    for s in scopes {
        match parse_scope(s) {
            Ok(None) => return None,
            Ok(Some(p)) => set = set.union(p),
            Err(_) => {}
        }
    }
    Some(set)
}

/// Effective permission of a token: its scopes ∩ its owner's current role, default deny.
pub fn effective_permissions(role: Role, scopes: &[String]) -> PermSet {
    match requested(scopes) {
        None => role.permissions(),
        Some(set) => set.intersect(role.permissions()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn roles_grant_what_design_says() {
        let viewer = Role::Viewer.permissions();
        assert!(viewer.contains(Permission::TokensWrite));
        assert!(!viewer.contains(Permission::AuditRead));
        assert!(!viewer.contains(Permission::WorkWrite));
        assert!(
            Role::Member
                .permissions()
                .contains(Permission::WorkspaceWrite)
        );
        assert!(!Role::Member.permissions().contains(Permission::TokensAdmin));
        assert!(Role::Admin.permissions().contains(Permission::TokensVerify));
        assert!(
            !Role::Admin
                .permissions()
                .contains(Permission::OrgSettingsWrite)
        );
        assert_eq!(Role::Owner.permissions(), PermSet::all());
        for pair in Role::ALL.windows(2) {
            assert!(pair[0].permissions().is_subset_of(pair[1].permissions()));
        }
    }

    #[test]
    fn blank_or_star_means_full_role_and_wildcards_expand() {
        assert_eq!(
            effective_permissions(Role::Member, &[]),
            Role::Member.permissions()
        );
        assert_eq!(
            effective_permissions(Role::Member, &s(&["work:read", "*"])),
            Role::Member.permissions()
        );
        let work = effective_permissions(Role::Viewer, &s(&["work:*"]));
        assert_eq!(work.names(), vec!["work:read"]);
        let work = effective_permissions(Role::Member, &s(&["work:*"]));
        assert_eq!(work.names(), vec!["work:read", "work:write"]);
    }

    #[test]
    fn scopes_beyond_the_role_grant_nothing() {
        let eff = effective_permissions(Role::Viewer, &s(&["audit:read", "tokens:admin"]));
        assert!(eff.is_empty());
    }

    #[test]
    fn unknown_scopes_are_refused_with_the_catalog() {
        let err = validate_scopes(&s(&["work:read", "work:delete"])).unwrap_err();
        assert_eq!(err.0, "work:delete");
        assert!(err.to_string().contains("tokens:verify"));
        assert!(parse_scope("nothing:*").is_err());
        assert!(parse_scope("").is_err());
        assert_eq!(
            validate_scopes(&s(&["work:read", " work:read "])).unwrap(),
            s(&["work:read"])
        );
    }
}
