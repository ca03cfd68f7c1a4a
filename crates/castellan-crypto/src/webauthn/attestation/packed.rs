//! The `packed` attestation statement format (W3C WebAuthn §8.2).

use super::{AttestationObject, AttestationOutcome, certificate};
use crate::webauthn::WebauthnError;
use crate::webauthn::cbor::Value;
use crate::webauthn::cose::CoseAlgorithm;

/// Verifies `{alg, sig, x5c?}`: with x5c by the leaf certificate (plus the
/// §8.2.1 certificate rules), otherwise as self attestation by the
/// credential key, whose algorithm must equal `alg`.
pub(super) fn verify(
    object: &AttestationObject,
    client_data_hash: &[u8; 32],
) -> Result<AttestationOutcome, WebauthnError> {
    let stmt = &object.att_stmt;
    let credential = object
        .auth_data
        .attested_credential
        .as_ref()
        .ok_or(WebauthnError::NoAttestedCredential)?;
    let alg_id = stmt
        .get_text("alg")
        .and_then(Value::as_i64)
        .ok_or(WebauthnError::BadAttestation("missing alg"))?;
    let signature = super::statement_signature(stmt)?;
    if stmt.get_text("ecdaaKeyId").is_some() {
        return Err(WebauthnError::BadAttestation("ECDAA is not supported"));
    }
    let signed = object.signed_data(client_data_hash);

    match super::statement_certificates(stmt)? {
        Some(certificates) => {
            let leaf_der = certificates
                .first()
                .copied()
                .ok_or(WebauthnError::BadAttestation("x5c is empty"))?;
            let algorithm = CoseAlgorithm::from_id(alg_id)?;
            let leaf = certificate::parse(leaf_der)?;
            algorithm.verify_with_key_bytes(
                certificate::public_key_bytes(&leaf),
                &signed,
                signature,
            )?;
            certificate::check_packed_requirements(&leaf, &credential.aaguid)?;
            Ok(AttestationOutcome {
                verified: true,
                certificate_der: Some(leaf_der.to_vec()),
            })
        }
        None => {
            if alg_id != credential.public_key.algorithm().id() {
                return Err(WebauthnError::BadAttestation(
                    "self attestation alg does not match the credential key",
                ));
            }
            credential.public_key.verify(&signed, signature)?;
            Ok(AttestationOutcome {
                verified: true,
                certificate_der: None,
            })
        }
    }
}
