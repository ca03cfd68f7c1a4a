//! PKCS#1 `RSAPrivateKey` structure.

use super::der::{self, Reader, TAG_INTEGER, TAG_SEQUENCE};
use super::private_key::{KeyKind, ParsedKey};
use super::public_key::PublicKey;
use crate::CryptoError;

/// Parses `RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dP, dQ,
/// qInv, otherPrimeInfos OPTIONAL }` and keeps `(n, e)` as public key.
pub(super) fn parse_pkcs1(der_bytes: &[u8]) -> Result<ParsedKey, CryptoError> {
    const INVALID: CryptoError = CryptoError::InvalidPrivateKey;
    let body = der::single(der_bytes, TAG_SEQUENCE).ok_or(INVALID)?;
    let mut reader = Reader::new(body);
    let version = reader.read(TAG_INTEGER).ok_or(INVALID)?;
    if version != [0] && version != [1] {
        return Err(INVALID);
    }
    let modulus = reader.read(TAG_INTEGER).ok_or(INVALID)?;
    let exponent = reader.read(TAG_INTEGER).ok_or(INVALID)?;
    // d, p, q, dP, dQ, qInv must all be present and non-negative.
    for _ in 0..6 {
        let value = reader.read(TAG_INTEGER).ok_or(INVALID)?;
        der::unsigned_integer(value).ok_or(INVALID)?;
    }
    // Multi-prime keys (version 1) carry otherPrimeInfos.
    let _other_primes = reader.read_optional(TAG_SEQUENCE);
    if !reader.is_empty() {
        return Err(INVALID);
    }
    let public = PublicKey::rsa(modulus, exponent).ok_or(INVALID)?;
    Ok(ParsedKey {
        kind: KeyKind::Rsa,
        public: Some(public),
    })
}
