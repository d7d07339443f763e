//! The one error type of the HTTP API and its mapping to status codes and JSON bodies.
//!
//! Every failure a client can cause is a 4xx with `{"error": code, "message": what to do}`; only a
//! failure of sitrep itself is a 5xx, and its message names no internals beyond the cause.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    RequestTimeout(String),
    /// The server is busy (every slot for CPU-heavy work taken) or the work ran past its
    /// deadline: try again after `retry_after` seconds.
    #[error("{message}")]
    Busy { message: String, retry_after: u32 },
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            ApiError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        match &self {
            ApiError::Internal(_) => tracing::error!("{self}"),
            ApiError::Busy { .. } => tracing::warn!("{self}"),
            _ => {}
        }
        let retry = match &self {
            ApiError::Busy { retry_after, .. } => Some(*retry_after),
            _ => None,
        };
        let mut resp = (status, Json(json!({"error": code, "message": self.to_string()}))).into_response();
        if let Some(s) = retry {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(s));
        }
        resp
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        let status = r.status();
        let text = r.body_text();
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(format!(
                "the request body is larger than the limit of {} bytes; split the batch",
                super::MAX_BODY_BYTES
            )),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ApiError::UnsupportedMediaType("send the body as JSON with `Content-Type: application/json`".into())
            }
            _ => ApiError::BadRequest(format!("the body is not valid JSON of the expected shape: {text}")),
        }
    }
}

impl From<crate::features::QueryError> for ApiError {
    fn from(e: crate::features::QueryError) -> ApiError {
        ApiError::BadRequest(e.to_string())
    }
}

impl From<crate::ingest::IngestError> for ApiError {
    fn from(e: crate::ingest::IngestError) -> ApiError {
        match e {
            crate::ingest::IngestError::Invalid { .. } => ApiError::BadRequest(e.to_string()),
            crate::ingest::IngestError::Cancelled => {
                ApiError::Busy { message: "the work ran past its deadline; nothing was written".into(), retry_after: 5 }
            }
            crate::ingest::IngestError::Store(s) => s.into(),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}
