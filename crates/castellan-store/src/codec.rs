//! Encoding of UUIDs, timestamps and JSON in the portable TEXT columns, and row accessors that
//! behave the same on both backends and on both SQLite paths (sqlx, and the direct path of
//! [`crate::direct`]).
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

/// A result row, read by column name, whichever driver returned it.
pub trait RowRead {
    /// A text column (`None` for NULL).
    fn read_text(&self, col: &str) -> Result<Option<String>, StoreError>;
    /// An integer column (`None` for NULL).
    fn read_int(&self, col: &str) -> Result<Option<i64>, StoreError>;
    /// A boolean column (SQLite stores it as an integer; `None` for NULL).
    fn read_bool(&self, col: &str) -> Result<Option<bool>, StoreError>;
}

impl RowRead for AnyRow {
    fn read_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        Ok(self.try_get::<Option<String>, _>(col)?)
    }

    fn read_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get::<Option<i64>, _>(col)?)
    }

    fn read_bool(&self, col: &str) -> Result<Option<bool>, StoreError> {
        match self.try_get::<Option<bool>, _>(col) {
            Ok(v) => Ok(v),
            Err(_) => Ok(self.try_get::<Option<i64>, _>(col)?.map(|v| v != 0)),
        }
    }
}

impl RowRead for rusqlite::Row<'_> {
    fn read_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        Ok(self.get::<_, Option<String>>(col)?)
    }

    fn read_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.get::<_, Option<i64>>(col)?)
    }

    fn read_bool(&self, col: &str) -> Result<Option<bool>, StoreError> {
        Ok(self.get::<_, Option<i64>>(col)?.map(|v| v != 0))
    }
}

fn not_null<T>(col: &str, value: Option<T>) -> Result<T, StoreError> {
    value.ok_or_else(|| StoreError::Corrupt(format!("{col}: unexpected NULL")))
}

/// Reads a text column.
pub fn text(row: &(impl RowRead + ?Sized), col: &str) -> Result<String, StoreError> {
    not_null(col, row.read_text(col)?)
}

/// Reads a nullable text column.
pub fn opt_text(row: &(impl RowRead + ?Sized), col: &str) -> Result<Option<String>, StoreError> {
    row.read_text(col)
}

/// Reads an integer column.
pub fn int(row: &(impl RowRead + ?Sized), col: &str) -> Result<i64, StoreError> {
    not_null(col, row.read_int(col)?)
}

/// Reads a nullable integer column.
pub fn opt_int(row: &(impl RowRead + ?Sized), col: &str) -> Result<Option<i64>, StoreError> {
    row.read_int(col)
}

/// Reads a boolean column (SQLite may report it as an integer).
pub fn boolean(row: &(impl RowRead + ?Sized), col: &str) -> Result<bool, StoreError> {
    not_null(col, row.read_bool(col)?)
}

/// Reads a UUID stored as text.
pub fn uuid(row: &(impl RowRead + ?Sized), col: &str) -> Result<Uuid, StoreError> {
    let raw = text(row, col)?;
    Uuid::parse_str(&raw).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

/// Reads a nullable UUID stored as text.
pub fn opt_uuid(row: &(impl RowRead + ?Sized), col: &str) -> Result<Option<Uuid>, StoreError> {
    opt_text(row, col)?
        .map(|raw| Uuid::parse_str(&raw).map_err(|e| StoreError::Corrupt(format!("{col}: {e}"))))
        .transpose()
}

/// Reads a timestamp column.
pub fn time(row: &(impl RowRead + ?Sized), col: &str) -> Result<DateTime<Utc>, StoreError> {
    parse_ts(col, &text(row, col)?)
}

/// Reads a nullable timestamp column.
pub fn opt_time(
    row: &(impl RowRead + ?Sized),
    col: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    opt_text(row, col)?
        .map(|raw| parse_ts(col, &raw))
        .transpose()
}

/// Reads a JSON column.
pub fn json(row: &(impl RowRead + ?Sized), col: &str) -> Result<serde_json::Value, StoreError> {
    let raw = text(row, col)?;
    serde_json::from_str(&raw).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

/// Serialises a JSON value for storage.
pub fn to_json(value: &serde_json::Value) -> String {
    value.to_string()
}
