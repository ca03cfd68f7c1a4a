//! JWKS entries for certificate-key pairs (spec §7.1.9, RFC 7517 §4,
//! RFC 7518 §6): public RSA / EC parameters plus the certificate chain and
//! thumbprints.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use josekit::jwk::Jwk;
use josekit::jwk::KeyPair as _;
use serde_json::{Map, Value};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::b64;
use super::key::{self, KeyPair};
use crate::CryptoError;
use crate::certificate;

/// Key management algorithm published for encryption keys.
const ENC_KEY_ALG: &str = "RSA-OAEP-256";
/// Content encryption algorithm published for encryption keys.
const ENC_CONTENT_ENC: &str = "A256CBC-HS512";

/// Intended use of a published key (`use`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// `sig`: verifies token signatures.
    Sig,
    /// `enc`: encrypts tokens (JWE, RSA only).
    Enc,
}

impl KeyUse {
    /// The `use` member value.
    fn as_str(self) -> &'static str {
        match self {
            Self::Sig => "sig",
            Self::Enc => "enc",
        }
    }
}

/// One JWKS entry for a certificate-key pair, spec §7.1.9.
///
/// Members, in this order: `kid` ([`certificate::kid`]`(key_pem)`), `kty`
/// (`RSA` | `EC`), `alg` (RS256 / ES256 / ES384 / ES512 for `sig`;
/// RSA-OAEP-256 for `enc`), `use`, `enc` (`A256CBC-HS512`, encryption keys
/// only), RSA `n` / `e` or EC `crv` / `x` / `y` (`P-256` | `P-384` | `P-521`,
/// coordinates left-zero-padded to the curve size), `x5c` (DER certificate,
/// standard base64 with padding), `x5t` (SHA-1 of the DER) and `x5t#S256`
/// (SHA-256), both base64url without padding.
///
/// The public key is derived from `key_pem`, as authentik does. Errors:
/// [`CryptoError::InvalidCertificate`], [`CryptoError::InvalidPrivateKey`],
/// [`CryptoError::UnsupportedKeyType`] (not RSA / NIST EC, or an EC key with
/// [`KeyUse::Enc`]).
pub fn public_jwk(
    cert_pem: &str,
    key_pem: &str,
    key_use: KeyUse,
) -> Result<Map<String, Value>, CryptoError> {
    let (x5c, x5t, x5t_s256) = certificate::with_certificate(cert_pem, |der, _| {
        Ok((
            STANDARD.encode(der),
            b64::encode(Sha1::digest(der)),
            b64::encode(Sha256::digest(der)),
        ))
    })?;
    let loaded = key::load(key_pem)?;

    let mut jwk = Map::new();
    jwk.insert("kid".to_owned(), Value::from(certificate::kid(key_pem)));
    match (&loaded.pair, key_use) {
        (KeyPair::Rsa(pair), _) => {
            let alg = match key_use {
                KeyUse::Sig => "RS256",
                KeyUse::Enc => ENC_KEY_ALG,
            };
            insert_header(&mut jwk, "RSA", alg, key_use);
            let public = pair.to_jwk_public_key();
            copy_members(&mut jwk, &public, &["n", "e"])?;
        }
        (KeyPair::Ec(pair, alg), KeyUse::Sig) => {
            insert_header(&mut jwk, "EC", alg.as_str(), key_use);
            let public = pair.to_jwk_public_key();
            copy_members(&mut jwk, &public, &["crv", "x", "y"])?;
        }
        (KeyPair::Ec(..), KeyUse::Enc) => return Err(CryptoError::UnsupportedKeyType),
    }
    jwk.insert("x5c".to_owned(), Value::Array(vec![Value::from(x5c)]));
    jwk.insert("x5t".to_owned(), Value::from(x5t));
    jwk.insert("x5t#S256".to_owned(), Value::from(x5t_s256));
    Ok(jwk)
}

/// Inserts `kty`, `alg`, `use` and, for encryption keys, `enc`.
fn insert_header(jwk: &mut Map<String, Value>, kty: &str, alg: &str, key_use: KeyUse) {
    jwk.insert("kty".to_owned(), Value::from(kty));
    jwk.insert("alg".to_owned(), Value::from(alg));
    jwk.insert("use".to_owned(), Value::from(key_use.as_str()));
    if key_use == KeyUse::Enc {
        jwk.insert("enc".to_owned(), Value::from(ENC_CONTENT_ENC));
    }
}

/// Copies the named public members from josekit's JWK.
fn copy_members(
    jwk: &mut Map<String, Value>,
    source: &Jwk,
    names: &[&str],
) -> Result<(), CryptoError> {
    for name in names {
        let value = source
            .parameter(name)
            .ok_or_else(|| CryptoError::Jose(format!("public key member {name} missing")))?;
        jwk.insert((*name).to_owned(), value.clone());
    }
    Ok(())
}
