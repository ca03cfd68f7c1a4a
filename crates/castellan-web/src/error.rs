//! API errors in authentik's shapes: `{"field": ["msg"]}` for validation, `{"detail": …}` otherwise.
//! Internal details are logged once here and never sent to the client.
use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use castellan_store::StoreError;
use serde_json::{Value, json};

/// An error answered by the API.
#[derive(Debug)]
pub enum ApiError {
    /// 400 with per-field messages.
    Validation(BTreeMap<String, Vec<String>>),
    /// 400 with a `detail` message (e.g. malformed JSON).
    BadRequest(String),
    /// 403 with a `detail` message.
    Forbidden(String),
    /// 404.
    NotFound,
    /// 405.
    MethodNotAllowed,
    /// 409: a concurrent write won a uniqueness race.
    Conflict,
    /// 413.
    PayloadTooLarge,
    /// 503: the database is unavailable.
    Unavailable,
    /// 500: logged, not detailed.
    Internal(String),
}

impl ApiError {
    /// A validation error on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut map = BTreeMap::new();
        map.insert(field.to_string(), vec![message.into()]);
        Self::Validation(map)
    }
}

impl From<castellan_flows::EnvError> for ApiError {
    fn from(e: castellan_flows::EnvError) -> Self {
        Self::Internal(e.0)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(_) => {
                tracing::warn!(error = %err, "database unavailable");
                Self::Unavailable
            }
            StoreError::Conflict(_) => Self::Conflict,
            StoreError::ForeignKey(_) => {
                Self::field("non_field_errors", "A referenced object does not exist.")
            }
            other => Self::Internal(format!("{other}: {:?}", std::error::Error::source(&other))),
        }
    }
}

impl From<castellan_core::DomainError> for ApiError {
    fn from(err: castellan_core::DomainError) -> Self {
        Self::field(&err.field, err.message)
    }
}

fn detail(status: StatusCode, detail: &str, code: &str) -> Response {
    (status, Json(json!({"detail": detail, "code": code}))).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Validation(map) => {
                let body: serde_json::Map<String, Value> =
                    map.into_iter().map(|(k, v)| (k, json!(v))).collect();
                (StatusCode::BAD_REQUEST, Json(Value::Object(body))).into_response()
            }
            Self::BadRequest(msg) => {
                (StatusCode::BAD_REQUEST, Json(json!({"detail": msg}))).into_response()
            }
            Self::Forbidden(msg) => detail(StatusCode::FORBIDDEN, &msg, "permission_denied"),
            Self::NotFound => detail(StatusCode::NOT_FOUND, "Not found.", "not_found"),
            Self::MethodNotAllowed => detail(
                StatusCode::METHOD_NOT_ALLOWED,
                "Method not allowed.",
                "method_not_allowed",
            ),
            Self::Conflict => detail(
                StatusCode::CONFLICT,
                "The object was changed concurrently; retry the request.",
                "conflict",
            ),
            Self::PayloadTooLarge => detail(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request body is too large.",
                "payload_too_large",
            ),
            Self::Unavailable => detail(
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is unavailable; retry later.",
                "service_unavailable",
            ),
            Self::Internal(internal) => {
                tracing::error!(error = %internal, "internal error");
                detail(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "A server error occurred.",
                    "error",
                )
            }
        }
    }
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
