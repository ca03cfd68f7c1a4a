//! TOTP setup stage (spec §5.4): an unconfirmed device is kept in the session, the challenge
//! carries its `otpauth://` URL, and the first correct code confirms and saves it.
use async_trait::async_trait;
use castellan_core::mfa::{DeviceCommon, Throttle, TotpDevice};
use castellan_crypto::totp::{self, DEFAULT_STEP, TotpParams};
use castellan_flows::{Challenge, EnvError, ResponseErrors, StageContext, StageView, Step};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::device_user::{DeviceUser, device_user};

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_authenticator_totp.authenticatortotpstage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-authenticator-totp";
/// Session key of the unconfirmed device.
pub const SESSION_DEVICE: &str = "authentik/stages/authenticator_totp/device";
/// Name of enrolled devices.
pub const DEVICE_NAME: &str = "TOTP Authenticator";
const MISMATCH: &str = "Code does not match";

/// TOTP setup stage settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TotpSettings {
    /// `6` or `8` (stored as a string or a number).
    pub digits: Value,
}

impl TotpSettings {
    fn digits(&self) -> u32 {
        let n = match &self.digits {
            Value::String(s) => s.parse().unwrap_or(6),
            Value::Number(n) => n.as_u64().unwrap_or(6),
            _ => 6,
        };
        if n == 8 { 8 } else { 6 }
    }
}

/// The unconfirmed device of the session: (key hex, digits).
fn session_device(cx: &mut StageContext<'_>, user: &DeviceUser, digits: u32) -> (String, u32) {
    let stored = cx.session.data.get(SESSION_DEVICE);
    if let Some(d) = stored.filter(|d| d.get("user").and_then(Value::as_i64) == Some(user.pk))
        && let Some(key) = d.get("key").and_then(Value::as_str)
    {
        let digits = d.get("digits").and_then(Value::as_u64).unwrap_or(6);
        return (key.to_string(), u32::try_from(digits).unwrap_or(6));
    }
    let key = totp::new_key_hex();
    cx.session.data.insert(
        SESSION_DEVICE.into(),
        json!({"user": user.pk, "key": key, "digits": digits}),
    );
    (key, digits)
}

/// Percent-encodes like Python's `quote` (`safe` characters and unreserved ones kept).
fn quote(value: &str, plus_for_space: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b));
            }
            b' ' if plus_for_space => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The `otpauth://` URL authenticator apps import.
pub fn config_url(issuer: &str, username: &str, key: &[u8], digits: u32) -> String {
    format!(
        "otpauth://totp/{}?secret={}&algorithm=SHA1&digits={digits}&period={DEFAULT_STEP}&issuer={}",
        quote(&format!("{issuer}:{username}"), false),
        totp::base32_encode(key),
        quote(issuer, true),
    )
}

fn challenge(cx: &StageContext<'_>, user: &DeviceUser, key: &str, digits: u32) -> Challenge {
    let raw = totp::key_from_hex(key).unwrap_or_default();
    let url = config_url(&cx.request.brand_name, &user.username, &raw, digits);
    Challenge::with_user(COMPONENT).field("config_url", url)
}

/// Reads the `code` response field (DRF `IntegerField`).
fn read_code(body: &Map<String, Value>, errors: &mut ResponseErrors) -> Option<String> {
    match body.get("code") {
        None => errors.add("code", "This field is required.", "required"),
        Some(Value::Null) => errors.add("code", "This field may not be null.", "null"),
        Some(Value::Number(n)) if n.is_u64() => return Some(n.to_string()),
        Some(Value::String(s)) if s.trim().parse::<u64>().is_ok() => {
            return Some(s.trim().to_string());
        }
        Some(_) => errors.add("code", "A valid integer is required.", "invalid"),
    }
    None
}

/// The TOTP setup stage.
pub struct AuthenticatorTotpStage;

#[async_trait]
impl StageView for AuthenticatorTotpStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let Some(user) = device_user(cx) else {
            return Ok(Step::Next);
        };
        let s: TotpSettings = cx.settings();
        let (key, digits) = session_device(cx, &user, s.digits());
        Ok(Step::Show(challenge(cx, &user, &key, digits)))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        body: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        let Some(user) = device_user(cx) else {
            return Ok(Step::Next);
        };
        let s: TotpSettings = cx.settings();
        let (key, digits) = session_device(cx, &user, s.digits());
        let mut errors = ResponseErrors::default();
        let Some(code) = read_code(body, &mut errors) else {
            return Ok(Step::Invalid(challenge(cx, &user, &key, digits), errors));
        };
        let raw = totp::key_from_hex(&key).unwrap_or_default();
        let params = TotpParams {
            key: &raw,
            step: DEFAULT_STEP,
            t0: 0,
            digits,
            tolerance: 1,
            drift: 0,
            last_t: -1,
        };
        let now = cx.env.now();
        let Some(found) = totp::verify(&params, &code, now.timestamp()) else {
            errors.add("code", MISMATCH, "invalid");
            return Ok(Step::Invalid(challenge(cx, &user, &key, digits), errors));
        };
        let device = TotpDevice {
            common: DeviceCommon {
                pk: 0,
                user: user.pk,
                name: DEVICE_NAME.into(),
                confirmed: true,
                created: now,
                last_updated: now,
                last_used: None,
            },
            key,
            step: DEFAULT_STEP,
            t0: 0,
            digits: i64::from(digits),
            tolerance: 1,
            // The confirmation code cannot be replayed to log in.
            drift: found.drift,
            last_t: found.t,
            throttle: Throttle::default(),
        };
        cx.env.save_totp_device(&device).await?;
        cx.session.data.remove(SESSION_DEVICE);
        Ok(Step::Next)
    }
}

#[cfg(test)]
mod tests {
    //! The `otpauth://` URL.

    use super::*;

    #[test]
    fn config_url_quotes_label_and_issuer() {
        let url = config_url("my brand", "a b@x", b"12345678901234567890", 6);
        assert_eq!(
            url,
            "otpauth://totp/my%20brand%3Aa%20b%40x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &algorithm=SHA1&digits=6&period=30&issuer=my+brand"
        );
    }
}
