//! Compact JWE wrapping of signed tokens (spec §7.1.5 "JWE", RFC 7516 §7.1):
//! RSA-OAEP-256 key encryption with A256CBC-HS512 content encryption.

use std::fmt;

use josekit::jwe::alg::rsaes::RsaesJweEncrypter;
use josekit::jwe::{JweHeader, RSA_OAEP_256};
use x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION;

use crate::CryptoError;
use crate::certificate;

/// Key management algorithm (`alg`).
const KEY_ALG: &str = "RSA-OAEP-256";
/// Content encryption algorithm (`enc`).
const CONTENT_ENC: &str = "A256CBC-HS512";

/// Wraps a compact JWS as compact JWE with protected header
/// `{"alg":"RSA-OAEP-256","enc":"A256CBC-HS512","typ":"JWE","kid":<kid>}`.
/// Built once per encryption key; `Send + Sync`.
pub struct JweEncrypter {
    /// Key id written to the `kid` header.
    kid: String,
    /// Protected header template.
    header: JweHeader,
    /// RSA-OAEP-256 encrypter for the certificate's public key.
    encrypter: RsaesJweEncrypter,
}

impl JweEncrypter {
    /// From the encryption keypair's certificate PEM (the public key is taken
    /// from the certificate) and the keypair's kid.
    ///
    /// Errors: [`CryptoError::InvalidCertificate`];
    /// [`CryptoError::UnsupportedKeyType`] when the key is not RSA;
    /// [`CryptoError::Jose`] when the RSA key is shorter than 2048 bits.
    pub fn from_certificate_pem(cert_pem: &str, kid: &str) -> Result<Self, CryptoError> {
        let spki = certificate::with_certificate(cert_pem, |_, certificate| {
            let public_key = certificate.public_key();
            if public_key.algorithm.algorithm != OID_PKCS1_RSAENCRYPTION {
                return Err(CryptoError::UnsupportedKeyType);
            }
            Ok(public_key.raw.to_vec())
        })?;
        let encrypter = RSA_OAEP_256.encrypter_from_der(&spki).map_err(|_| {
            CryptoError::Jose("RSA encryption keys must have at least 2048 bits".to_owned())
        })?;
        let mut header = JweHeader::new();
        header.set_algorithm(KEY_ALG);
        header.set_content_encryption(CONTENT_ENC);
        header.set_token_type("JWE");
        header.set_key_id(kid);
        Ok(Self {
            kid: kid.to_owned(),
            header,
            encrypter,
        })
    }

    /// Encrypts `compact_jws` (the plaintext) to the certificate's key.
    pub fn encrypt(&self, compact_jws: &str) -> Result<String, CryptoError> {
        josekit::jwe::serialize_compact(compact_jws.as_bytes(), &self.header, &self.encrypter)
            .map_err(|_| CryptoError::Jose("encryption failed".to_owned()))
    }
}

impl fmt::Debug for JweEncrypter {
    /// Shows the kid only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JweEncrypter")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}
