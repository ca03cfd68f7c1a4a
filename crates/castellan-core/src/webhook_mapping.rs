//! Notification webhook mappings (`authentik_events.notificationwebhookmapping`, spec §1.11):
//! property mappings whose expression builds the JSON body of an outgoing webhook — a
//! notification transport's, or the generic SMS provider's (§5.8).
use uuid::Uuid;

/// The mapping's `meta_model_name`.
pub const WEBHOOK_MAPPING_MODEL: &str = "authentik_events.notificationwebhookmapping";

/// A notification webhook mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationWebhookMapping {
    /// `pm_uuid`.
    pub pk: Uuid,
    /// Unique name.
    pub name: String,
    /// Python expression returning the payload (a dict).
    pub expression: String,
    /// Managed identifier (blueprints may set one; the API does not show it).
    pub managed: Option<String>,
}
