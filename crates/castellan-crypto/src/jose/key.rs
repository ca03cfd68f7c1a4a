//! Loading a PEM private key for JOSE use: classification (RSA, or EC on
//! P-256 / P-384 / P-521) and re-encoding as canonical PEM for josekit's
//! strict PEM parser.

use std::fmt::Write as _;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use josekit::jwk::alg::ec::{EcCurve, EcKeyPair};
use josekit::jwk::alg::rsa::RsaKeyPair;

use super::JwsAlg;
use crate::CryptoError;
use crate::certificate;

/// A private key usable for JOSE, with its josekit key pair.
pub(super) enum KeyPair {
    /// An RSA key.
    Rsa(RsaKeyPair),
    /// An EC key on a NIST curve, with the JWS algorithm for that curve.
    Ec(EcKeyPair, JwsAlg),
}

/// A loaded private key.
pub(super) struct LoadedKey {
    /// The first private key block as canonical PEM (64-column base64).
    pub(super) pem: String,
    /// The parsed key pair.
    pub(super) pair: KeyPair,
}

/// Loads the first unencrypted private key of `key_pem` (PKCS#8, PKCS#1 or
/// SEC1). Errors: [`CryptoError::InvalidPrivateKey`] for junk or encrypted
/// keys, [`CryptoError::UnsupportedKeyType`] for keys other than RSA or EC on
/// P-256 / P-384 / P-521.
pub(super) fn load(key_pem: &str) -> Result<LoadedKey, CryptoError> {
    let kind = certificate::private_key_type(key_pem)?;
    let (label, der) =
        certificate::private_key_block(key_pem).ok_or(CryptoError::InvalidPrivateKey)?;
    let pem = canonical_pem(&label, &der);
    let pair = match kind.as_str() {
        "rsa" => {
            KeyPair::Rsa(RsaKeyPair::from_pem(&pem).map_err(|_| CryptoError::UnsupportedKeyType)?)
        }
        "ec" => {
            let pair =
                EcKeyPair::from_pem(&pem, None).map_err(|_| CryptoError::UnsupportedKeyType)?;
            let alg = curve_alg(pair.curve()).ok_or(CryptoError::UnsupportedKeyType)?;
            KeyPair::Ec(pair, alg)
        }
        _ => return Err(CryptoError::UnsupportedKeyType),
    };
    Ok(LoadedKey { pem, pair })
}

/// The ECDSA JWS algorithm of a curve (RFC 7518 §3.4); `None` for
/// secp256k1, which Castellan does not sign with.
fn curve_alg(curve: EcCurve) -> Option<JwsAlg> {
    match curve {
        EcCurve::P256 => Some(JwsAlg::Es256),
        EcCurve::P384 => Some(JwsAlg::Es384),
        EcCurve::P521 => Some(JwsAlg::Es512),
        EcCurve::Secp256k1 => None,
    }
}

/// `-----BEGIN label-----`, base64 in 64-character lines, `-----END label-----`.
fn canonical_pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = String::with_capacity(body.len() + body.len() / 64 + 2 * label.len() + 40);
    let _ = writeln!(pem, "-----BEGIN {label}-----");
    let mut rest = body.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        pem.push_str(line);
        pem.push('\n');
        rest = tail;
    }
    let _ = writeln!(pem, "-----END {label}-----");
    pem
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Unit tests for this module.

    use super::*;

    #[test]
    fn canonical_pem_wraps_at_64_columns() {
        let pem = canonical_pem("X", &[0u8; 60]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN X-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines[2].len(), 16);
        assert_eq!(lines[3], "-----END X-----");
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn classifies_keys_and_rejects_others() {
        let ec384 = include_str!("../../testdata/ec384_trad.pem");
        assert!(matches!(
            load(ec384).unwrap().pair,
            KeyPair::Ec(_, JwsAlg::Es384)
        ));
        let indented = format!("junk\n  {}", ec384.replace('\n', "\n  "));
        assert!(matches!(
            load(&indented).unwrap().pair,
            KeyPair::Ec(_, JwsAlg::Es384)
        ));
        let rsa = include_str!("../../testdata/rsa_pkcs8.pem");
        assert!(matches!(load(rsa).unwrap().pair, KeyPair::Rsa(_)));
        let rsa_trad = include_str!("../../testdata/rsa1024_trad.pem");
        assert!(matches!(load(rsa_trad).unwrap().pair, KeyPair::Rsa(_)));
        let k1 = include_str!("../../testdata/k1_trad.pem");
        assert_eq!(load(k1).err(), Some(CryptoError::UnsupportedKeyType));
        let ed = include_str!("../../testdata/ed25519.pem");
        assert_eq!(load(ed).err(), Some(CryptoError::UnsupportedKeyType));
        assert_eq!(load("junk").err(), Some(CryptoError::InvalidPrivateKey));
    }
}
