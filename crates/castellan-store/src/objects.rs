//! The generic object table for spec'd models without their own table (prompts, and later
//! notification rules and transports, roles): a key, the model's `meta_model_name`, a unique
//! name per model and the settings as JSON.
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{text, uuid};
use crate::list::{ListQuery, Param};

/// A stored object.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// Primary key.
    pub pk: Uuid,
    /// `meta_model_name`, e.g. `authentik_stages_prompt.prompt`.
    pub model: String,
    /// Name, unique per model.
    pub name: String,
    /// The model's own fields.
    pub config: Map<String, Value>,
}

fn from_row(row: &AnyRow) -> Result<Object, StoreError> {
    Ok(Object {
        pk: uuid(row, "pk")?,
        model: text(row, "model")?,
        name: text(row, "name")?,
        config: crate::stages::config(row, "config")?,
    })
}

/// Inserts an object.
pub async fn create(conn: &mut AnyConnection, o: &Object) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO castellan_object (pk, model, name, config) VALUES ($1, $2, $3, $4)")
        .bind(o.pk.to_string())
        .bind(o.model.clone())
        .bind(o.name.clone())
        .bind(Value::Object(o.config.clone()).to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes name and settings.
pub async fn update(conn: &mut AnyConnection, o: &Object) -> Result<(), StoreError> {
    sqlx::query("UPDATE castellan_object SET name = $1, config = $2 WHERE pk = $3")
        .bind(o.name.clone())
        .bind(Value::Object(o.config.clone()).to_string())
        .bind(o.pk.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes an object and clears references to it in other settings.
pub async fn delete(conn: &mut AnyConnection, pk: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM castellan_object WHERE pk = $1")
        .bind(pk.to_string())
        .execute(&mut *conn)
        .await?;
    crate::refs::scrub(conn, pk).await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes an object of `model` that nothing references (an invitation being used): `true` only
/// when this call removed the row, so of concurrent callers exactly one gets `true`.
pub async fn take(conn: &mut AnyConnection, model: &str, pk: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM castellan_object WHERE model = $1 AND pk = $2")
        .bind(model.to_string())
        .bind(pk.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Loads an object of `model` by key.
pub async fn get(
    conn: &mut AnyConnection,
    model: &str,
    pk: Uuid,
) -> Result<Option<Object>, StoreError> {
    sqlx::query("SELECT pk, model, name, config FROM castellan_object WHERE model = $1 AND pk = $2")
        .bind(model.to_string())
        .bind(pk.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Every object of `model`, by name.
pub async fn list(conn: &mut AnyConnection, model: &str) -> Result<Vec<Object>, StoreError> {
    let mut q = ListQuery::new("name");
    q.eq("model", Param::Text(model.to_string()));
    q.fetch_all(conn, "pk, model, name, config", "castellan_object")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The objects of `model` with these keys, by name.
pub async fn get_many(
    conn: &mut AnyConnection,
    model: &str,
    pks: &[Uuid],
) -> Result<Vec<Object>, StoreError> {
    let mut q = ListQuery::new("name");
    q.eq("model", Param::Text(model.to_string()));
    q.any_of(
        "pk",
        pks.iter().map(|p| Param::Text(p.to_string())).collect(),
    );
    q.fetch_all(conn, "pk, model, name, config", "castellan_object")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Whether another object of `model` than `except` is named `name`.
pub async fn name_taken(
    conn: &mut AnyConnection,
    model: &str,
    name: &str,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM castellan_object WHERE model = $1 AND name = $2 AND pk <> $3",
    )
    .bind(model.to_string())
    .bind(name.to_string())
    .bind(except.map(|e| e.to_string()).unwrap_or_default())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}
