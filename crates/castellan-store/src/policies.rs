//! Policies (spec §6.3): one row per policy, the type's settings as JSON (`kind` is authentik's
//! `meta_model_name`).
use std::collections::HashMap;

use castellan_core::policy::Policy;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{boolean, text, time, ts, uuid};
use crate::list::{ListQuery, Param};

/// Columns of a policy row.
pub const COLUMNS: &str =
    "policy_uuid, name, kind, execution_logging, created, last_updated, config";

/// Decodes a policy row (also used by joined queries).
pub fn from_row(row: &AnyRow) -> Result<Policy, StoreError> {
    Ok(Policy {
        pk: uuid(row, "policy_uuid")?,
        name: text(row, "name")?,
        kind: text(row, "kind")?,
        execution_logging: boolean(row, "execution_logging")?,
        created: time(row, "created")?,
        last_updated: time(row, "last_updated")?,
        config: crate::stages::config(row, "config")?,
    })
}

/// Inserts a policy.
pub async fn create(conn: &mut AnyConnection, p: &Policy) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO policies_policy (policy_uuid, name, kind, execution_logging, created, last_updated, config) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(p.pk.to_string())
    .bind(p.name.clone())
    .bind(p.kind.clone())
    .bind(p.execution_logging)
    .bind(ts(p.created))
    .bind(ts(p.last_updated))
    .bind(Value::Object(p.config.clone()).to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes name, logging flag, `last_updated` and settings.
pub async fn update(conn: &mut AnyConnection, p: &Policy) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE policies_policy SET name = $1, execution_logging = $2, last_updated = $3, config = $4 \
         WHERE policy_uuid = $5",
    )
    .bind(p.name.clone())
    .bind(p.execution_logging)
    .bind(ts(p.last_updated))
    .bind(Value::Object(p.config.clone()).to_string())
    .bind(p.pk.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes a policy (its bindings cascade) and clears references to it (prompt stages'
/// `validation_policies`).
pub async fn delete(conn: &mut AnyConnection, pk: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM policies_policy WHERE policy_uuid = $1")
        .bind(pk.to_string())
        .execute(&mut *conn)
        .await?;
    crate::refs::scrub(conn, pk).await?;
    Ok(done.rows_affected() > 0)
}

/// Loads by primary key.
pub async fn get(conn: &mut AnyConnection, pk: Uuid) -> Result<Option<Policy>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM policies_policy WHERE policy_uuid = $1");
    sqlx::query(&sql)
        .bind(pk.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Loads the policies with these keys, by name.
pub async fn get_many(conn: &mut AnyConnection, pks: &[Uuid]) -> Result<Vec<Policy>, StoreError> {
    let mut q = ListQuery::new("name");
    q.any_of(
        "policy_uuid",
        pks.iter().map(|p| Param::Text(p.to_string())).collect(),
    );
    q.fetch_all(conn, COLUMNS, "policies_policy")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Every policy of `kind` (every policy with `None`), by name.
pub async fn all(conn: &mut AnyConnection, kind: Option<&str>) -> Result<Vec<Policy>, StoreError> {
    let mut q = ListQuery::new("name");
    if let Some(k) = kind {
        q.eq("kind", Param::Text(k.to_string()));
    }
    q.fetch_all(conn, COLUMNS, "policies_policy")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Whether another policy than `except` is named `name`.
pub async fn name_taken(
    conn: &mut AnyConnection,
    name: &str,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM policies_policy WHERE name = $1 AND policy_uuid <> $2",
    )
    .bind(name.to_string())
    .bind(except.map(|e| e.to_string()).unwrap_or_default())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// `bound_to`: how many bindings use each of these policies.
pub async fn binding_counts(
    conn: &mut AnyConnection,
    pks: &[Uuid],
) -> Result<HashMap<Uuid, i64>, StoreError> {
    let mut out = HashMap::new();
    if pks.is_empty() {
        return Ok(out);
    }
    let placeholders: Vec<String> = (1..=pks.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT policy, COUNT(*) AS n FROM policies_policybinding WHERE policy IN ({}) GROUP BY policy",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for pk in pks {
        query = query.bind(pk.to_string());
    }
    for row in query.fetch_all(&mut *conn).await? {
        out.insert(uuid(&row, "policy")?, row.try_get::<i64, _>("n")?);
    }
    Ok(out)
}

/// Policy keys that are bound at least once (`bindings__isnull=false`).
pub async fn bound(conn: &mut AnyConnection) -> Result<Vec<Uuid>, StoreError> {
    sqlx::query("SELECT DISTINCT policy FROM policies_policybinding WHERE policy IS NOT NULL")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| uuid(r, "policy"))
        .collect()
}
