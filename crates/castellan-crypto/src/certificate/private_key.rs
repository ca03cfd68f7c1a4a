//! Loading unencrypted PEM private keys (PKCS#8 `PRIVATE KEY`, PKCS#1
//! `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY`) into their type and public half.
//!
//! Validation is structural (plus a real key-pair load for EC on
//! P-256/P-384/P-521 and for Ed25519, which also derives the public key);
//! it does not check RSA's internal consistency the way OpenSSL does.

use super::der::{
    self, Reader, TAG_CONTEXT_0, TAG_CONTEXT_1_PRIMITIVE, TAG_INTEGER, TAG_OCTET_STRING, TAG_OID,
    TAG_SEQUENCE,
};
use super::public_key::PublicKey;
use super::{ec_key, edwards_key, oid, pem, rsa_key};
use crate::CryptoError;

/// Private key families authentik distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    /// RSA (PKCS#1 or PKCS#8, also RSASSA-PSS keys).
    Rsa,
    /// Elliptic curve (ECDSA) on a named curve.
    Ec,
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
}

impl KeyKind {
    /// authentik's `private_key_type` string.
    pub(super) const fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::Ec => "ec",
            Self::Ed25519 => "ed25519",
            Self::Ed448 => "ed448",
        }
    }
}

/// A loaded private key: its kind and, when derivable, its public key.
#[derive(Debug)]
pub(super) struct ParsedKey {
    /// Key family.
    pub(super) kind: KeyKind,
    /// Public key; `None` only for Ed448 PKCS#8 v1 keys and EC keys on
    /// curves other than P-256/384/521 without an embedded public point.
    pub(super) public: Option<PublicKey>,
}

/// Returns the key type of a PEM private key: `rsa`, `ec`, `ed25519` or
/// `ed448`, like authentik's `private_key_type`.
///
/// Errors: [`CryptoError::InvalidPrivateKey`] for junk or encrypted keys,
/// [`CryptoError::UnsupportedKeyType`] for other valid key types (DSA,
/// X25519, …).
pub fn private_key_type(pem: &str) -> Result<String, CryptoError> {
    parse(pem).map(|key| key.kind.as_str().to_owned())
}

/// Loads the first private key block of `pem`.
pub(super) fn parse(pem: &str) -> Result<ParsedKey, CryptoError> {
    let block = pem::find_block(pem, |label| {
        matches!(
            label,
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "DSA PRIVATE KEY"
        )
    })
    .ok_or(CryptoError::InvalidPrivateKey)?;
    match block.label.as_str() {
        "RSA PRIVATE KEY" => rsa_key::parse_pkcs1(&block.der),
        "EC PRIVATE KEY" => ec_key::parse_sec1(&block.der, None),
        "DSA PRIVATE KEY" => Err(CryptoError::UnsupportedKeyType),
        _ => parse_pkcs8(&block.der),
    }
}

/// Parses a PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey` (RFC 5958).
fn parse_pkcs8(der_bytes: &[u8]) -> Result<ParsedKey, CryptoError> {
    const INVALID: CryptoError = CryptoError::InvalidPrivateKey;
    let body = der::single(der_bytes, TAG_SEQUENCE).ok_or(INVALID)?;
    let mut reader = Reader::new(body);
    let version = reader.read(TAG_INTEGER).ok_or(INVALID)?;
    if version != [0] && version != [1] {
        return Err(INVALID);
    }
    let algorithm = reader.read(TAG_SEQUENCE).ok_or(INVALID)?;
    let private_key = reader.read(TAG_OCTET_STRING).ok_or(INVALID)?;
    // Attributes are ignored; the optional public key is used when present.
    let _attributes = reader.read_optional(TAG_CONTEXT_0);
    let embedded_public = match reader.read_optional(TAG_CONTEXT_1_PRIMITIVE) {
        Some(bits) => Some(der::bit_string_bytes(bits).ok_or(INVALID)?),
        None => None,
    };
    if !reader.is_empty() {
        return Err(INVALID);
    }

    let mut algorithm = Reader::new(algorithm);
    let algorithm_oid = algorithm.read(TAG_OID).ok_or(INVALID)?;
    match algorithm_oid {
        oid::RSA_ENCRYPTION | oid::RSASSA_PSS => rsa_key::parse_pkcs1(private_key),
        oid::EC_PUBLIC_KEY => {
            let curve = algorithm.read(TAG_OID).ok_or(INVALID)?;
            ec_key::parse_sec1(private_key, Some(curve))
        }
        oid::ED25519 => edwards_key::parse_ed25519(private_key, embedded_public),
        oid::ED448 => edwards_key::parse_ed448(private_key, embedded_public),
        _ => Err(CryptoError::UnsupportedKeyType),
    }
}
