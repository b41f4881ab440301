//! Audit writes off the request path: the buffered access log (and last-used times), and the
//! per-address cap on `auth.failed` rows. Events of changes are written by the store, in the
//! transactions of the changes they describe; reading them back is `service::audit`.

pub(crate) mod access_log;
pub mod failed_auth_cap;
