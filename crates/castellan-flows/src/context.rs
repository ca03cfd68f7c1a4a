//! Well-known plan context keys (spec §3.4) and the pending user as the plan holds it: the
//! expression engine's tagged user JSON (`{"$type": "user", "pk": …, "username": …}`), so
//! expressions and stages read and write the same value.
use serde_json::{Map, Value, json};

/// The user the flow acts on.
pub const PENDING_USER: &str = "pending_user";
/// What the user typed when `show_matched_user` is off.
pub const PENDING_USER_IDENTIFIER: &str = "pending_user_identifier";
/// The application the user is trying to reach.
pub const APPLICATION: &str = "application";
/// Final redirect URL (absolute allowed: set only by Castellan or admin policies).
pub const REDIRECT: &str = "redirect";
/// The authentication backend that verified the user.
pub const USER_BACKEND: &str = "user_backend";
/// How the user authenticated.
pub const AUTH_METHOD: &str = "auth_method";
/// Details of how the user authenticated.
pub const AUTH_METHOD_ARGS: &str = "auth_method_args";
/// The restored flow token when a plan was resumed.
pub const IS_RESTORED: &str = "is_restored";
/// Whether a source or provider started the plan.
pub const IS_SSO: &str = "is_sso";
/// The captcha verification result.
pub const CAPTCHA: &str = "captcha";
/// Message shown by a deny stage.
pub const DENY_MESSAGE: &str = "deny_message";
/// Flow title override.
pub const TITLE: &str = "title";

/// The pending user's pk, when it is a saved user.
pub fn pending_user_pk(context: &Map<String, Value>) -> Option<i64> {
    context.get(PENDING_USER)?.get("pk")?.as_i64()
}

/// The pending user's username (empty when unknown).
pub fn pending_username(context: &Map<String, Value>) -> String {
    context
        .get(PENDING_USER)
        .and_then(|u| u.get("username"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Whether the pending user was already authenticated by a backend on this plan.
pub fn pending_user_has_backend(context: &Map<String, Value>) -> bool {
    context
        .get(PENDING_USER)
        .and_then(|u| u.get("backend"))
        .is_some_and(|b| !b.is_null())
}

/// An unsaved stand-in user (unknown identifier with `pretend_user_exists`).
pub fn unsaved_user(identifier: &str) -> Value {
    json!({"$type": "user", "pk": null, "username": identifier, "email": identifier,
           "name": "", "is_active": true, "is_superuser": false, "attributes": {},
           "groups": [], "has_usable_password": false, "path": "users", "type": "internal"})
}
