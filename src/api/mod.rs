//! The contract shared by server and client: token format, permission algebra, durations,
//! wire types, error codes and refusal reasons. Nothing here does I/O.

pub(crate) mod audience;
pub mod duration;
pub mod error;
pub(crate) mod leaks;
pub(crate) mod limits;
pub(crate) mod oauth;
pub mod perms;
#[cfg(feature = "server")]
pub(crate) mod reason;
pub(crate) mod schema;
pub mod secret;
pub(crate) mod session_name;
pub(crate) mod trust;
pub mod types;
pub(crate) mod validate;
