//! The server's error type and its one mapping to HTTP: `{"error": {"code", "message"}}`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::error::{ErrorBody, ErrorCode, ErrorDetail};
use crate::server::store::StoreError;

/// An error answered to the client. The message is written for the person reading it and
/// never contains a secret.
#[derive(Debug)]
pub struct ApiError {
    pub(crate) code: ErrorCode,
    pub message: String,
    /// Seconds, for 429 answers.
    pub(crate) retry_after: Option<u64>,
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Invalid, message)
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::BadRequest, message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Forbidden, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::NotFound, message)
    }

    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Conflict, message)
    }

    pub(crate) fn rate_limited(message: impl Into<String>, retry_after: u64) -> Self {
        ApiError {
            code: ErrorCode::RateLimited,
            message: message.into(),
            retry_after: Some(retry_after.max(1)),
        }
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => ApiError::conflict(m),
            StoreError::NotFound => ApiError::not_found("not found"),
            StoreError::ParentEnded => ApiError::new(
                ErrorCode::TokenRevoked,
                "the bearer credential was revoked or expired before its child could be minted",
            ),
            StoreError::Unavailable(detail) => {
                tracing::error!(%detail, "database unavailable");
                ApiError::new(
                    ErrorCode::Unavailable,
                    "the token service cannot reach its database; nothing was changed, try again",
                )
            }
            StoreError::Corrupt(detail) => {
                tracing::error!(%detail, "corrupt row in the database");
                ApiError::new(ErrorCode::Internal, "internal error reading the database")
            }
        }
    }
}

impl From<crate::server::ratelimit::LimiterError> for ApiError {
    fn from(e: crate::server::ratelimit::LimiterError) -> Self {
        tracing::error!(error = %e, "rate limiter unavailable");
        ApiError::new(
            ErrorCode::Unavailable,
            "the token service cannot reach its rate-limit store; nothing was decided, try again",
        )
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::new(ErrorCode::PayloadTooLarge, "the request body is too large");
        }
        // axum's text names the failing field path (`scopes[0]: invalid type …`); it echoes
        // no values, so it is safe to return even when the body held a secret.
        match r {
            // Well-formed JSON of the wrong shape (`"name": 5`, a missing field) is a value the
            // endpoint refuses, like every other validation error: 422. Only a body that is not
            // JSON at all (or not sent as JSON) stays a malformed request: 400.
            JsonRejection::JsonDataError(_) => {
                ApiError::invalid(format!("invalid JSON body: {}", r.body_text()))
            }
            _ => ApiError::bad_request(format!("invalid JSON body: {}", r.body_text())),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::bad_request(format!("invalid query string: {}", r.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::bad_request(format!("invalid path: {}", r.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into(),
                message: self.message,
            },
        };
        let mut resp = (status, Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if let Some(challenge) = challenge(self.code) {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        resp
    }
}

/// The `WWW-Authenticate` challenge of an answer (RFC 6750 §3.1): `invalid_token` with every
/// 401, `invalid_request` for two credentials in one request (400).
pub(crate) fn challenge(code: ErrorCode) -> Option<&'static str> {
    match code {
        ErrorCode::AmbiguousCredential => Some("Bearer error=\"invalid_request\""),
        // A signature, not a bearer credential, was refused.
        ErrorCode::SignatureInvalid => None,
        _ if code.status() == 401 => Some("Bearer error=\"invalid_token\""),
        _ => None,
    }
}
