//! Facts about the database server for operations and benchmarks: which PostgreSQL server
//! processes serve this database (so their CPU can be measured beside Castellan's).
use sqlx::{AnyConnection, Row};

use crate::StoreError;

/// Process ids of the PostgreSQL backends connected to the current database.
///
/// # Errors
/// Database failures, or a database that is not PostgreSQL.
pub async fn backend_pids(conn: &mut AnyConnection) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT CAST(pid AS BIGINT) AS pid FROM pg_stat_activity WHERE datname = current_database()",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| r.try_get::<i64, _>("pid").map_err(StoreError::from))
        .collect()
}
