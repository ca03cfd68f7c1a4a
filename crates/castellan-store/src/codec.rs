//! Encoding of UUIDs, timestamps and JSON in the portable TEXT columns, and row accessors that
//! behave the same on both backends.
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::StoreError;

/// Timestamps are stored as fixed-width RFC 3339 UTC strings with microseconds, so text order is
/// time order on both backends.
pub fn ts(value: DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Optional timestamp.
pub fn opt_ts(value: Option<DateTime<Utc>>) -> Option<String> {
    value.map(ts)
}

fn parse_ts(col: &str, raw: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

/// Reads a text column.
pub fn text(row: &AnyRow, col: &str) -> Result<String, StoreError> {
    Ok(row.try_get::<String, _>(col)?)
}

/// Reads a nullable text column.
pub fn opt_text(row: &AnyRow, col: &str) -> Result<Option<String>, StoreError> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

/// Reads an integer column.
pub fn int(row: &AnyRow, col: &str) -> Result<i64, StoreError> {
    Ok(row.try_get::<i64, _>(col)?)
}

/// Reads a nullable integer column.
pub fn opt_int(row: &AnyRow, col: &str) -> Result<Option<i64>, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(col)?)
}

/// Reads a boolean column (SQLite may report it as an integer).
pub fn boolean(row: &AnyRow, col: &str) -> Result<bool, StoreError> {
    match row.try_get::<bool, _>(col) {
        Ok(v) => Ok(v),
        Err(_) => Ok(row.try_get::<i64, _>(col)? != 0),
    }
}

/// Reads a UUID stored as text.
pub fn uuid(row: &AnyRow, col: &str) -> Result<Uuid, StoreError> {
    let raw = text(row, col)?;
    Uuid::parse_str(&raw).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

/// Reads a nullable UUID stored as text.
pub fn opt_uuid(row: &AnyRow, col: &str) -> Result<Option<Uuid>, StoreError> {
    opt_text(row, col)?
        .map(|raw| Uuid::parse_str(&raw).map_err(|e| StoreError::Corrupt(format!("{col}: {e}"))))
        .transpose()
}

/// Reads a timestamp column.
pub fn time(row: &AnyRow, col: &str) -> Result<DateTime<Utc>, StoreError> {
    parse_ts(col, &text(row, col)?)
}

/// Reads a nullable timestamp column.
pub fn opt_time(row: &AnyRow, col: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    opt_text(row, col)?
        .map(|raw| parse_ts(col, &raw))
        .transpose()
}

/// Reads a JSON column.
pub fn json(row: &AnyRow, col: &str) -> Result<serde_json::Value, StoreError> {
    let raw = text(row, col)?;
    serde_json::from_str(&raw).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

/// Serialises a JSON value for storage.
pub fn to_json(value: &serde_json::Value) -> String {
    value.to_string()
}
