//! WebAuthn in the validation stage (spec §5.3): the request options of the device challenge
//! (every allowed credential of the user, or none for passwordless login), and verifying an
//! assertion against the session's challenge, the credential's device and the stage settings.
use castellan_core::mfa::{CLASS_WEBAUTHN, WebAuthnDevice};
use castellan_crypto::webauthn::{self, Expected, base64url_encode};
use castellan_flows::{EnvError, StageContext};
use serde_json::{Value, json};

use super::challenges::DeviceChallenge;
use crate::authenticator_webauthn::options::TIMEOUT_MS;
use crate::authenticator_webauthn::relying_party::relying_party;
use crate::authenticator_webauthn::{SESSION_CHALLENGE, invalid_device_type};

/// The error of an assertion that does not verify.
pub const ASSERTION_FAILED: &str = "Assertion failed";

/// `device_uid` of the passwordless challenge.
pub const PASSWORDLESS_UID: &str = "-1";

/// The validation settings WebAuthn reads.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct WebAuthnValidateSettings {
    /// `required`, `preferred` (default) or `discouraged`.
    pub webauthn_user_verification: Option<String>,
    /// Allowed authenticator models (AAGUIDs); empty = any.
    pub webauthn_allowed_device_types: Vec<Value>,
}

impl WebAuthnValidateSettings {
    fn user_verification(&self) -> &str {
        match self.webauthn_user_verification.as_deref() {
            Some(v @ ("required" | "discouraged")) => v,
            _ => "preferred",
        }
    }
    fn allowed_types(&self) -> Vec<String> {
        self.webauthn_allowed_device_types
            .iter()
            .filter_map(|v| match v {
                Value::String(a) => Some(a.to_ascii_lowercase()),
                Value::Object(o) => o
                    .get("aaguid")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase),
                _ => None,
            })
            .collect()
    }
    /// Whether a device's model is allowed: devices of a known model must be listed when the
    /// list is not empty; devices of no known model pass (as authentik).
    pub fn allows(&self, device: &WebAuthnDevice) -> bool {
        let allowed = self.allowed_types();
        match &device.device_type {
            Some(t) if !allowed.is_empty() => allowed.contains(&t.aaguid),
            _ => true,
        }
    }
}

/// The session's outstanding challenge, or a fresh one. The same challenge serves every render
/// until an assertion consumes it, so a device-picker POST does not invalidate the ceremony the
/// page already started.
fn session_challenge(cx: &mut StageContext<'_>) -> Vec<u8> {
    let stored = cx
        .session
        .data
        .get(SESSION_CHALLENGE)
        .and_then(Value::as_str)
        .and_then(webauthn::base64url_decode);
    match stored {
        Some(c) if !c.is_empty() => c,
        _ => crate::authenticator_webauthn::issue_challenge(cx),
    }
}

/// The `PublicKeyCredentialRequestOptions` for these credentials.
fn request_options(cx: &mut StageContext<'_>, devices: &[WebAuthnDevice], uv: &str) -> Value {
    let rp = relying_party(cx);
    let challenge = session_challenge(cx);
    let allow: Vec<Value> = devices
        .iter()
        .map(|d| json!({"type": "public-key", "id": d.credential_id}))
        .collect();
    json!({"challenge": base64url_encode(&challenge), "timeout": TIMEOUT_MS, "rpId": rp.id,
           "allowCredentials": allow, "userVerification": uv})
}

/// The WebAuthn device challenge of `user`, if they have allowed credentials.
pub async fn user_challenge(
    cx: &mut StageContext<'_>,
    user: i64,
    s: &WebAuthnValidateSettings,
) -> Result<Option<DeviceChallenge>, EnvError> {
    let devices: Vec<WebAuthnDevice> = cx
        .env
        .webauthn_devices(user)
        .await?
        .into_iter()
        .filter(|d| s.allows(d))
        .collect();
    let Some(first) = devices.first() else {
        return Ok(None);
    };
    let uid = first.common.pk.to_string();
    let last_used = devices.iter().filter_map(|d| d.common.last_used).max();
    let options = request_options(cx, &devices, s.user_verification());
    Ok(Some(DeviceChallenge {
        class: CLASS_WEBAUTHN,
        uid,
        last_used,
        challenge: options,
    }))
}

/// The passwordless challenge: no user yet, any discoverable credential.
pub fn passwordless_challenge(
    cx: &mut StageContext<'_>,
    s: &WebAuthnValidateSettings,
) -> DeviceChallenge {
    let options = request_options(cx, &[], s.user_verification());
    DeviceChallenge {
        class: CLASS_WEBAUTHN,
        uid: PASSWORDLESS_UID.into(),
        last_used: None,
        challenge: options,
    }
}

/// Why an assertion was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Any verification failure (logged as `login_failed`).
    Failed,
    /// The device's model is not allowed.
    DeviceType(String),
}

/// Verifies a `webauthn` response; the challenge is consumed whatever the outcome. `user` is
/// the pending user (`None` for passwordless). Returns the device that signed.
pub async fn verify(
    cx: &mut StageContext<'_>,
    response: &Value,
    user: Option<i64>,
    s: &WebAuthnValidateSettings,
) -> Result<Result<WebAuthnDevice, Refusal>, EnvError> {
    let stored = cx
        .session
        .data
        .remove(SESSION_CHALLENGE)
        .and_then(|v| v.as_str().and_then(webauthn::base64url_decode));
    let Some(challenge) = stored else {
        return Ok(Err(Refusal::Failed));
    };
    let Ok(credential_id) = webauthn::credential_id(response) else {
        return Ok(Err(Refusal::Failed));
    };
    let Some(device) = cx
        .env
        .webauthn_device(&base64url_encode(&credential_id))
        .await?
        .filter(|d| d.common.confirmed)
    else {
        return Ok(Err(Refusal::Failed));
    };
    if user.is_some_and(|u| u != device.common.user) {
        return Ok(Err(Refusal::Failed));
    }
    if !s.allows(&device) {
        return Ok(Err(Refusal::DeviceType(invalid_device_type(
            &cx.request.brand_name,
        ))));
    }
    let rp = relying_party(cx);
    let expected = Expected {
        challenge,
        rp_id: rp.id,
        origins: vec![rp.origin],
        require_user_verification: s.user_verification() == "required",
    };
    let Some(key) = webauthn::base64url_decode(&device.public_key) else {
        return Ok(Err(Refusal::Failed));
    };
    let stored_count = u32::try_from(device.sign_count).unwrap_or(0);
    let assertion = match webauthn::verify_assertion(response, &expected, &key, stored_count) {
        Ok(a) => a,
        Err(e) => {
            tracing::info!(device = device.common.pk, reason = %e, "WebAuthn assertion refused");
            return Ok(Err(Refusal::Failed));
        }
    };
    let accepted = cx
        .env
        .accept_webauthn(
            device.common.pk,
            device.sign_count,
            i64::from(assertion.sign_count),
        )
        .await?;
    if !accepted {
        return Ok(Err(Refusal::Failed));
    }
    Ok(Ok(device))
}
