//! Authentication ceremony verification (W3C WebAuthn §7.2).

use sha2::{Digest, Sha256};

use super::authenticator_data::AuthenticatorData;
use super::client_data::{Ceremony, verify_client_data};
use super::cose::CosePublicKey;
use super::registration::check_auth_data;
use super::{Expected, WebauthnError, json};

/// A verified assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    /// The credential ID used.
    pub credential_id: Vec<u8>,
    /// The new signature counter (store it).
    pub sign_count: u32,
    /// Whether the UV flag was set.
    pub user_verified: bool,
    /// BE flag.
    pub backup_eligible: bool,
    /// BS flag (store it; it may change over time).
    pub backup_state: bool,
    /// `response.userHandle`, if the authenticator returned one.
    pub user_handle: Option<Vec<u8>>,
}

/// The credential ID of an assertion response (from `id`, which must equal
/// `rawId`), so the caller can look up the stored credential.
pub fn credential_id(credential_json: &serde_json::Value) -> Result<Vec<u8>, WebauthnError> {
    json::credential_id(credential_json)
}

/// Verifies an assertion response (`{id, rawId, type, response:
/// {clientDataJSON, authenticatorData, signature, userHandle?}}`) against
/// the stored COSE public key and signature counter.
///
/// Counter rule: if either the stored or the received counter is non-zero,
/// the received one must be greater, else [`WebauthnError::SignCountRegression`]
/// (a possible cloned authenticator).
pub fn verify_assertion(
    credential_json: &serde_json::Value,
    expected: &Expected,
    public_key_cose: &[u8],
    stored_sign_count: u32,
) -> Result<VerifiedAssertion, WebauthnError> {
    let id = json::credential_id(credential_json)?;
    let response = json::response(credential_json)?;
    let client_data_json = json::bytes(response, "clientDataJSON", "response.clientDataJSON")?;
    let auth_data_bytes = json::bytes(response, "authenticatorData", "response.authenticatorData")?;
    let signature = json::bytes(response, "signature", "response.signature")?;
    let user_handle = match response.get("userHandle") {
        None | Some(serde_json::Value::Null) => None,
        Some(_) => Some(json::bytes(response, "userHandle", "response.userHandle")?)
            .filter(|handle| !handle.is_empty()),
    };

    verify_client_data(&client_data_json, Ceremony::Get, expected)?;
    let auth_data = AuthenticatorData::parse(&auth_data_bytes)?;
    check_auth_data(&auth_data, expected)?;

    let public_key = CosePublicKey::from_cose(public_key_cose)?;
    let mut signed = auth_data_bytes;
    signed.extend_from_slice(&Sha256::digest(&client_data_json));
    public_key.verify(&signed, &signature)?;

    let received = auth_data.sign_count;
    if (stored_sign_count != 0 || received != 0) && received <= stored_sign_count {
        return Err(WebauthnError::SignCountRegression {
            stored: stored_sign_count,
            received,
        });
    }

    Ok(VerifiedAssertion {
        credential_id: id,
        sign_count: received,
        user_verified: auth_data.user_verified(),
        backup_eligible: auth_data.backup_eligible(),
        backup_state: auth_data.backup_state(),
        user_handle,
    })
}
