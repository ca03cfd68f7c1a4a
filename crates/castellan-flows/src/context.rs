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
/// The restored flow token when a plan was resumed (its identifier).
pub const IS_RESTORED: &str = "is_restored";
/// The pk of the user the restored flow token was issued for (the email stage refuses to
/// pass for another pending user, as authentik compares `is_restored.user`).
pub const IS_RESTORED_USER: &str = "is_restored_user";
/// Whether a source or provider started the plan.
pub const IS_SSO: &str = "is_sso";
/// The captcha verification result.
pub const CAPTCHA: &str = "captcha";
/// Message shown by a deny stage.
pub const DENY_MESSAGE: &str = "deny_message";
/// Flow title override.
pub const TITLE: &str = "title";
/// The consent stage's header text ("You're about to sign into …").
pub const CONSENT_HEADER: &str = "consent_header";
/// Permissions the consent stage asks for: a list of `{"id": …, "name": …}`.
pub const CONSENT_PERMISSIONS: &str = "consent_permissions";
/// Permissions requested beyond a stored consent (same shape).
pub const CONSENT_ADDITIONAL_PERMISSIONS: &str = "consent_additional_permissions";

/// The pk of the plan's application: its `pk` when the context holds the application object
/// (as providers put it there), or the value itself when it is a UUID string.
pub fn application_pk(context: &Map<String, Value>) -> Option<uuid::Uuid> {
    let app = context.get(APPLICATION)?;
    let pk = app.get("pk").unwrap_or(app).as_str()?;
    uuid::Uuid::parse_str(pk).ok()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_pk_reads_the_object_or_a_uuid_string() {
        let pk = "5a1c2b7e-3f4d-4c6b-9a8e-1d2c3b4a5f60";
        let mut context = Map::new();
        assert_eq!(application_pk(&context), None);
        context.insert(APPLICATION.into(), json!({"pk": pk, "name": "Wiki"}));
        assert_eq!(
            application_pk(&context).map(|u| u.to_string()),
            Some(pk.into())
        );
        context.insert(APPLICATION.into(), json!(pk));
        assert_eq!(
            application_pk(&context).map(|u| u.to_string()),
            Some(pk.into())
        );
        context.insert(APPLICATION.into(), json!({"pk": "not-a-uuid"}));
        assert_eq!(application_pk(&context), None);
    }
}
