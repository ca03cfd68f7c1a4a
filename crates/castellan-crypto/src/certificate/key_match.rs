//! Checking that a private key belongs to a certificate.

use super::info::with_certificate;
use super::private_key;
use super::public_key::PublicKey;
use crate::CryptoError;

/// Whether `key_pem`'s public key equals the certificate's
/// SubjectPublicKeyInfo key (same algorithm, curve and key material).
///
/// Supports RSA, EC and Ed25519 keys; Ed448 only when the PKCS#8 v2 key
/// embeds its public key. Errors: [`CryptoError::InvalidCertificate`],
/// [`CryptoError::InvalidPrivateKey`], or [`CryptoError::UnsupportedKeyType`]
/// when the key's public half cannot be determined.
pub fn key_matches_certificate(cert_pem: &str, key_pem: &str) -> Result<bool, CryptoError> {
    let certificate_key = with_certificate(cert_pem, |_, certificate| {
        Ok(PublicKey::from_spki(certificate.public_key()))
    })?;
    let key = private_key::parse(key_pem)?;
    let key_public = key.public.ok_or(CryptoError::UnsupportedKeyType)?;
    Ok(certificate_key.as_ref() == Some(&key_public))
}
