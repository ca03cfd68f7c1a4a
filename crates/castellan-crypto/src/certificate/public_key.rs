//! The public half of a key pair, normalised so that a private key and a
//! certificate's SubjectPublicKeyInfo can be compared.

use x509_parser::asn1_rs::Tag;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::der::{self, Reader, TAG_INTEGER, TAG_SEQUENCE};
use super::oid;

/// A public key in comparable form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PublicKey {
    /// RSA modulus and public exponent, big-endian without leading zeros.
    Rsa {
        /// n
        modulus: Vec<u8>,
        /// e
        exponent: Vec<u8>,
    },
    /// EC point (as encoded, normally uncompressed) on a named curve.
    Ec {
        /// Curve OID content bytes.
        curve: Vec<u8>,
        /// Encoded point.
        point: Vec<u8>,
    },
    /// 32-byte Ed25519 public key.
    Ed25519(Vec<u8>),
    /// 57-byte Ed448 public key.
    Ed448(Vec<u8>),
}

impl PublicKey {
    /// Builds an RSA key from INTEGER contents, rejecting negative or empty
    /// values.
    pub(super) fn rsa(modulus: &[u8], exponent: &[u8]) -> Option<Self> {
        let modulus = der::unsigned_integer(modulus)?;
        let exponent = der::unsigned_integer(exponent)?;
        if modulus.is_empty() || exponent.is_empty() {
            return None;
        }
        Some(Self::Rsa {
            modulus: modulus.to_vec(),
            exponent: exponent.to_vec(),
        })
    }

    /// Reads a certificate's SubjectPublicKeyInfo; `None` for algorithms
    /// other than RSA, EC (named curve), Ed25519 and Ed448, or bad encodings.
    pub(super) fn from_spki(spki: &SubjectPublicKeyInfo<'_>) -> Option<Self> {
        let key = spki.subject_public_key.data.as_ref();
        if spki.subject_public_key.unused_bits != 0 {
            return None;
        }
        match spki.algorithm.algorithm.as_bytes() {
            oid::RSA_ENCRYPTION | oid::RSASSA_PSS => {
                let body = der::single(key, TAG_SEQUENCE)?;
                let mut reader = Reader::new(body);
                let modulus = reader.read(TAG_INTEGER)?;
                let exponent = reader.read(TAG_INTEGER)?;
                reader.is_empty().then_some(())?;
                Self::rsa(modulus, exponent)
            }
            oid::EC_PUBLIC_KEY => {
                let params = spki.algorithm.parameters.as_ref()?;
                (params.tag() == Tag::Oid).then_some(())?;
                Some(Self::Ec {
                    curve: params.data.to_vec(),
                    point: key.to_vec(),
                })
            }
            oid::ED25519 => Some(Self::Ed25519(key.to_vec())),
            oid::ED448 => Some(Self::Ed448(key.to_vec())),
            _ => None,
        }
    }
}
