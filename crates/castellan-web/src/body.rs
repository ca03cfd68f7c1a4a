//! The JSON body extractor: bounded size (413), authentik's malformed-JSON message (400), and an
//! object required at the top level.
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, Request};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::state::AppState;

/// A parsed JSON object body.
#[derive(Debug)]
pub struct JsonBody(pub Map<String, Value>);

fn char_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            return offset + column.saturating_sub(1);
        }
        offset += l.chars().count() + 1;
    }
    offset
}

/// Parses `bytes` as a JSON object with authentik-shaped errors.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::BadRequest("JSON parse error - invalid UTF-8".into()))?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => "unexpected end of data",
            _ => "unexpected character",
        };
        let (line, column) = (e.line(), e.column());
        ApiError::BadRequest(format!(
            "JSON parse error - {what}: line {line} column {column} (char {})",
            char_offset(text, line, column)
        ))
    })?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(ApiError::field(
            "non_field_errors",
            format!(
                "Invalid data. Expected a dictionary, but got {}.",
                crate::fields::type_name(&other)
            ),
        )),
    }
}

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request<Body>, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.settings.max_body_bytes;
        if let Some(len) = req
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            && len > limit
        {
            return Err(ApiError::PayloadTooLarge);
        }
        let bytes = to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::PayloadTooLarge)?;
        if bytes.is_empty() {
            return Ok(Self(Map::new()));
        }
        parse_object(&bytes).map(Self)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_message_matches_authentik() {
        let err = parse_object(b"{username: 1}").unwrap_err();
        let ApiError::BadRequest(msg) = err else {
            panic!("wrong error")
        };
        assert_eq!(
            msg,
            "JSON parse error - unexpected character: line 1 column 2 (char 1)"
        );
    }

    #[test]
    fn non_object_is_rejected() {
        assert!(matches!(parse_object(b"[1]"), Err(ApiError::Validation(_))));
        assert!(parse_object(b"{\"a\": 1}").is_ok());
    }
}
