//! The user an authenticator setup stage enrols a device for: the plan's pending user, or the
//! logged-in user when the flow has none (authentik's `get_pending_user`).
use castellan_flows::StageContext;
use castellan_flows::context::PENDING_USER;
use serde_json::Value;

/// A saved user: pk and username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceUser {
    /// User pk.
    pub pk: i64,
    /// Username.
    pub username: String,
}

/// The user the stage works for; `None` when anonymous or not saved.
pub fn device_user(cx: &StageContext<'_>) -> Option<DeviceUser> {
    let user = cx
        .plan
        .context
        .get(PENDING_USER)
        .filter(|u| !u.is_null())
        .or(cx.request.user.as_ref())?;
    Some(DeviceUser {
        pk: user.get("pk")?.as_i64()?,
        username: user
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}
