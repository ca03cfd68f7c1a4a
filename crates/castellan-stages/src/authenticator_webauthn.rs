//! WebAuthn setup stage (spec §5.6): the challenge carries creation options with a fresh
//! challenge kept in the session; the browser's registration is verified (challenge, origin,
//! RP id, user verification as configured, attestation), checked against the allowed
//! authenticator models, and saved as a device named after its model.
pub mod options;
pub mod relying_party;

use async_trait::async_trait;
use castellan_core::mfa::{DeviceCommon, WebAuthnDevice};
use castellan_core::webauthn_device_type::UNKNOWN_AAGUID;
use castellan_crypto::certificate::{certificate_pem, sha256_fingerprint};
use castellan_crypto::webauthn::{
    self, Expected, VerifiedRegistration, base64url_encode, format_aaguid,
};
use castellan_flows::{Challenge, EnvError, ResponseErrors, StageContext, StageView, Step};
use serde_json::{Map, Value, json};

use self::options::{WebAuthnSettings, creation_options};
use self::relying_party::{RelyingParty, relying_party};
use crate::device_user::{DeviceUser, device_user};

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_authenticator_webauthn.authenticatorwebauthnstage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-authenticator-webauthn";
/// Session key of the outstanding challenge (shared with the validation stage, as authentik).
pub const SESSION_CHALLENGE: &str = "authentik/stages/authenticator_webauthn/challenge";
/// Name of a device whose model is unknown.
pub const DEFAULT_NAME: &str = "WebAuthn Device";
const DUPLICATE: &str = "Credential ID already exists.";

/// The "invalid device type" error of a brand.
pub fn invalid_device_type(brand: &str) -> String {
    format!("Invalid device type. Contact your {brand} administrator for help.")
}

/// A fresh challenge, remembered in the session (base64url) for the next response.
pub fn issue_challenge(cx: &mut StageContext<'_>) -> Vec<u8> {
    let challenge = webauthn::new_challenge();
    cx.session.data.insert(
        SESSION_CHALLENGE.into(),
        json!(base64url_encode(&challenge)),
    );
    challenge
}

/// Takes the outstanding challenge out of the session: each one is good for one response.
pub fn take_challenge(cx: &mut StageContext<'_>) -> Option<Vec<u8>> {
    let stored = cx.session.data.remove(SESSION_CHALLENGE)?;
    webauthn::base64url_decode(stored.as_str()?)
}

/// The WebAuthn setup stage.
pub struct AuthenticatorWebAuthnStage;

async fn show(
    cx: &mut StageContext<'_>,
    user: &DeviceUser,
    s: &WebAuthnSettings,
) -> Result<Challenge, EnvError> {
    let rp = relying_party(cx);
    let existing = cx.env.webauthn_devices(user.pk).await?;
    let challenge = issue_challenge(cx);
    let options = creation_options(&rp, user, &challenge, &existing, s);
    Ok(Challenge::with_user(COMPONENT).field("registration", options))
}

fn restrictions(s: &WebAuthnSettings) -> Vec<String> {
    s.device_type_restrictions
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

/// Whether the registered model passes the stage's restrictions.
async fn model_allowed(
    cx: &mut StageContext<'_>,
    s: &WebAuthnSettings,
    aaguid: &str,
) -> Result<bool, EnvError> {
    let allowed = restrictions(s);
    if allowed.is_empty() {
        return Ok(true);
    }
    if allowed.iter().any(|a| a == aaguid) {
        return Ok(true);
    }
    // The "unknown devices" entry admits models the table does not know.
    let known = cx.env.webauthn_device_type(aaguid).await?;
    Ok(
        allowed.iter().any(|a| a == UNKNOWN_AAGUID)
            && (known.is_none() || aaguid == UNKNOWN_AAGUID),
    )
}

fn device_from(
    user: &DeviceUser,
    rp: &RelyingParty,
    reg: &VerifiedRegistration,
    name: String,
    now: chrono::DateTime<chrono::Utc>,
) -> WebAuthnDevice {
    WebAuthnDevice {
        common: DeviceCommon {
            pk: 0,
            user: user.pk,
            name,
            confirmed: true,
            created: now,
            last_updated: now,
            last_used: None,
        },
        credential_id: base64url_encode(&reg.credential_id),
        public_key: base64url_encode(&reg.public_key_cose),
        sign_count: i64::from(reg.sign_count),
        rp_id: rp.id.clone(),
        aaguid: format_aaguid(&reg.aaguid),
        device_type: None,
        attestation_format: reg.attestation_format.clone(),
        attestation_certificate_pem: reg
            .attestation_certificate_der
            .as_deref()
            .map(certificate_pem),
        attestation_certificate_fingerprint: reg
            .attestation_certificate_der
            .as_deref()
            .map(sha256_fingerprint),
    }
}

#[async_trait]
impl StageView for AuthenticatorWebAuthnStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let Some(user) = device_user(cx) else {
            return Ok(Step::Next);
        };
        let s: WebAuthnSettings = cx.settings();
        Ok(Step::Show(show(cx, &user, &s).await?))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        body: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        let Some(user) = device_user(cx) else {
            return Ok(Step::Next);
        };
        let s: WebAuthnSettings = cx.settings();
        let rp = relying_party(cx);
        let challenge = take_challenge(cx);
        let mut errors = ResponseErrors::default();
        let response = match body.get("response") {
            Some(Value::String(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
            Some(v) => v.clone(),
            None => Value::Null,
        };
        if !response.is_object() {
            errors.add("response", "This field is required.", "required");
            return Ok(Step::Invalid(show(cx, &user, &s).await?, errors));
        }
        let Some(challenge) = challenge else {
            errors.add("response", "No registration is in progress.", "invalid");
            return Ok(Step::Invalid(show(cx, &user, &s).await?, errors));
        };
        let expected = Expected {
            challenge,
            rp_id: rp.id.clone(),
            origins: vec![rp.origin.clone()],
            require_user_verification: s.user_verification() == "required",
        };
        let reg = match webauthn::verify_registration(&response, &expected) {
            Ok(reg) => reg,
            Err(e) => {
                errors.add("response", &e.to_string(), "invalid");
                return Ok(Step::Invalid(show(cx, &user, &s).await?, errors));
            }
        };
        let aaguid = format_aaguid(&reg.aaguid);
        if !model_allowed(cx, &s, &aaguid).await? {
            errors.add("response", &invalid_device_type(&rp.name), "invalid");
            return Ok(Step::Invalid(show(cx, &user, &s).await?, errors));
        }
        let name = cx
            .env
            .webauthn_device_type(&aaguid)
            .await?
            .filter(|t| t.aaguid != UNKNOWN_AAGUID)
            .map_or_else(|| DEFAULT_NAME.to_string(), |t| t.description);
        let now = cx.env.now();
        let device = device_from(&user, &rp, &reg, name, now);
        if cx.env.save_webauthn_device(&device).await?.is_none() {
            errors.add("response", DUPLICATE, "invalid");
            return Ok(Step::Invalid(show(cx, &user, &s).await?, errors));
        }
        Ok(Step::Next)
    }
}
