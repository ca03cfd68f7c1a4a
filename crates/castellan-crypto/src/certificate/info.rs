//! Loading a PEM certificate and extracting what authentik displays.

use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;

use super::{CertificateInfo, name, pem};
use crate::CryptoError;

/// Parses the first `CERTIFICATE` block of `pem` and returns its
/// fingerprints, expiry and RFC 4514 subject.
///
/// Errors with [`CryptoError::InvalidCertificate`] ("Unable to load
/// certificate.") for anything that is not a well-formed certificate.
pub fn parse_certificate(pem: &str) -> Result<CertificateInfo, CryptoError> {
    with_certificate(pem, |der, certificate| {
        let expiry =
            chrono::DateTime::from_timestamp(certificate.validity().not_after.timestamp(), 0)
                .ok_or(CryptoError::InvalidCertificate)?;
        let subject =
            name::rfc4514(certificate.subject()).ok_or(CryptoError::InvalidCertificate)?;
        Ok(CertificateInfo {
            fingerprint_sha256: colon_hex(&Sha256::digest(der)),
            fingerprint_sha1: colon_hex(&Sha1::digest(der)),
            expiry,
            subject,
        })
    })
}

/// Loads the certificate in `pem` and hands its DER and parsed form to
/// `inspect`.
pub(crate) fn with_certificate<T>(
    pem: &str,
    inspect: impl FnOnce(&[u8], &X509Certificate<'_>) -> Result<T, CryptoError>,
) -> Result<T, CryptoError> {
    let block = pem::find_block(pem, |label| {
        matches!(label, "CERTIFICATE" | "X509 CERTIFICATE")
    })
    .ok_or(CryptoError::InvalidCertificate)?;
    let (rest, certificate) = x509_parser::parse_x509_certificate(&block.der)
        .map_err(|_| CryptoError::InvalidCertificate)?;
    if !rest.is_empty() {
        return Err(CryptoError::InvalidCertificate);
    }
    inspect(&block.der, &certificate)
}

/// Lowercase hex bytes joined by `:` (Python's `bytes.hex(":")`).
fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    //! Unit tests for this module.

    use super::colon_hex;

    #[test]
    fn colon_hex_format() {
        assert_eq!(colon_hex(&[0xab, 0x01, 0xff]), "ab:01:ff");
        assert_eq!(colon_hex(&[]), "");
    }
}
