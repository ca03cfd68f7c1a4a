//! Ed25519 / Ed448 PKCS#8 private keys (RFC 8410).

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};

use super::der::{self, TAG_OCTET_STRING};
use super::private_key::{KeyKind, ParsedKey};
use super::public_key::PublicKey;
use crate::CryptoError;

/// Ed25519 seed length.
const ED25519_SEED_LEN: usize = 32;
/// Ed448 private key length.
const ED448_KEY_LEN: usize = 57;

/// Parses the `CurvePrivateKey` (an OCTET STRING holding the 32-byte seed)
/// and derives the public key; a PKCS#8 v2 embedded public key must agree.
pub(super) fn parse_ed25519(
    private_key: &[u8],
    embedded_public: Option<&[u8]>,
) -> Result<ParsedKey, CryptoError> {
    const INVALID: CryptoError = CryptoError::InvalidPrivateKey;
    let seed = der::single(private_key, TAG_OCTET_STRING).ok_or(INVALID)?;
    if seed.len() != ED25519_SEED_LEN {
        return Err(INVALID);
    }
    let key_pair = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| INVALID)?;
    let derived = key_pair.public_key().as_ref().to_vec();
    if embedded_public.is_some_and(|public| public != derived) {
        return Err(INVALID);
    }
    Ok(ParsedKey {
        kind: KeyKind::Ed25519,
        public: Some(PublicKey::Ed25519(derived)),
    })
}

/// Parses an Ed448 `CurvePrivateKey`. Ed448 arithmetic is unavailable, so
/// the public key is only known when the PKCS#8 v2 structure embeds it.
pub(super) fn parse_ed448(
    private_key: &[u8],
    embedded_public: Option<&[u8]>,
) -> Result<ParsedKey, CryptoError> {
    let key = der::single(private_key, TAG_OCTET_STRING).ok_or(CryptoError::InvalidPrivateKey)?;
    if key.len() != ED448_KEY_LEN {
        return Err(CryptoError::InvalidPrivateKey);
    }
    Ok(ParsedKey {
        kind: KeyKind::Ed448,
        public: embedded_public.map(|public| PublicKey::Ed448(public.to_vec())),
    })
}
