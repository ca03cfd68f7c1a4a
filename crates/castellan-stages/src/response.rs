//! Reading challenge responses with DRF's field rules and messages, so malformed responses
//! become `response_errors`, never a server error.
use castellan_flows::ResponseErrors;
use serde_json::{Map, Value};

/// A required string field (`CharField()`): missing, null, blank or non-string values fail.
pub fn required_str(
    body: &Map<String, Value>,
    field: &str,
    errors: &mut ResponseErrors,
) -> Option<String> {
    match body.get(field) {
        None => errors.add(field, "This field is required.", "required"),
        Some(Value::Null) => errors.add(field, "This field may not be null.", "null"),
        Some(Value::String(s)) if s.trim().is_empty() => {
            errors.add(field, "This field may not be blank.", "blank")
        }
        Some(Value::String(s)) => return Some(s.clone()),
        Some(Value::Number(n)) => return Some(n.to_string()),
        Some(_) => errors.add(field, "Not a valid string.", "invalid"),
    }
    None
}

/// An optional string field that may be blank or null (`required=False, allow_blank, allow_null`).
pub fn optional_str(
    body: &Map<String, Value>,
    field: &str,
    errors: &mut ResponseErrors,
) -> Option<String> {
    match body.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            errors.add(field, "Not a valid string.", "invalid");
            None
        }
    }
}

/// A required boolean (`BooleanField()`), accepting DRF's truthy/falsy spellings.
pub fn required_bool(
    body: &Map<String, Value>,
    field: &str,
    errors: &mut ResponseErrors,
) -> Option<bool> {
    match body.get(field) {
        None => errors.add(field, "This field is required.", "required"),
        Some(Value::Null) => errors.add(field, "This field may not be null.", "null"),
        Some(Value::Bool(b)) => return Some(*b),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => return Some(true),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => return Some(false),
        Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "y" | "t" => return Some(true),
            "false" | "0" | "no" | "off" | "n" | "f" => return Some(false),
            _ => errors.add(field, "Must be a valid boolean.", "invalid"),
        },
        Some(_) => errors.add(field, "Must be a valid boolean.", "invalid"),
    }
    None
}
