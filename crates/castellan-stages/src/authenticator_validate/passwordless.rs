//! WebAuthn answers to the validation stage (spec §5.3): reading the `webauthn` response, how a
//! WebAuthn device is recorded, the messages of refusals, and passwordless login — no user is
//! known yet, any discoverable credential of this site logs its owner in.
use castellan_core::flow::FlowDesignation;
use castellan_flows::context::{AUTH_METHOD, AUTH_METHOD_ARGS, PENDING_USER};
use castellan_flows::{EnvError, ResponseErrors, StageContext, Step};
use serde_json::{Map, Value, json};

use super::webauthn::{self, ASSERTION_FAILED, Refusal, WebAuthnValidateSettings};
use super::{Offer, ValidateSettings, challenge, login_failed, wants_webauthn};

/// The `webauthn` response field: an object, or its JSON text.
pub(super) fn webauthn_response(body: &Map<String, Value>) -> Option<Value> {
    match body.get("webauthn")? {
        Value::Object(o) => Some(Value::Object(o.clone())),
        Value::String(text) => serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_object),
        _ => None,
    }
}

/// How a WebAuthn device is recorded in `auth_method_args`.
pub(super) fn device_ref(device: &castellan_core::mfa::WebAuthnDevice) -> Value {
    json!({"app": "authentik_stages_authenticator_webauthn", "model_name": "webauthndevice",
           "pk": device.common.pk, "name": device.common.name})
}

/// The message of a refused assertion; failures count as failed logins.
pub(super) async fn refused(
    cx: &mut StageContext<'_>,
    refusal: Refusal,
) -> Result<String, EnvError> {
    match refusal {
        Refusal::DeviceType(message) => Ok(message),
        Refusal::Failed => {
            login_failed(cx).await?;
            Ok(ASSERTION_FAILED.into())
        }
    }
}

/// Passwordless WebAuthn (no user known yet): offered in authentication flows when the stage
/// accepts WebAuthn.
pub(super) fn passwordless_offer(cx: &mut StageContext<'_>) -> Option<Offer> {
    let s: ValidateSettings = cx.settings();
    if cx.flow.designation != FlowDesignation::Authentication || !wants_webauthn(&s) {
        return None;
    }
    let ws: WebAuthnValidateSettings = cx.settings();
    Some(Offer {
        devices: vec![webauthn::passwordless_challenge(cx, &ws)],
        stages: vec![],
    })
}

pub(super) async fn passwordless_post(
    cx: &mut StageContext<'_>,
    body: &Map<String, Value>,
) -> Result<Step, EnvError> {
    if passwordless_offer(cx).is_none() {
        return Ok(Step::Next);
    }
    let mut errors = ResponseErrors::default();
    let Some(response) = webauthn_response(body) else {
        errors.add("non_field_errors", "Empty response", "invalid");
        let offer = passwordless_offer(cx).unwrap_or(Offer {
            devices: vec![],
            stages: vec![],
        });
        return Ok(Step::Invalid(challenge(&offer), errors));
    };
    let ws: WebAuthnValidateSettings = cx.settings();
    let verified = webauthn::verify(cx, &response, None, &ws).await?;
    let device = match verified {
        Ok(device) => device,
        Err(refusal) => {
            let message = refused(cx, refusal).await?;
            errors.add("webauthn", &message, "invalid");
            let offer = passwordless_offer(cx).unwrap_or(Offer {
                devices: vec![],
                stages: vec![],
            });
            return Ok(Step::Invalid(challenge(&offer), errors));
        }
    };
    let Some(user) = cx.env.user(device.common.user).await? else {
        return Ok(Step::Deny(None));
    };
    if user.get("is_active").and_then(Value::as_bool) == Some(false) {
        return Ok(Step::Deny(None));
    }
    let ctx = &mut cx.plan.context;
    ctx.insert(PENDING_USER.into(), user);
    ctx.insert(AUTH_METHOD.into(), json!("auth_webauthn_pwl"));
    let device_type = device
        .device_type
        .as_ref()
        .map(|t| json!({"aaguid": t.aaguid, "description": t.description, "icon": t.icon}));
    ctx.insert(
        AUTH_METHOD_ARGS.into(),
        json!({"device": device_ref(&device), "device_type": device_type}),
    );
    Ok(Step::Next)
}
