//! Storage errors, classified so the HTTP edge can answer 503/409/404 without leaking SQL.
use thiserror::Error;

/// A storage failure.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database cannot be reached or the pool timed out.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// A unique constraint was violated (a concurrent write won the race).
    #[error("unique constraint violated")]
    Conflict(#[source] sqlx::Error),
    /// A referenced row does not exist.
    #[error("referenced object does not exist")]
    ForeignKey(#[source] sqlx::Error),
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
    Other(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable(err),
            sqlx::Error::Database(db) => match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => Self::Conflict(err),
                sqlx::error::ErrorKind::ForeignKeyViolation => Self::ForeignKey(err),
                _ if is_connection_failure(db.code().as_deref()) => Self::Unavailable(err),
                _ => Self::Other(err),
            },
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                Self::Corrupt(err.to_string())
            }
            _ => Self::Other(err),
        }
    }
}

/// PostgreSQL SQLSTATE classes 08 (connection) and 57P (operator intervention, e.g. shutdown).
fn is_connection_failure(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.starts_with("08") || c.starts_with("57P"))
}
