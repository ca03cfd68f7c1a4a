//! Storage errors, classified so the HTTP edge can answer 503/409/404 without leaking SQL.
use thiserror::Error;

/// The driver error behind a [`StoreError`] (sqlx, or rusqlite on the direct SQLite path).
pub type DriverError = Box<dyn std::error::Error + Send + Sync>;

/// A storage failure.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database cannot be reached or the pool timed out.
    #[error("database unavailable")]
    Unavailable(#[source] DriverError),
    /// A unique constraint was violated (a concurrent write won the race).
    #[error("unique constraint violated")]
    Conflict(#[source] DriverError),
    /// A referenced row does not exist.
    #[error("referenced object does not exist")]
    ForeignKey(#[source] DriverError),
    /// The database schema is newer than this binary.
    #[error(
        "the database is at schema version {database}, newer than this binary's {binary}; run a newer Castellan"
    )]
    DatabaseTooNew {
        /// Version found in the database.
        database: i64,
        /// Newest version this binary knows.
        binary: i64,
    },
    /// Stored data could not be decoded (corrupt row).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("database error")]
    Other(#[source] DriverError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        let kind = match &err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable,
            sqlx::Error::Database(db) => match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => Self::Conflict,
                sqlx::error::ErrorKind::ForeignKeyViolation => Self::ForeignKey,
                _ if is_connection_failure(db.code().as_deref()) => Self::Unavailable,
                _ => Self::Other,
            },
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                return Self::Corrupt(err.to_string());
            }
            _ => Self::Other,
        };
        kind(Box::new(err))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        let kind = match &err {
            rusqlite::Error::SqliteFailure(e, _) => match e.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => Self::Conflict,
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Self::ForeignKey,
                _ => match e.code {
                    rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked
                    | rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::SystemIoFailure => Self::Unavailable,
                    _ => Self::Other,
                },
            },
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::InvalidColumnName(_)
            | rusqlite::Error::Utf8Error(_) => return Self::Corrupt(err.to_string()),
            _ => Self::Other,
        };
        kind(Box::new(err))
    }
}

/// PostgreSQL SQLSTATE classes 08 (connection) and 57P (operator intervention, e.g. shutdown).
pub(crate) fn is_connection_failure(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.starts_with("08") || c.starts_with("57P"))
}
