//! Notification webhook mappings (`authentik_events.notificationwebhookmapping`, spec §1.11),
//! kept in the generic object table ([`crate::objects`]) the way blueprints store them: the
//! name is the object's name, `expression` and `managed` live in its settings.
use castellan_core::webhook_mapping::{NotificationWebhookMapping, WEBHOOK_MAPPING_MODEL};
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;
use uuid::Uuid;

use crate::StoreError;
use crate::objects::{self, Object};

/// Reads a webhook mapping out of a generic object.
pub fn from_object(o: &Object) -> NotificationWebhookMapping {
    NotificationWebhookMapping {
        pk: o.pk,
        name: o.name.clone(),
        expression: o
            .config
            .get("expression")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        managed: o
            .config
            .get("managed")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// The generic object of a webhook mapping.
pub fn to_object(m: &NotificationWebhookMapping) -> Object {
    let mut config = Map::new();
    config.insert("expression".into(), json!(m.expression));
    config.insert("managed".into(), json!(m.managed));
    Object {
        pk: m.pk,
        model: WEBHOOK_MAPPING_MODEL.into(),
        name: m.name.clone(),
        config,
    }
}

/// The webhook mapping `pk`.
pub async fn get(
    conn: &mut AnyConnection,
    pk: Uuid,
) -> Result<Option<NotificationWebhookMapping>, StoreError> {
    Ok(objects::get(conn, WEBHOOK_MAPPING_MODEL, pk)
        .await?
        .as_ref()
        .map(from_object))
}

/// Every webhook mapping, by name.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<NotificationWebhookMapping>, StoreError> {
    Ok(objects::list(conn, WEBHOOK_MAPPING_MODEL)
        .await?
        .iter()
        .map(from_object)
        .collect())
}
