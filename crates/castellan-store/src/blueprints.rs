//! Blueprint instances (spec §11.2): a blueprint file under `blueprints_dir` (`path`) or an
//! inline blueprint (`content`), its instance context, and the outcome of its last apply.
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{boolean, json, text, time, ts, uuid};
use crate::list::{ListQuery, Page, Param};

/// Columns of an instance row.
pub const COLUMNS: &str = "instance_uuid, name, metadata, path, content, context, last_applied, \
                           last_applied_hash, status, enabled, managed_models, created, last_updated";

/// The statuses an instance can have, in authentik's order.
pub const STATUSES: [&str; 5] = ["successful", "warning", "error", "orphaned", "unknown"];

/// A stored blueprint instance.
#[derive(Debug, Clone, PartialEq)]
pub struct BlueprintInstance {
    /// `instance_uuid`.
    pub pk: Uuid,
    /// Unique name.
    pub name: String,
    /// The blueprint's `metadata` (`{name, labels}`) as last read.
    pub metadata: Value,
    /// File path relative to `blueprints_dir`, or "" for an inline blueprint.
    pub path: String,
    /// Inline blueprint text (used when `path` is empty).
    pub content: String,
    /// Instance context, merged over the blueprint's own `context`.
    pub context: Value,
    /// When it was last applied (its creation time before that).
    pub last_applied: DateTime<Utc>,
    /// SHA-512 of the text last applied successfully ("" before that).
    pub last_applied_hash: String,
    /// One of [`STATUSES`].
    pub status: String,
    /// Disabled instances are never applied automatically.
    pub enabled: bool,
    /// The models the blueprint touched when last applied.
    pub managed_models: Vec<String>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Last change of the row.
    pub last_updated: DateTime<Utc>,
}

impl BlueprintInstance {
    /// A new instance named `name`, status `unknown`, enabled.
    #[must_use]
    pub fn new(name: &str, now: DateTime<Utc>) -> Self {
        Self {
            pk: Uuid::new_v4(),
            name: name.to_owned(),
            metadata: Value::Object(serde_json::Map::new()),
            path: String::new(),
            content: String::new(),
            context: Value::Object(serde_json::Map::new()),
            last_applied: now,
            last_applied_hash: String::new(),
            status: "unknown".to_owned(),
            enabled: true,
            managed_models: Vec::new(),
            created: now,
            last_updated: now,
        }
    }
}

/// Decodes an instance row.
pub fn from_row(row: &AnyRow) -> Result<BlueprintInstance, StoreError> {
    let models = match json(row, "managed_models")? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    Ok(BlueprintInstance {
        pk: uuid(row, "instance_uuid")?,
        name: text(row, "name")?,
        metadata: json(row, "metadata")?,
        path: text(row, "path")?,
        content: text(row, "content")?,
        context: json(row, "context")?,
        last_applied: time(row, "last_applied")?,
        last_applied_hash: text(row, "last_applied_hash")?,
        status: text(row, "status")?,
        enabled: boolean(row, "enabled")?,
        managed_models: models,
        created: time(row, "created")?,
        last_updated: time(row, "last_updated")?,
    })
}

/// Inserts (`insert`) or updates an instance.
pub async fn save(
    conn: &mut AnyConnection,
    b: &BlueprintInstance,
    insert: bool,
) -> Result<(), StoreError> {
    let sql = if insert {
        "INSERT INTO blueprints_blueprintinstance (name, metadata, path, content, context, last_applied, \
         last_applied_hash, status, enabled, managed_models, created, last_updated, instance_uuid) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    } else {
        "UPDATE blueprints_blueprintinstance SET name = $1, metadata = $2, path = $3, content = $4, \
         context = $5, last_applied = $6, last_applied_hash = $7, status = $8, enabled = $9, \
         managed_models = $10, created = $11, last_updated = $12 WHERE instance_uuid = $13"
    };
    sqlx::query(sql)
        .bind(b.name.clone())
        .bind(b.metadata.to_string())
        .bind(b.path.clone())
        .bind(b.content.clone())
        .bind(b.context.to_string())
        .bind(ts(b.last_applied))
        .bind(b.last_applied_hash.clone())
        .bind(b.status.clone())
        .bind(b.enabled)
        .bind(Value::from(b.managed_models.clone()).to_string())
        .bind(ts(b.created))
        .bind(ts(b.last_updated))
        .bind(b.pk.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes an instance (the objects it created stay).
pub async fn delete(conn: &mut AnyConnection, pk: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM blueprints_blueprintinstance WHERE instance_uuid = $1")
        .bind(pk.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

async fn one(
    conn: &mut AnyConnection,
    column: &str,
    value: String,
) -> Result<Option<BlueprintInstance>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM blueprints_blueprintinstance WHERE {column} = $1");
    sqlx::query(&sql)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Loads by primary key.
pub async fn get(
    conn: &mut AnyConnection,
    pk: Uuid,
) -> Result<Option<BlueprintInstance>, StoreError> {
    one(conn, "instance_uuid", pk.to_string()).await
}

/// Loads by name.
pub async fn get_by_name(
    conn: &mut AnyConnection,
    name: &str,
) -> Result<Option<BlueprintInstance>, StoreError> {
    one(conn, "name", name.to_owned()).await
}

/// Every instance, by name.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<BlueprintInstance>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM blueprints_blueprintinstance ORDER BY name");
    sqlx::query(&sql)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Filters of `GET /managed/blueprints/`.
#[derive(Debug, Clone, Default)]
pub struct InstanceFilter {
    /// Exact name.
    pub name: Option<String>,
    /// Exact path.
    pub path: Option<String>,
    /// Search over name and path.
    pub search: Option<String>,
    /// ORDER BY.
    pub order_by: Option<String>,
}

/// Orderings the API accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "name ASC",
        "-name" => "name DESC",
        _ => return None,
    })
}

/// Lists instances.
pub async fn list(
    conn: &mut AnyConnection,
    f: &InstanceFilter,
    page: Page,
) -> Result<(Vec<BlueprintInstance>, i64), StoreError> {
    let mut q = ListQuery::new(f.order_by.as_deref().unwrap_or("name ASC"));
    if let Some(v) = &f.name {
        q.eq("name", Param::Text(v.clone()));
    }
    if let Some(v) = &f.path {
        q.eq("path", Param::Text(v.clone()));
    }
    if let Some(s) = &f.search {
        q.search(&["name", "path"], s);
    }
    let (rows, count) = q
        .fetch(conn, COLUMNS, "blueprints_blueprintinstance", page)
        .await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}

/// Whether another instance than `except` is named `name`.
pub async fn name_taken(
    conn: &mut AnyConnection,
    name: &str,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM blueprints_blueprintinstance WHERE name = $1 AND instance_uuid <> $2",
    )
    .bind(name.to_owned())
    .bind(except.map(|e| e.to_string()).unwrap_or_default())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}
