//! CI trust (issue 27): a CI job proves who it is with its platform's OpenID Connect ID token
//! and gets a short-lived token of a service account, with no stored secret.
//!
//! - [`policies`]: `tokctl trust add|list|show|remove`, the rules of who may trust what.
//! - [`pattern`]: the `*` globs a policy matches claims with.
//! - [`id_token`]: the JWT checks (algorithm, signature, `iss`, `aud`, times, `jti`).
//! - [`jwks`]: the issuers' keys: discovery, the per-issuer cache and its refetch limit.
//! - [`exchange`]: the RFC 8693 exchange of an ID token for a token, and its refusals.
//! - [`refusal`]: why an exchange was refused, as the audit names it.
//!
//! Not here: the HTTP form and the RFC 6749 error body (`routes::oauth`, `api::oauth`).

pub(crate) mod exchange;
pub(crate) mod id_token;
pub(crate) mod jwks;
pub(crate) mod pattern;
pub(crate) mod policies;
pub(crate) mod refusal;
