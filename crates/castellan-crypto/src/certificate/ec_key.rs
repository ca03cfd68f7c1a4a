//! SEC1 `ECPrivateKey` (RFC 5915), standalone or inside PKCS#8.

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, ECDSA_P521_SHA512_ASN1_SIGNING,
    EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair,
};

use super::der::{
    self, Reader, TAG_BIT_STRING, TAG_CONTEXT_0, TAG_CONTEXT_1, TAG_INTEGER, TAG_OCTET_STRING,
    TAG_OID, TAG_SEQUENCE,
};
use super::oid;
use super::private_key::{KeyKind, ParsedKey};
use super::public_key::PublicKey;
use crate::CryptoError;

/// Parses `ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING,
/// [0] parameters OPTIONAL, [1] publicKey OPTIONAL }`. `outer_curve` is the
/// curve named by an enclosing PKCS#8 AlgorithmIdentifier.
///
/// For P-256/P-384/P-521 the key is loaded with aws-lc, which validates the
/// scalar and derives the public point; an embedded uncompressed point must
/// agree with it. Other named curves keep the embedded point, if any.
pub(super) fn parse_sec1(
    der_bytes: &[u8],
    outer_curve: Option<&[u8]>,
) -> Result<ParsedKey, CryptoError> {
    const INVALID: CryptoError = CryptoError::InvalidPrivateKey;
    let body = der::single(der_bytes, TAG_SEQUENCE).ok_or(INVALID)?;
    let mut reader = Reader::new(body);
    if reader.read(TAG_INTEGER).ok_or(INVALID)? != [1] {
        return Err(INVALID);
    }
    let scalar = reader.read(TAG_OCTET_STRING).ok_or(INVALID)?;
    if scalar.is_empty() {
        return Err(INVALID);
    }
    let inner_curve = match reader.read_optional(TAG_CONTEXT_0) {
        // Explicit curve parameters (not an OID) are rejected, as by
        // Python cryptography.
        Some(params) => Some(der::single(params, TAG_OID).ok_or(INVALID)?),
        None => None,
    };
    let embedded = match reader.read_optional(TAG_CONTEXT_1) {
        Some(wrapped) => {
            let bits = der::single(wrapped, TAG_BIT_STRING).ok_or(INVALID)?;
            Some(der::bit_string_bytes(bits).ok_or(INVALID)?)
        }
        None => None,
    };
    if !reader.is_empty() {
        return Err(INVALID);
    }
    let curve = match (outer_curve, inner_curve) {
        (Some(outer), Some(inner)) if outer != inner => return Err(INVALID),
        (Some(curve), _) | (None, Some(curve)) => curve,
        (None, None) => return Err(INVALID),
    };

    let point = match signing_algorithm(curve) {
        Some(algorithm) => {
            let key_pair =
                EcdsaKeyPair::from_private_key_der(algorithm, der_bytes).map_err(|_| INVALID)?;
            let derived = key_pair.public_key().as_ref().to_vec();
            if embedded.is_some_and(|point| point.first() == Some(&0x04) && point != derived) {
                return Err(INVALID);
            }
            Some(derived)
        }
        None => embedded.map(<[u8]>::to_vec),
    };
    Ok(ParsedKey {
        kind: KeyKind::Ec,
        public: point.map(|point| PublicKey::Ec {
            curve: curve.to_vec(),
            point,
        }),
    })
}

/// aws-lc algorithm for the curves it supports (the hash is irrelevant
/// here; only the curve is used).
fn signing_algorithm(curve: &[u8]) -> Option<&'static EcdsaSigningAlgorithm> {
    match curve {
        oid::CURVE_P256 => Some(&ECDSA_P256_SHA256_ASN1_SIGNING),
        oid::CURVE_P384 => Some(&ECDSA_P384_SHA384_ASN1_SIGNING),
        oid::CURVE_P521 => Some(&ECDSA_P521_SHA512_ASN1_SIGNING),
        _ => None,
    }
}
