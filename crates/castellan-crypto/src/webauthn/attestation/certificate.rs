//! Attestation certificate checks (W3C WebAuthn §8.2.1).

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::{FromDer, X509Version};

use crate::webauthn::WebauthnError;

/// id-fido-gen-ce-aaguid.
const OID_FIDO_AAGUID: &str = "1.3.6.1.4.1.45724.1.1.4";

/// Parses a DER certificate, rejecting trailing bytes.
pub(super) fn parse(der: &[u8]) -> Result<X509Certificate<'_>, WebauthnError> {
    match X509Certificate::from_der(der) {
        Ok(([], certificate)) => Ok(certificate),
        _ => Err(WebauthnError::BadAttestation(
            "invalid attestation certificate",
        )),
    }
}

/// The raw `subjectPublicKey` bits (EC point, PKCS#1 RSA key, Ed25519 key).
pub(super) fn public_key_bytes<'a>(certificate: &'a X509Certificate<'_>) -> &'a [u8] {
    &certificate.public_key().subject_public_key.data
}

/// Checks the packed attestation certificate requirements of §8.2.1:
/// version 3; subject with C, O, CN and OU "Authenticator Attestation";
/// not a CA; and an id-fido-gen-ce-aaguid extension, if present, that is
/// not critical and equals `aaguid`.
pub(super) fn check_packed_requirements(
    certificate: &X509Certificate<'_>,
    aaguid: &[u8; 16],
) -> Result<(), WebauthnError> {
    let bad = WebauthnError::BadAttestation;
    if certificate.version() != X509Version::V3 {
        return Err(bad("attestation certificate is not X.509 v3"));
    }
    let subject = certificate.subject();
    let non_empty = |value: Option<&str>| value.is_some_and(|v| !v.is_empty());
    if !non_empty(subject.iter_country().next().and_then(|a| a.as_str().ok()))
        || !non_empty(
            subject
                .iter_organization()
                .next()
                .and_then(|a| a.as_str().ok()),
        )
        || !non_empty(
            subject
                .iter_common_name()
                .next()
                .and_then(|a| a.as_str().ok()),
        )
    {
        return Err(bad("attestation certificate subject lacks C, O or CN"));
    }
    let ou = subject
        .iter_organizational_unit()
        .next()
        .and_then(|a| a.as_str().ok());
    if ou != Some("Authenticator Attestation") {
        return Err(bad(
            "attestation certificate OU is not `Authenticator Attestation`",
        ));
    }
    match certificate.basic_constraints() {
        Ok(None) => {}
        Ok(Some(constraints)) if !constraints.value.ca => {}
        _ => return Err(bad("attestation certificate is a CA")),
    }
    check_aaguid_extension(certificate, aaguid)
}

/// If the certificate carries id-fido-gen-ce-aaguid, it must be non-critical
/// and equal `aaguid`.
pub(super) fn check_aaguid_extension(
    certificate: &X509Certificate<'_>,
    aaguid: &[u8; 16],
) -> Result<(), WebauthnError> {
    let Some(extension) = certificate
        .extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == OID_FIDO_AAGUID)
    else {
        return Ok(());
    };
    if extension.critical {
        return Err(WebauthnError::BadAttestation(
            "AAGUID extension is critical",
        ));
    }
    // extnValue contains an OCTET STRING of 16 bytes: 04 10 <aaguid>.
    match extension.value.split_first() {
        Some((0x04, [0x10, value @ ..])) if value == aaguid => Ok(()),
        _ => Err(WebauthnError::BadAttestation(
            "AAGUID extension does not match authenticator data",
        )),
    }
}
