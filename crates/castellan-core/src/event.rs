//! Audit events (spec §10.1).
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The `action` values authentik defines (custom actions start with `custom_`).
pub const EVENT_ACTIONS: [&str; 27] = [
    "login",
    "login_failed",
    "logout",
    "user_write",
    "suspicious_request",
    "password_set",
    "secret_view",
    "secret_rotate",
    "invitation_used",
    "authorize_application",
    "source_linked",
    "impersonation_started",
    "impersonation_ended",
    "flow_execution",
    "policy_execution",
    "policy_exception",
    "property_mapping_exception",
    "system_task_execution",
    "system_task_exception",
    "system_exception",
    "configuration_error",
    "model_created",
    "model_updated",
    "model_deleted",
    "email_sent",
    "update_available",
    "custom_",
];

/// Whether `action` is a known action or a `custom_…` one.
pub fn is_valid_action(action: &str) -> bool {
    EVENT_ACTIONS.contains(&action) || action.starts_with("custom_")
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `event_uuid`.
    pub event_uuid: Uuid,
    /// Snapshot of the acting user (`{pk, username, email, …}`).
    pub user: serde_json::Value,
    /// Action name.
    pub action: String,
    /// Originating component (e.g. `authentik.core`).
    pub app: String,
    /// Sanitized context.
    pub context: serde_json::Value,
    /// Client IP.
    pub client_ip: Option<String>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Expiry (now + `event_retention`).
    pub expires: DateTime<Utc>,
    /// Snapshot of the request's brand.
    pub brand: serde_json::Value,
}

/// Keys whose values are replaced before an event context is stored (authentik's cleanse list).
const SECRET_KEYS: [&str; 9] = [
    "password",
    "token",
    "key",
    "secret",
    "api_key",
    "client_secret",
    "key_data",
    "private_key",
    "otp",
];

/// Replaces secret-looking values anywhere in `value` with `********************`.
pub fn cleanse(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let lower = k.to_ascii_lowercase();
                let secret = SECRET_KEYS
                    .iter()
                    .any(|s| lower == *s || lower.contains("password"));
                // Objects and lists under a secret-looking key are model references or nested
                // data: cleanse inside them instead of hiding them (as authentik does).
                if secret && !v.is_object() && !v.is_array() {
                    *v = serde_json::Value::String("********************".into());
                } else {
                    cleanse(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(cleanse),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleanses_nested_secrets() {
        let mut v = serde_json::json!({"a": {"password": "x", "new_password_repeat": "y"}, "key": "k", "name": "n"});
        cleanse(&mut v);
        assert_eq!(v["a"]["password"], "********************");
        assert_eq!(v["a"]["new_password_repeat"], "********************");
        assert_eq!(v["key"], "********************");
        assert_eq!(v["name"], "n");
        let mut r =
            serde_json::json!({"secret": {"app": "authentik_core", "name": "t", "key": "k"}});
        cleanse(&mut r);
        assert_eq!(r["secret"]["name"], "t");
        assert_eq!(r["secret"]["key"], "********************");
    }

    #[test]
    fn actions() {
        assert!(is_valid_action("login"));
        assert!(is_valid_action("custom_foo"));
        assert!(!is_valid_action("nope"));
    }
}
