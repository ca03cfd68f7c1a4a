//! Scope mappings (`authentik_providers_oauth2.scopemapping`, spec §7.1.6), kept in the generic
//! object table ([`crate::objects`]): the name is the object's name, `scope_name`,
//! `description`, `expression` and `managed` live in its settings.
use castellan_core::oauth2::{SCOPE_MAPPING_MODEL, ScopeMapping};
use serde_json::Value;
use sqlx::AnyConnection;
use uuid::Uuid;

use crate::StoreError;
use crate::objects::{self, Object};

fn setting(o: &Object, key: &str) -> String {
    o.config
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Reads a scope mapping out of a generic object.
pub fn from_object(o: &Object) -> ScopeMapping {
    ScopeMapping {
        pk: o.pk,
        name: o.name.clone(),
        scope_name: setting(o, "scope_name"),
        description: setting(o, "description"),
        expression: setting(o, "expression"),
        managed: o
            .config
            .get("managed")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// Every scope mapping, by name.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<ScopeMapping>, StoreError> {
    Ok(objects::list(conn, SCOPE_MAPPING_MODEL)
        .await?
        .iter()
        .map(from_object)
        .collect())
}

/// The scope mappings among `pks` (other keys and other models are skipped), by name.
pub async fn get_many(
    conn: &mut AnyConnection,
    pks: &[Uuid],
) -> Result<Vec<ScopeMapping>, StoreError> {
    Ok(objects::get_many(conn, SCOPE_MAPPING_MODEL, pks)
        .await?
        .iter()
        .map(from_object)
        .collect())
}

/// The scope mapping with this `managed` identifier.
pub async fn by_managed(
    conn: &mut AnyConnection,
    managed: &str,
) -> Result<Option<ScopeMapping>, StoreError> {
    // Scope mappings number in the tens: filter the model's objects in memory.
    Ok(objects::list(conn, SCOPE_MAPPING_MODEL)
        .await?
        .iter()
        .find(|o| o.config.get("managed").and_then(Value::as_str) == Some(managed))
        .map(from_object))
}
