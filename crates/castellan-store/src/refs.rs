//! References held inside JSON settings (a stage's `password_stage`, a prompt stage's `fields`,
//! …): checking that referenced objects exist, and clearing references to deleted objects.
use serde_json::Value;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::list::{ListQuery, Param};

/// Where objects of `model` live: table, key column and an optional `(column, value)` condition.
fn location(model: &str) -> (&'static str, &'static str, Option<&'static str>) {
    match model {
        "authentik_flows.flow" => ("flows_flow", "flow_uuid", None),
        "authentik_flows.stage" => ("flows_stage", "stage_uuid", None),
        "authentik_policies.policy" => ("policies_policy", "policy_uuid", None),
        "authentik_core.group" => ("core_group", "group_uuid", None),
        "authentik_core.user" => ("core_user", "id", None),
        "authentik_stages_authenticator_webauthn.webauthndevicetype" => {
            (crate::webauthn_device_types::TABLE, "aaguid", None)
        }
        m if m.starts_with("authentik_stages_") && m.ends_with("stage") => {
            ("flows_stage", "stage_uuid", Some("kind"))
        }
        m if m.starts_with("authentik_policies_") && m.ends_with("policy") => {
            ("policies_policy", "policy_uuid", Some("kind"))
        }
        _ => ("castellan_object", "pk", Some("model")),
    }
}

/// The values among `values` (keys of `model`) that name no existing object, in input order.
pub async fn missing(
    conn: &mut AnyConnection,
    model: &str,
    values: &[Value],
) -> Result<Vec<Value>, StoreError> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let (table, key, kind) = location(model);
    let integer = key == "id";
    let mut q = ListQuery::new(key);
    let params = values
        .iter()
        .filter_map(|v| match v {
            Value::Number(n) if integer => n.as_i64().map(Param::Int),
            Value::String(s) if !integer => Some(Param::Text(s.clone())),
            _ => None,
        })
        .collect();
    q.any_of(key, params);
    if let Some(col) = kind {
        q.eq(col, Param::Text(model.to_string()));
    }
    let select = if integer {
        format!("CAST({key} AS TEXT) AS k")
    } else {
        format!("{key} AS k")
    };
    let found: Vec<String> = q
        .fetch_all(conn, &select, table)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("k"))
        .collect::<Result<_, _>>()?;
    Ok(values
        .iter()
        .filter(|v| {
            let shown = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            !found.contains(&shown)
        })
        .cloned()
        .collect())
}

/// Removes `key` from a settings object: values equal to it become null, lists drop it.
/// Returns whether anything changed.
pub fn remove_key(config: &mut serde_json::Map<String, Value>, key: &str) -> bool {
    let mut changed = false;
    for value in config.values_mut() {
        match value {
            Value::String(s) if s == key => {
                *value = Value::Null;
                changed = true;
            }
            Value::Array(items) => {
                let before = items.len();
                items.retain(|i| i.as_str() != Some(key));
                changed |= items.len() != before;
            }
            _ => {}
        }
    }
    changed
}

/// Clears every reference to `key` held in stage settings and object settings.
pub async fn scrub(conn: &mut AnyConnection, key: Uuid) -> Result<(), StoreError> {
    let key = key.to_string();
    for (table, pk) in [("flows_stage", "stage_uuid"), ("castellan_object", "pk")] {
        let sql = format!("SELECT {pk} AS pk, config FROM {table} WHERE config LIKE $1");
        let rows = sqlx::query(&sql)
            .bind(format!("%{key}%"))
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            let id: String = row.try_get("pk")?;
            let mut config = crate::stages::config(&row, "config")?;
            if remove_key(&mut config, &key) {
                let sql = format!("UPDATE {table} SET config = $1 WHERE {pk} = $2");
                sqlx::query(&sql)
                    .bind(Value::Object(config).to_string())
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(())
}
