//! The user an authenticator setup stage enrols a device for: the plan's pending user, or the
//! logged-in user when the flow has none (authentik's `get_pending_user`).
use castellan_flows::StageContext;
use castellan_flows::context::PENDING_USER;
use serde_json::Value;

/// A saved user: pk, username, display name and `uid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceUser {
    /// User pk.
    pub pk: i64,
    /// Username.
    pub username: String,
    /// Display name (the username when empty).
    pub name: String,
    /// The user's stable `uid` (the pk when the user JSON has none).
    pub uid: String,
}

/// The user the stage works for; `None` when anonymous or not saved.
pub fn device_user(cx: &StageContext<'_>) -> Option<DeviceUser> {
    let user = cx
        .plan
        .context
        .get(PENDING_USER)
        .filter(|u| !u.is_null())
        .or(cx.request.user.as_ref())?;
    let pk = user.get("pk")?.as_i64()?;
    let text = |key: &str| {
        user.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let username = text("username").unwrap_or_default();
    Some(DeviceUser {
        pk,
        name: text("name").unwrap_or_else(|| username.clone()),
        uid: text("uid").unwrap_or_else(|| pk.to_string()),
        username,
    })
}
