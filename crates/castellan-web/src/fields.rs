//! Field-by-field validation of request bodies with Django REST framework's messages, collecting
//! every error before answering 400.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::ApiError;

/// Python-ish type name for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Reads typed fields from a JSON object, recording DRF-style errors.
#[derive(Debug)]
pub struct Fields<'a> {
    body: &'a Map<String, Value>,
    partial: bool,
    errors: BTreeMap<String, Vec<String>>,
}

/// Maximum length accepted for free-text fields without their own limit (protects storage).
pub const TEXT_MAX: usize = 65_536;

impl<'a> Fields<'a> {
    /// Starts validating `body`; with `partial` (PATCH) no field is required.
    pub fn new(body: &'a Map<String, Value>, partial: bool) -> Self {
        Self {
            body,
            partial,
            errors: BTreeMap::new(),
        }
    }

    /// Records an error for `field`.
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_string())
            .or_default()
            .push(message.into());
    }

    /// Whether `field` already has an error.
    pub fn has_error(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    /// Whether the body contains `field`.
    pub fn present(&self, field: &str) -> bool {
        self.body.contains_key(field)
    }

    fn get(&mut self, field: &str, required: bool) -> Option<&'a Value> {
        match self.body.get(field) {
            Some(v) => Some(v),
            None => {
                if required && !self.partial {
                    self.error(field, "This field is required.");
                }
                None
            }
        }
    }

    /// A string. `None` when absent (or null with `nullable`); `Some(None)` is never returned.
    pub fn string(
        &mut self,
        field: &str,
        required: bool,
        allow_blank: bool,
        max: usize,
    ) -> Option<String> {
        let v = self.get(field, required)?;
        match v {
            Value::String(s) => {
                if !allow_blank && s.trim().is_empty() {
                    self.error(field, "This field may not be blank.");
                    return None;
                }
                if s.chars().count() > max {
                    self.error(
                        field,
                        format!("Ensure this field has no more than {max} characters."),
                    );
                    return None;
                }
                Some(s.clone())
            }
            Value::Null => {
                self.error(field, "This field may not be null.");
                None
            }
            Value::Number(n) => Some(n.to_string()),
            _ => {
                self.error(field, "Not a valid string.");
                None
            }
        }
    }

    /// A nullable string: `Some(None)` when explicitly null.
    pub fn nullable_string(&mut self, field: &str, max: usize) -> Option<Option<String>> {
        match self.body.get(field)? {
            Value::Null => Some(None),
            _ => self.string(field, false, true, max).map(Some),
        }
    }

    /// A boolean (DRF also accepts "true"/"false"/0/1).
    pub fn boolean(&mut self, field: &str) -> Option<bool> {
        let v = self.get(field, false)?;
        match v {
            Value::Bool(b) => Some(*b),
            Value::String(s) if ["true", "True", "1", "yes", "on"].contains(&s.as_str()) => {
                Some(true)
            }
            Value::String(s) if ["false", "False", "0", "no", "off"].contains(&s.as_str()) => {
                Some(false)
            }
            Value::Number(n) if n.as_i64() == Some(1) => Some(true),
            Value::Number(n) if n.as_i64() == Some(0) => Some(false),
            _ => {
                self.error(field, "Must be a valid boolean.");
                None
            }
        }
    }

    /// An integer.
    pub fn integer(&mut self, field: &str, required: bool) -> Option<i64> {
        let v = self.get(field, required)?;
        match v {
            Value::Number(n) if n.as_i64().is_some() => n.as_i64(),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok(),
            Value::Null => {
                self.error(field, "This field may not be null.");
                None
            }
            _ => {
                self.error(field, "A valid integer is required.");
                None
            }
        }
    }

    /// A nullable integer (foreign key by integer pk).
    pub fn nullable_integer(&mut self, field: &str) -> Option<Option<i64>> {
        match self.body.get(field)? {
            Value::Null => Some(None),
            _ => self.integer(field, false).map(Some),
        }
    }

    fn parse_uuid(&mut self, field: &str, v: &Value) -> Option<Uuid> {
        match v.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
            Some(u) => Some(u),
            None => {
                self.error(field, "Must be a valid UUID.");
                None
            }
        }
    }

    /// A nullable UUID (foreign key by UUID).
    pub fn nullable_uuid(&mut self, field: &str, required: bool) -> Option<Option<Uuid>> {
        let v = self.get(field, required)?;
        match v {
            Value::Null => Some(None),
            other => self.parse_uuid(field, other).map(Some),
        }
    }

    /// A required (non-null) UUID.
    pub fn uuid(&mut self, field: &str, required: bool) -> Option<Uuid> {
        let v = self.get(field, required)?;
        if v.is_null() {
            self.error(field, "This field may not be null.");
            return None;
        }
        self.parse_uuid(field, v)
    }

    /// A list of UUIDs.
    pub fn uuid_list(&mut self, field: &str) -> Option<Vec<Uuid>> {
        let v = self.get(field, false)?;
        let Value::Array(items) = v else {
            self.error(
                field,
                format!(
                    "Expected a list of items but got type \"{}\".",
                    type_name(v)
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items {
            match item.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                Some(u) => out.push(u),
                None => {
                    self.error(
                        field,
                        format!("\u{201c}{}\u{201d} is not a valid UUID.", display(item)),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    /// A list of integers.
    pub fn int_list(&mut self, field: &str) -> Option<Vec<i64>> {
        let v = self.get(field, false)?;
        let Value::Array(items) = v else {
            self.error(
                field,
                format!(
                    "Expected a list of items but got type \"{}\".",
                    type_name(v)
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items {
            match item.as_i64() {
                Some(i) => out.push(i),
                None => {
                    self.error(
                        field,
                        format!(
                            "Incorrect type. Expected pk value, received {}.",
                            type_name(item)
                        ),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    /// A JSON object.
    pub fn object(&mut self, field: &str) -> Option<Value> {
        let v = self.get(field, false)?;
        if v.is_object() {
            Some(v.clone())
        } else {
            self.error(
                field,
                format!(
                    "Expected a dictionary of items but got type \"{}\".",
                    type_name(v)
                ),
            );
            None
        }
    }

    /// Any JSON value.
    pub fn any(&mut self, field: &str) -> Option<Value> {
        self.get(field, false).cloned()
    }

    /// A nullable date-time.
    pub fn nullable_datetime(&mut self, field: &str) -> Option<Option<DateTime<Utc>>> {
        let v = self.get(field, false)?;
        match v {
            Value::Null => Some(None),
            Value::String(s) => match DateTime::parse_from_rfc3339(s) {
                Ok(d) => Some(Some(d.with_timezone(&Utc))),
                Err(_) => {
                    self.error(
                        field,
                        "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
                    );
                    None
                }
            },
            _ => {
                self.error(field, "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].");
                None
            }
        }
    }

    /// One of `choices`.
    pub fn choice(&mut self, field: &str, choices: &[&str]) -> Option<String> {
        let v = self.get(field, false)?;
        match v.as_str() {
            Some(s) if choices.contains(&s) => Some(s.to_string()),
            _ => {
                self.error(field, format!("\"{}\" is not a valid choice.", display(v)));
                None
            }
        }
    }

    /// Ends validation: 400 with every error, or Ok.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.chars().take(100).collect(),
        other => other.to_string().chars().take(100).collect(),
    }
}
