//! Verifying a submitted code against the user's TOTP, static and SMS devices (spec §5.3
//! `code`): throttled devices are skipped, a TOTP code must be newer than the device's
//! `last_t`, a static token or SMS code is used up; every device that did not match records a
//! failure.
use castellan_core::mfa::{CLASS_SMS, CLASS_STATIC, CLASS_TOTP, TotpDevice};
use castellan_crypto::token::constant_time_eq;
use castellan_crypto::totp::{self, TotpParams};
use castellan_flows::{EnvError, FlowEnv};
use serde_json::{Value, json};

/// The device a code matched, as recorded in `auth_method_args.mfa_devices`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedDevice {
    /// `totp`, `static` or `sms`.
    pub class: &'static str,
    /// Device pk.
    pub pk: i64,
    /// Device name.
    pub name: String,
}

impl MatchedDevice {
    /// The model reference authentik records for a device.
    pub fn to_json(&self) -> Value {
        let (app, model) = match self.class {
            CLASS_TOTP => ("authentik_stages_authenticator_totp", "totpdevice"),
            CLASS_SMS => ("authentik_stages_authenticator_sms", "smsdevice"),
            _ => ("authentik_stages_authenticator_static", "staticdevice"),
        };
        json!({"app": app, "model_name": model, "pk": self.pk, "name": self.name})
    }
}

fn totp_match(device: &TotpDevice, code: &str, unix: i64) -> Option<totp::TotpMatch> {
    let key = totp::key_from_hex(&device.key)?;
    let params = TotpParams {
        key: &key,
        step: device.step,
        t0: device.t0,
        digits: u32::try_from(device.digits).unwrap_or(6),
        tolerance: device.tolerance,
        drift: device.drift,
        last_t: device.last_t,
    };
    totp::verify(&params, code, unix)
}

fn wants(classes: &[String], class: &str) -> bool {
    classes.iter().any(|c| c == class)
}

/// Tries `code` on the user's devices of `classes`; the first device that accepts it wins.
pub async fn verify_code(
    env: &mut dyn FlowEnv,
    user: i64,
    classes: &[String],
    code: &str,
) -> Result<Option<MatchedDevice>, EnvError> {
    let now = env.now();
    let code = code.trim();
    let mut found = None;
    // Every attempt on a device is claimed (counted as a failure) before the code is compared,
    // so parallel guesses cannot share one throttle window; a success resets the count.
    if wants(classes, CLASS_TOTP) {
        for device in env.totp_devices(user).await? {
            let pk = device.common.pk;
            if device.throttle.is_blocked(now)
                || !env
                    .device_attempt(CLASS_TOTP, pk, device.throttle.failure_count)
                    .await?
            {
                continue;
            }
            if let Some(m) = totp_match(&device, code, now.timestamp())
                && env.accept_totp(pk, m.t, m.drift).await?
            {
                found = Some(MatchedDevice {
                    class: CLASS_TOTP,
                    pk,
                    name: device.common.name.clone(),
                });
                break;
            }
        }
    }
    if found.is_none() && wants(classes, CLASS_STATIC) {
        for device in env.static_devices(user).await? {
            let pk = device.common.pk;
            if device.throttle.is_blocked(now)
                || !env
                    .device_attempt(CLASS_STATIC, pk, device.throttle.failure_count)
                    .await?
            {
                continue;
            }
            let token = device
                .tokens
                .iter()
                .find(|t| constant_time_eq(t.token.as_bytes(), code.as_bytes()));
            if let Some(t) = token
                && env.take_static_token(pk, t.pk).await?
            {
                found = Some(MatchedDevice {
                    class: CLASS_STATIC,
                    pk,
                    name: device.common.name.clone(),
                });
                break;
            }
        }
    }
    if found.is_none() && wants(classes, CLASS_SMS) {
        found = super::sms::verify(env, user, code).await?;
    }
    Ok(found)
}
