//! The `PublicKeyCredentialCreationOptions` of the setup challenge (spec §5.6): RP, user handle,
//! a fresh challenge, the algorithms the verifier supports, the user's existing credentials
//! excluded, the stage's authenticator selection, and `direct` attestation.
use castellan_core::mfa::WebAuthnDevice;
use castellan_crypto::webauthn::base64url_encode;
use serde_json::{Map, Value, json};

use super::relying_party::RelyingParty;
use crate::device_user::DeviceUser;

/// How long the browser may take, in milliseconds.
pub const TIMEOUT_MS: u64 = 60_000;

/// COSE algorithms offered, in preference order: ES256, EdDSA, ES384, RS256, PS256.
pub const ALGORITHMS: [i64; 5] = [-7, -8, -35, -257, -37];

/// The stage settings that shape the options.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct WebAuthnSettings {
    /// `required`, `preferred` (default) or `discouraged`.
    pub user_verification: Option<String>,
    /// `discouraged`, `preferred` (default) or `required`.
    pub resident_key_requirement: Option<String>,
    /// `platform`, `cross-platform` or none.
    pub authenticator_attachment: Option<String>,
    /// Allowed authenticator models (AAGUIDs); empty = any.
    pub device_type_restrictions: Vec<Value>,
}

impl WebAuthnSettings {
    /// `userVerification`.
    pub fn user_verification(&self) -> &str {
        match self.user_verification.as_deref() {
            Some(v @ ("required" | "discouraged")) => v,
            _ => "preferred",
        }
    }
    fn resident_key(&self) -> &str {
        match self.resident_key_requirement.as_deref() {
            Some(v @ ("required" | "discouraged")) => v,
            _ => "preferred",
        }
    }
}

/// The creation options for `user`.
pub fn creation_options(
    rp: &RelyingParty,
    user: &DeviceUser,
    challenge: &[u8],
    existing: &[WebAuthnDevice],
    s: &WebAuthnSettings,
) -> Value {
    let mut selection = Map::new();
    selection.insert("residentKey".into(), json!(s.resident_key()));
    selection.insert(
        "requireResidentKey".into(),
        json!(s.resident_key() == "required"),
    );
    selection.insert("userVerification".into(), json!(s.user_verification()));
    if let Some(a @ ("platform" | "cross-platform")) = s.authenticator_attachment.as_deref() {
        selection.insert("authenticatorAttachment".into(), json!(a));
    }
    let params: Vec<Value> = ALGORITHMS
        .iter()
        .map(|alg| json!({"type": "public-key", "alg": alg}))
        .collect();
    let exclude: Vec<Value> = existing
        .iter()
        .map(|d| json!({"type": "public-key", "id": d.credential_id}))
        .collect();
    json!({
        "rp": {"id": rp.id, "name": rp.name},
        "user": {"id": base64url_encode(user.uid.as_bytes()), "name": user.username,
                 "displayName": user.name},
        "challenge": base64url_encode(challenge),
        "pubKeyCredParams": params,
        "timeout": TIMEOUT_MS,
        "excludeCredentials": exclude,
        "authenticatorSelection": selection,
        "attestation": "direct",
    })
}
