//! Extractors whose rejections are [`ApiError`]s, so a malformed body, query or path gets the
//! same JSON error shape as everything else.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::api::error::ErrorCode;

/// A JSON body: as an extractor, refused with an [`ApiError`] (see [`parse_json`]); as a
/// response, axum's `Json`.
pub(crate) struct Json<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::bad_request(
                "the body must be JSON, sent with `Content-Type: application/json`",
            ));
        }
        let body = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ErrorCode::PayloadTooLarge, "the request body is too large")
            } else {
                ApiError::bad_request(format!("could not read the body: {}", r.body_text()))
            }
        })?;
        parse_json(&body).map(Json)
    }
}

/// `application/json`, with parameters or not, or any `application/…+json`, as axum's `Json`.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let essence = essence.to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// Reads a JSON body. Well-formed JSON of the wrong shape (`"name": 5`, `"role": 7`, a missing
/// field) is a refused value like every other validation error: 422, naming the field. Only a
/// body that is not JSON at all is a malformed request: 400. (axum's own rejection answers
/// 400 for both, and calls some shape errors syntax errors: serde_json reports an enum given a
/// number as "expected value".)
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // Every request body is a JSON object, but serde's derived structs also take an array of
    // their fields in order (`[]` would be an empty rotate request): refuse one here, as the
    // document does.
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::invalid(
            "invalid JSON body: the body must be a JSON object",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de)
        .map_err(|e| (e.path().to_string(), e.into_inner()))
        .and_then(|v| de.end().map(|()| v).map_err(|e| (".".to_string(), e)))
        .map_err(|(path, inner)| {
            // The path and serde_json's message name the field, the expected type and the
            // position, never the input's text: safe when the body held a secret.
            let message = if path == "." {
                format!("invalid JSON body: {inner}")
            } else {
                format!("invalid JSON body: `{path}`: {inner}")
            };
            if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
                ApiError::invalid(message)
            } else {
                ApiError::bad_request(message)
            }
        })
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub(crate) struct Query<T>(pub(crate) T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(crate) struct Path<T>(pub(crate) T);

/// A JSON body that may be absent: an empty body, or JSON `null`, means `T::default()`.
/// Like [`Json`], JSON of the wrong shape is refused with 422 and a body that is not JSON with 400.
pub(crate) fn optional_json<T: serde::de::DeserializeOwned + Default>(
    body: &axum::body::Bytes,
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    parse_json::<Option<T>>(body).map(Option::unwrap_or_default)
}
