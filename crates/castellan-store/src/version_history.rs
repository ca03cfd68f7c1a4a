//! Version history (new in 2024.10): a row per version+build the database has run.
use castellan_core::version::{VERSION_HISTORY_KEEP, VersionHistory};
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreError;
use crate::codec::{int, text, time, ts};
use crate::list::{ListQuery, Param};

fn from_row(row: &AnyRow) -> Result<VersionHistory, StoreError> {
    Ok(VersionHistory {
        id: int(row, "id")?,
        timestamp: time(row, "timestamp")?,
        version: text(row, "version")?,
        build: text(row, "build")?,
    })
}

/// Inserts a row unless the newest row already names this version and build; keeps the newest
/// 1000 rows. Returns whether a row was inserted.
pub async fn record(
    conn: &mut AnyConnection,
    version: &str,
    build: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let latest = sqlx::query(
        "SELECT id, timestamp, version, build FROM admin_versionhistory ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()?;
    if latest.is_some_and(|l| l.version == version && l.build == build) {
        return Ok(false);
    }
    sqlx::query("INSERT INTO admin_versionhistory (timestamp, version, build) VALUES ($1, $2, $3)")
        .bind(ts(now))
        .bind(version.to_string())
        .bind(build.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM admin_versionhistory WHERE id NOT IN \
         (SELECT id FROM admin_versionhistory ORDER BY id DESC LIMIT $1)",
    )
    .bind(VERSION_HISTORY_KEEP)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Lists rows newest first, with optional exact filters and a search.
pub async fn list(
    conn: &mut AnyConnection,
    version: Option<&str>,
    build: Option<&str>,
    search: Option<&str>,
) -> Result<Vec<VersionHistory>, StoreError> {
    let mut q = ListQuery::new("timestamp DESC, id DESC");
    if let Some(v) = version {
        q.eq("version", Param::Text(v.into()));
    }
    if let Some(b) = build {
        q.eq("build", Param::Text(b.into()));
    }
    if let Some(s) = search {
        q.search(&["version", "build"], s);
    }
    q.fetch_all(
        conn,
        "id, timestamp, version, build",
        "admin_versionhistory",
    )
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Loads a row.
pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<VersionHistory>, StoreError> {
    sqlx::query("SELECT id, timestamp, version, build FROM admin_versionhistory WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}
