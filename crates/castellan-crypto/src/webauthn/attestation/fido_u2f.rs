//! The `fido-u2f` attestation statement format (W3C WebAuthn §8.6).

use super::{AttestationObject, AttestationOutcome, certificate};
use crate::webauthn::WebauthnError;
use crate::webauthn::cose::CoseAlgorithm;

/// Verifies `{x5c: [cert], sig}` over
/// `0x00 || rpIdHash || clientDataHash || credentialId || 0x04 || x || y`
/// with the certificate's P-256 key; the credential key must be ES256.
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
    let certificates =
        super::statement_certificates(stmt)?.ok_or(WebauthnError::BadAttestation("missing x5c"))?;
    let [leaf_der] = certificates.as_slice() else {
        return Err(WebauthnError::BadAttestation(
            "fido-u2f x5c must hold exactly one certificate",
        ));
    };
    let signature = super::statement_signature(stmt)?;
    let point = match (
        credential.public_key.algorithm(),
        credential.public_key.ec_point(),
    ) {
        (CoseAlgorithm::Es256, Some(point)) => point,
        _ => {
            return Err(WebauthnError::BadAttestation(
                "fido-u2f requires a P-256 credential key",
            ));
        }
    };

    let mut signed = Vec::with_capacity(1 + 32 + 32 + credential.credential_id.len() + 65);
    signed.push(0x00);
    signed.extend_from_slice(&object.auth_data.rp_id_hash);
    signed.extend_from_slice(client_data_hash);
    signed.extend_from_slice(&credential.credential_id);
    signed.extend_from_slice(point);

    let leaf = certificate::parse(leaf_der)?;
    CoseAlgorithm::Es256.verify_with_key_bytes(
        certificate::public_key_bytes(&leaf),
        &signed,
        signature,
    )?;
    Ok(AttestationOutcome {
        verified: true,
        certificate_der: Some(leaf_der.to_vec()),
    })
}
