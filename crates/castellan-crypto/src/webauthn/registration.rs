//! Registration ceremony verification (W3C WebAuthn §7.1).

use sha2::{Digest, Sha256};

use super::attestation::AttestationObject;
use super::authenticator_data::AuthenticatorData;
use super::client_data::{Ceremony, verify_client_data};
use super::{Expected, WebauthnError, json};

/// A verified new credential, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRegistration {
    /// The credential ID.
    pub credential_id: Vec<u8>,
    /// The credential public key as the authenticator encoded it (COSE_Key).
    pub public_key_cose: Vec<u8>,
    /// The COSE algorithm of the key.
    pub algorithm: i64,
    /// The initial signature counter.
    pub sign_count: u32,
    /// The authenticator model's AAGUID (see [`format_aaguid`]).
    pub aaguid: [u8; 16],
    /// Whether the UV flag was set.
    pub user_verified: bool,
    /// Whether the credential may be backed up (BE).
    pub backup_eligible: bool,
    /// Whether the credential is backed up (BS).
    pub backup_state: bool,
    /// The attestation statement format.
    pub attestation_format: String,
    /// Whether the attestation statement was checked; `false` for formats
    /// accepted unchecked (see [`super::attestation`]).
    pub attestation_verified: bool,
    /// The attestation leaf certificate (DER), for verified x5c statements.
    pub attestation_certificate_der: Option<Vec<u8>>,
    /// `response.transports`, as sent by the client.
    pub transports: Vec<String>,
}

/// Formats an AAGUID as a lowercase hyphenated UUID string.
pub fn format_aaguid(aaguid: &[u8; 16]) -> String {
    let hex = hex::encode(aaguid);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Verifies a registration response: the browser's `PublicKeyCredential`
/// JSON (`{id, rawId, type, response: {clientDataJSON, attestationObject,
/// transports?}}`, binary members base64url or base64, padded or not).
pub fn verify_registration(
    credential_json: &serde_json::Value,
    expected: &Expected,
) -> Result<VerifiedRegistration, WebauthnError> {
    let id = json::credential_id(credential_json)?;
    let response = json::response(credential_json)?;
    let client_data_json = json::bytes(response, "clientDataJSON", "response.clientDataJSON")?;
    let attestation_object =
        json::bytes(response, "attestationObject", "response.attestationObject")?;

    verify_client_data(&client_data_json, Ceremony::Create, expected)?;
    let client_data_hash: [u8; 32] = Sha256::digest(&client_data_json).into();

    let object = AttestationObject::parse(&attestation_object)?;
    let auth_data = &object.auth_data;
    check_auth_data(auth_data, expected)?;
    let credential = auth_data
        .attested_credential
        .as_ref()
        .ok_or(WebauthnError::NoAttestedCredential)?;
    if credential.credential_id != id {
        return Err(WebauthnError::CredentialIdMismatch);
    }
    let outcome = object.verify_statement(&client_data_hash)?;

    Ok(VerifiedRegistration {
        credential_id: id,
        public_key_cose: credential.public_key.cose_bytes().to_vec(),
        algorithm: credential.public_key.algorithm().id(),
        sign_count: auth_data.sign_count,
        aaguid: credential.aaguid,
        user_verified: auth_data.user_verified(),
        backup_eligible: auth_data.backup_eligible(),
        backup_state: auth_data.backup_state(),
        attestation_format: object.fmt.clone(),
        attestation_verified: outcome.verified,
        attestation_certificate_der: outcome.certificate_der,
        transports: transports(response),
    })
}

/// rpIdHash, UP and (if required) UV checks shared by both ceremonies.
pub(crate) fn check_auth_data(
    auth_data: &AuthenticatorData,
    expected: &Expected,
) -> Result<(), WebauthnError> {
    let rp_id_hash: [u8; 32] = Sha256::digest(expected.rp_id.as_bytes()).into();
    if auth_data.rp_id_hash != rp_id_hash {
        return Err(WebauthnError::RpIdHashMismatch);
    }
    if !auth_data.user_present() {
        return Err(WebauthnError::UserNotPresent);
    }
    if expected.require_user_verification && !auth_data.user_verified() {
        return Err(WebauthnError::UserNotVerified);
    }
    Ok(())
}

/// The string entries of `response.transports` (absent: empty).
fn transports(response: &serde_json::Value) -> Vec<String> {
    response
        .get("transports")
        .and_then(serde_json::Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(serde_json::Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
