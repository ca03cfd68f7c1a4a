//! SMS devices in the validation stage (spec §5.3): selecting an SMS device challenge sends a
//! fresh 6-digit code (valid 300 s) through the device's setup stage, and a `code` is checked
//! against the pending code of each SMS device (throttled, constant time, single use).
use castellan_core::mfa::{CLASS_SMS, SmsDevice};
use castellan_crypto::token::constant_time_eq;
use castellan_flows::context::PENDING_USER;
use castellan_flows::{EnvError, FlowEnv, FlowRequest, StageContext};
use serde_json::{Map, Value};

use super::code::MatchedDevice;
use crate::authenticator_sms::gateway::{Recipient, SmsSettings, fresh_code, message};

/// The error of an SMS device whose setup stage is gone.
const NO_STAGE: &str = "SMS device has no setup stage.";

/// The user's SMS devices that can log in (verify-only ones keep only a hash).
pub async fn login_devices(env: &mut dyn FlowEnv, user: i64) -> Result<Vec<SmsDevice>, EnvError> {
    let mut devices = env.sms_devices(user).await?;
    devices.retain(|d| !d.is_hashed());
    Ok(devices)
}

/// Generates, stores and sends a code to the user's SMS device `device`; the inner error is
/// the message for the user.
pub async fn send_code(
    env: &mut dyn FlowEnv,
    user: i64,
    device: i64,
    pending_user: Option<&Value>,
    request: &FlowRequest,
) -> Result<Result<(), String>, EnvError> {
    let devices = login_devices(env, user).await?;
    let Some(device) = devices.into_iter().find(|d| d.common.pk == device) else {
        return Ok(Err("invalid challenge selected".into()));
    };
    let Some(stage) = env.stage(device.stage).await? else {
        return Ok(Err(NO_STAGE.into()));
    };
    let settings: SmsSettings =
        serde_json::from_value(Value::Object(stage.config.clone())).unwrap_or_default();
    let (code, valid_until) = fresh_code(env.now());
    env.set_sms_token(device.common.pk, &code, valid_until)
        .await?;
    let recipient = Recipient {
        stage_name: &stage.name,
        device_name: &device.common.name,
        to: &device.phone_number,
    };
    let sms = message(
        &settings,
        &request.brand_name,
        recipient,
        &code,
        pending_user,
    );
    Ok(env.send_sms(sms).await)
}

/// Tries `code` on the user's SMS devices with a pending, unexpired code; the first match wins
/// and its code is used up.
pub async fn verify(
    env: &mut dyn FlowEnv,
    user: i64,
    code: &str,
) -> Result<Option<MatchedDevice>, EnvError> {
    let now = env.now();
    for device in login_devices(env, user).await? {
        let pk = device.common.pk;
        let (Some(token), Some(until)) = (&device.token, device.valid_until) else {
            continue;
        };
        if device.throttle.is_blocked(now)
            || !env
                .device_attempt(CLASS_SMS, pk, device.throttle.failure_count)
                .await?
        {
            continue;
        }
        if now < until
            && constant_time_eq(token.as_bytes(), code.as_bytes())
            && env.take_sms_token(pk, token).await?
        {
            return Ok(Some(MatchedDevice {
                class: CLASS_SMS,
                pk,
                name: device.common.name.clone(),
            }));
        }
    }
    Ok(None)
}

/// The `selected_challenge` response field: an object, or its JSON text (the flow pages post
/// it from a plain form).
pub fn selected_challenge(body: &Map<String, Value>) -> Option<Value> {
    match body.get("selected_challenge")? {
        Value::Null => None,
        Value::String(text) => {
            Some(serde_json::from_str(text).unwrap_or(Value::String(text.clone())))
        }
        other => Some(other.clone()),
    }
}

/// A selected SMS challenge sends its device a code; the error is the message for the user
/// (`None` for other classes and on success).
pub async fn on_selected(
    cx: &mut StageContext<'_>,
    user: i64,
    selected: &Value,
) -> Result<Option<String>, EnvError> {
    if selected.get("device_class").and_then(Value::as_str) != Some(CLASS_SMS) {
        return Ok(None);
    }
    let device = match selected.get("device_uid") {
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    let Some(device) = device else {
        return Ok(None);
    };
    let pending = cx
        .plan
        .context
        .get(PENDING_USER)
        .filter(|u| !u.is_null())
        .or(cx.request.user.as_ref())
        .cloned();
    let sent = send_code(cx.env, user, device, pending.as_ref(), cx.request).await?;
    Ok(sent.err())
}
