//! The one limit on request bodies, and its refusal.

use super::error::ApiError;
use crate::api::error::ErrorCode;

/// Request bodies are small JSON documents; anything bigger is refused with 413.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// A request body over [`BODY_LIMIT`].
pub(crate) fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the request body is larger than {BODY_LIMIT} bytes"),
    )
}
