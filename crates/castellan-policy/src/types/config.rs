//! Reading a policy's settings (`Policy::config`, keyed by authentik's API field names): a
//! missing or `null` key takes authentik's default, a value of the wrong type is an error.
use serde_json::{Map, Value};

use super::PolicyError;

/// The settings map of one policy.
pub type Config = Map<String, Value>;

fn wrong(key: &str, expected: &str) -> PolicyError {
    PolicyError::Config {
        key: key.to_owned(),
        message: format!("expected {expected}"),
    }
}

/// A boolean setting.
pub fn bool_or(config: &Config, key: &str, default: bool) -> Result<bool, PolicyError> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(wrong(key, "a boolean")),
    }
}

/// An integer setting.
pub fn int_or(config: &Config, key: &str, default: i64) -> Result<i64, PolicyError> {
    match int_opt(config, key)? {
        Some(n) => Ok(n),
        None => Ok(default),
    }
}

/// An optional integer setting (`None` when missing or `null`).
pub fn int_opt(config: &Config, key: &str) -> Result<Option<i64>, PolicyError> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| wrong(key, "an integer")),
        Some(_) => Err(wrong(key, "an integer")),
    }
}

/// A string setting.
pub fn str_or(config: &Config, key: &str, default: &str) -> Result<String, PolicyError> {
    Ok(str_opt(config, key)?.unwrap_or_else(|| default.to_owned()))
}

/// An optional string setting (`None` when missing or `null`).
pub fn str_opt(config: &Config, key: &str) -> Result<Option<String>, PolicyError> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong(key, "a string")),
    }
}

/// A list setting (empty when missing or `null`).
pub fn list<'a>(config: &'a Config, key: &str) -> Result<&'a [Value], PolicyError> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(wrong(key, "a list")),
    }
}

/// A non-negative count (`PositiveIntegerField`).
pub fn count_or(config: &Config, key: &str, default: usize) -> Result<usize, PolicyError> {
    let n = int_or(config, key, i64::try_from(default).unwrap_or(i64::MAX))?;
    usize::try_from(n).map_err(|_| wrong(key, "a non-negative integer"))
}
