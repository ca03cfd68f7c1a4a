//! Certificate-key pairs as authentik manages them: self-signed generation,
//! certificate inspection (fingerprints, expiry, subject), private key type
//! detection, key/certificate matching and the JWKS key id.

mod der;
mod ec_key;
mod edwards_key;
mod generate;
mod info;
mod key_match;
mod name;
mod oid;
mod pem;
mod private_key;
mod public_key;
mod rsa_key;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use md5::{Digest, Md5};

use crate::CryptoError;

pub use generate::generate_self_signed;
pub use info::parse_certificate;
pub use key_match::key_matches_certificate;
pub use pem::{certificate_pem, sha256_fingerprint};
pub use private_key::private_key_type;

pub(crate) use info::with_certificate;

/// Key algorithm for [`generate_self_signed`] (authentik's `PrivateKeyAlg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// RSA 2048-bit, signed with SHA-256.
    Rsa,
    /// ECDSA on P-256, signed with SHA-256.
    Ecdsa,
}

impl KeyAlgorithm {
    /// authentik's name for the algorithm: `rsa` or `ecdsa`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::Ecdsa => "ecdsa",
        }
    }
}

impl FromStr for KeyAlgorithm {
    type Err = CryptoError;

    /// Parses exactly `rsa` or `ecdsa`.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "rsa" => Ok(Self::Rsa),
            "ecdsa" => Ok(Self::Ecdsa),
            _ => Err(CryptoError::UnknownKeyAlgorithm),
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A freshly generated self-signed certificate and its private key.
#[derive(Clone, PartialEq, Eq)]
pub struct GeneratedCertificate {
    /// `-----BEGIN CERTIFICATE-----` PEM.
    pub certificate_pem: String,
    /// Unencrypted PKCS#8 `-----BEGIN PRIVATE KEY-----` PEM.
    pub private_key_pem: String,
}

impl fmt::Debug for GeneratedCertificate {
    /// Never prints the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedCertificate")
            .field("certificate_pem", &self.certificate_pem)
            .field("private_key_pem", &"<redacted>")
            .finish()
    }
}

/// Details authentik shows for a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// SHA-256 over the DER, lowercase hex pairs joined by `:`.
    pub fingerprint_sha256: String,
    /// SHA-1 over the DER, lowercase hex pairs joined by `:`.
    pub fingerprint_sha1: String,
    /// The certificate's `notAfter`.
    pub expiry: chrono::DateTime<chrono::Utc>,
    /// Subject as Python cryptography's `Name.rfc4514_string()` renders it
    /// (what authentik stores as `cert_subject`), e.g.
    /// `CN=authentik Self-signed Certificate`.
    pub subject: String,
}

/// authentik's JWKS key id: lowercase hex MD5 of the key PEM text exactly as
/// stored, or an empty string when there is no key.
pub fn kid(key_pem: &str) -> String {
    if key_pem.is_empty() {
        return String::new();
    }
    hex::encode(Md5::digest(key_pem.as_bytes()))
}

/// The first unencrypted private key block of `pem` (`PRIVATE KEY`,
/// `RSA PRIVATE KEY` or `EC PRIVATE KEY`, tolerant of surrounding text and
/// indentation) as `(label, DER)`.
pub(crate) fn private_key_block(pem: &str) -> Option<(String, Vec<u8>)> {
    pem::find_block(pem, |label| {
        matches!(label, "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY")
    })
    .map(|block| (block.label, block.der))
}
