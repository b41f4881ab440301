//! The contract shared by server and client: token format, permission algebra, durations,
//! wire types, error codes and refusal reasons. Nothing here does I/O.

pub mod duration;
pub mod error;
pub mod leaks;
pub mod limits;
pub mod perms;
pub mod reason;
pub mod schema;
pub mod secret;
pub mod session_name;
pub mod types;
pub mod validate;
