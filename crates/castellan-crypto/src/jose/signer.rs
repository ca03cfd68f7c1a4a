//! Compact JWS signing of ID / access tokens (spec §7.1.5, RFC 7515 §7.1):
//! RS256 / ES256 / ES384 / ES512 with a certificate-key pair's private key,
//! or HS256 with the client secret.

use std::fmt;

use hmac::{Hmac, Mac};
use josekit::jws::{ES256, ES384, ES512, JwsSigner, RS256};
use serde_json::{Map, Value};
use sha2::Sha256;

use super::key::{self, KeyPair};
use super::{JwsAlg, b64};
use crate::CryptoError;
use crate::certificate;

/// Smallest RSA modulus (bits) josekit signs with.
const MIN_RSA_BITS: u32 = 2048;

/// The signing primitive behind a [`JwtSigner`].
enum Backend {
    /// An asymmetric josekit signer (RSA or ECDSA).
    Jose(Box<dyn JwsSigner>),
    /// HMAC-SHA256 with the client secret.
    Hmac(Vec<u8>),
}

/// A signer built once per key and cached by callers (parsing PEM per token
/// is too slow). `Send + Sync`; its `Debug` output never shows key material.
pub struct JwtSigner {
    /// Algorithm written to the `alg` header.
    alg: JwsAlg,
    /// Key id written to the `kid` header, if any.
    kid: Option<String>,
    /// base64url of the protected header followed by `.`.
    header_prefix: String,
    /// The key.
    backend: Backend,
}

impl JwtSigner {
    /// From a private key PEM (PKCS#8 `BEGIN PRIVATE KEY`, PKCS#1 `BEGIN RSA
    /// PRIVATE KEY`, SEC1 `BEGIN EC PRIVATE KEY`).
    ///
    /// RSA → RS256; EC P-256 → ES256, P-384 → ES384, P-521 → ES512
    /// (authentik claims ES256 for every curve, which is not valid JOSE; we
    /// use the curve's algorithm). kid = [`certificate::kid`]`(key_pem)`.
    ///
    /// Errors: [`CryptoError::InvalidPrivateKey`],
    /// [`CryptoError::UnsupportedKeyType`] (not RSA or EC on a NIST curve),
    /// [`CryptoError::Jose`] for RSA keys shorter than 2048 bits.
    pub fn from_key_pem(key_pem: &str) -> Result<Self, CryptoError> {
        let loaded = key::load(key_pem)?;
        let (alg, signer): (JwsAlg, Box<dyn JwsSigner>) = match &loaded.pair {
            KeyPair::Rsa(pair) => {
                if pair.key_len() * 8 < MIN_RSA_BITS {
                    return Err(CryptoError::Jose(format!(
                        "RSA signing keys must have at least {MIN_RSA_BITS} bits"
                    )));
                }
                let signer = RS256
                    .signer_from_pem(&loaded.pem)
                    .map_err(|_| CryptoError::InvalidPrivateKey)?;
                (JwsAlg::Rs256, Box::new(signer))
            }
            KeyPair::Ec(_, alg) => {
                let ecdsa = match alg {
                    JwsAlg::Es384 => ES384,
                    JwsAlg::Es512 => ES512,
                    _ => ES256,
                };
                let signer = ecdsa
                    .signer_from_pem(&loaded.pem)
                    .map_err(|_| CryptoError::InvalidPrivateKey)?;
                (*alg, Box::new(signer))
            }
        };
        Ok(Self::new(
            alg,
            Some(certificate::kid(key_pem)),
            Backend::Jose(signer),
        ))
    }

    /// HS256 keyed with the client secret; no kid.
    pub fn hs256(secret: &[u8]) -> Self {
        Self::new(JwsAlg::Hs256, None, Backend::Hmac(secret.to_vec()))
    }

    /// Builds the signer and its protected header
    /// `{"alg", "kid" (when any), "typ": "JWT"}`.
    fn new(alg: JwsAlg, kid: Option<String>, backend: Backend) -> Self {
        let mut header = Map::new();
        header.insert("alg".to_owned(), Value::from(alg.as_str()));
        if let Some(kid) = &kid {
            header.insert("kid".to_owned(), Value::from(kid.as_str()));
        }
        header.insert("typ".to_owned(), Value::from("JWT"));
        let mut header_prefix = b64::encode(Value::Object(header).to_string());
        header_prefix.push('.');
        Self {
            alg,
            kid,
            header_prefix,
            backend,
        }
    }

    /// The `alg` this signer writes.
    pub fn alg(&self) -> JwsAlg {
        self.alg
    }

    /// The `kid` this signer writes (`None` for HS256).
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Compact JWS of `claims` (compact JSON, in the map's order); protected
    /// header exactly `{"alg", "kid" (when any), "typ": "JWT"}`.
    pub fn sign(&self, claims: &Map<String, Value>) -> Result<String, CryptoError> {
        let payload = serde_json::to_vec(claims).map_err(|_| CryptoError::InvalidPayload)?;
        let mut token = self.header_prefix.clone();
        token.push_str(&b64::encode(payload));
        let signature = match &self.backend {
            Backend::Jose(signer) => signer
                .sign(token.as_bytes())
                .map_err(|_| CryptoError::Jose("signing failed".to_owned()))?,
            Backend::Hmac(secret) => {
                let mut mac = Hmac::<Sha256>::new_from_slice(secret)
                    .map_err(|_| CryptoError::Jose("invalid HMAC key".to_owned()))?;
                mac.update(token.as_bytes());
                mac.finalize().into_bytes().to_vec()
            }
        };
        token.push('.');
        token.push_str(&b64::encode(signature));
        Ok(token)
    }
}

impl fmt::Debug for JwtSigner {
    /// Shows the algorithm and kid, never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSigner")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("key", &"<redacted>")
            .finish()
    }
}
