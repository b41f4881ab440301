//! Extractors whose rejections are [`ApiError`]s, so a malformed body, query or path gets the
//! same JSON error shape as everything else.

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::api::error::ErrorCode;

/// A JSON body: as an extractor, refused with an [`ApiError`]; as a response, written into one
/// buffer sized for a typical answer, where axum's `Json` grows a `BytesMut` through
/// `io::Write` a few bytes at a time (README "Performance" has the callgrind counts).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(1024);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(e) => ApiError::new(
                ErrorCode::Internal,
                format!("could not write the response: {e}"),
            )
            .into_response(),
        }
    }
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// A JSON body that may be absent: an empty body means `T::default()`.
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(
    body: &axum::body::Bytes,
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        // serde_json names the line/column and the expected type, never the input's text.
        ApiError::bad_request(format!("invalid JSON body: {e}"))
    })
}
