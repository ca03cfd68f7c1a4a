//! Device challenges (spec §5.3 "Building device challenges"): one per device class the user
//! has confirmed devices of, in device-model order. `device_uid` is the class's first device;
//! `last_used` is the latest over **all** the user's devices of the class (2024.10 used the
//! first device's), so the page's autoselect really picks the class used last.
use castellan_core::mfa::{CLASS_SMS, CLASS_STATIC, CLASS_TOTP};
use castellan_flows::{EnvError, FlowEnv};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// One device challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceChallenge {
    /// `device_class`.
    pub class: &'static str,
    /// `device_uid` (the class's first device pk).
    pub uid: String,
    /// Latest `last_used` of the class.
    pub last_used: Option<DateTime<Utc>>,
    /// `challenge`: `{}` for code-based classes, the request options for WebAuthn.
    pub challenge: Value,
}

impl DeviceChallenge {
    /// The wire form.
    pub fn to_json(&self) -> Value {
        json!({"device_class": self.class, "device_uid": self.uid, "challenge": self.challenge,
               "last_used": self.last_used})
    }
    /// Whether a `selected_challenge` object names this challenge.
    pub fn matches(&self, selected: &Value) -> bool {
        let uid = match selected.get("device_uid") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return false,
        };
        selected.get("device_class").and_then(Value::as_str) == Some(self.class) && uid == self.uid
    }
}

fn wants(classes: &[String], class: &str) -> bool {
    classes.iter().any(|c| c == class)
}

fn latest(times: impl Iterator<Item = Option<DateTime<Utc>>>) -> Option<DateTime<Utc>> {
    times.flatten().max()
}

/// The code-based challenges for `user`, limited to `classes` (WebAuthn's, which needs the
/// session, is added by the stage).
pub async fn device_challenges(
    env: &mut dyn FlowEnv,
    user: i64,
    classes: &[String],
) -> Result<Vec<DeviceChallenge>, EnvError> {
    let mut out = Vec::new();
    if wants(classes, castellan_core::mfa::CLASS_DUO) {
        let devices = env.duo_devices(user).await?;
        if let Some(first) = devices.first() {
            out.push(DeviceChallenge {
                class: castellan_core::mfa::CLASS_DUO,
                uid: first.common.pk.to_string(),
                last_used: latest(devices.iter().map(|d| d.common.last_used)),
                challenge: json!({}),
            });
        }
    }
    if wants(classes, CLASS_SMS) {
        // Verify-only devices (a hash of the number) are never offered.
        let devices = super::sms::login_devices(env, user).await?;
        if let Some(first) = devices.first() {
            out.push(DeviceChallenge {
                class: CLASS_SMS,
                uid: first.common.pk.to_string(),
                last_used: latest(devices.iter().map(|d| d.common.last_used)),
                challenge: json!({}),
            });
        }
    }
    if wants(classes, CLASS_STATIC) {
        let devices = env.static_devices(user).await?;
        if let Some(first) = devices.first() {
            out.push(DeviceChallenge {
                class: CLASS_STATIC,
                uid: first.common.pk.to_string(),
                last_used: latest(devices.iter().map(|d| d.common.last_used)),
                challenge: json!({}),
            });
        }
    }
    if wants(classes, CLASS_TOTP) {
        let devices = env.totp_devices(user).await?;
        if let Some(first) = devices.first() {
            out.push(DeviceChallenge {
                class: CLASS_TOTP,
                uid: first.common.pk.to_string(),
                last_used: latest(devices.iter().map(|d| d.common.last_used)),
                challenge: json!({}),
            });
        }
    }
    Ok(out)
}
