//! Stages (spec §3.3): one row per stage, the type's settings as JSON (`kind` is authentik's
//! `meta_model_name`).
use castellan_core::stage::Stage;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{text, uuid};
use crate::list::{ListQuery, Param};

/// Columns of a stage row.
pub const COLUMNS: &str = "stage_uuid, name, kind, config";

/// Decodes a JSON object column.
pub fn config(row: &AnyRow, col: &str) -> Result<Map<String, Value>, StoreError> {
    match crate::codec::json(row, col)? {
        Value::Object(map) => Ok(map),
        other => Err(StoreError::Corrupt(format!(
            "{col}: not an object: {other}"
        ))),
    }
}

/// Decodes a stage row (also used by joined queries).
pub fn from_row(row: &AnyRow) -> Result<Stage, StoreError> {
    Ok(Stage {
        pk: uuid(row, "stage_uuid")?,
        name: text(row, "name")?,
        kind: text(row, "kind")?,
        config: config(row, "config")?,
    })
}

/// Inserts a stage.
pub async fn create(conn: &mut AnyConnection, s: &Stage) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO flows_stage (stage_uuid, name, kind, config) VALUES ($1, $2, $3, $4)")
        .bind(s.pk.to_string())
        .bind(s.name.clone())
        .bind(s.kind.clone())
        .bind(Value::Object(s.config.clone()).to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes name and settings.
pub async fn update(conn: &mut AnyConnection, s: &Stage) -> Result<(), StoreError> {
    sqlx::query("UPDATE flows_stage SET name = $1, config = $2 WHERE stage_uuid = $3")
        .bind(s.name.clone())
        .bind(Value::Object(s.config.clone()).to_string())
        .bind(s.pk.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes a stage: its bindings go with it (and their policy bindings), references to it in
/// other stages' settings are cleared (nullable keys become null, lists drop it).
pub async fn delete(conn: &mut AnyConnection, pk: Uuid) -> Result<bool, StoreError> {
    let targets = crate::flow_bindings::pbm_uuids_of_stage(conn, pk).await?;
    crate::policy_bindings::delete_for_targets(conn, &targets).await?;
    let done = sqlx::query("DELETE FROM flows_stage WHERE stage_uuid = $1")
        .bind(pk.to_string())
        .execute(&mut *conn)
        .await?;
    crate::refs::scrub(conn, pk).await?;
    Ok(done.rows_affected() > 0)
}

/// Loads by primary key.
pub async fn get(conn: &mut AnyConnection, pk: Uuid) -> Result<Option<Stage>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM flows_stage WHERE stage_uuid = $1");
    sqlx::query(&sql)
        .bind(pk.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Loads the stages with these keys, by name.
pub async fn get_many(conn: &mut AnyConnection, pks: &[Uuid]) -> Result<Vec<Stage>, StoreError> {
    let mut q = ListQuery::new("name");
    q.any_of(
        "stage_uuid",
        pks.iter().map(|p| Param::Text(p.to_string())).collect(),
    );
    q.fetch_all(conn, COLUMNS, "flows_stage")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Every stage of `kind` (every stage with `None`), by name.
pub async fn all(conn: &mut AnyConnection, kind: Option<&str>) -> Result<Vec<Stage>, StoreError> {
    let mut q = ListQuery::new("name");
    if let Some(k) = kind {
        q.eq("kind", Param::Text(k.to_string()));
    }
    q.fetch_all(conn, COLUMNS, "flows_stage")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Whether another stage than `except` is named `name`.
pub async fn name_taken(
    conn: &mut AnyConnection,
    name: &str,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM flows_stage WHERE name = $1 AND stage_uuid <> $2")
            .bind(name.to_string())
            .bind(except.map(|e| e.to_string()).unwrap_or_default())
            .fetch_one(&mut *conn)
            .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// The stages whose settings mention `value` (a key) anywhere: candidates for reference checks.
pub async fn mentioning(conn: &mut AnyConnection, value: &str) -> Result<Vec<Stage>, StoreError> {
    let mut q = ListQuery::new("name");
    q.raw("config LIKE {}", Param::Text(format!("%{value}%")));
    q.fetch_all(conn, COLUMNS, "flows_stage")
        .await?
        .iter()
        .map(from_row)
        .collect()
}
