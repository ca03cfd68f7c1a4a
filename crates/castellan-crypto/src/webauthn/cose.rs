//! COSE_Key public keys (RFC 9052 / RFC 9053) and signature verification.

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P384_SHA384_ASN1, ED25519, ParsedPublicKey,
    RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256, RsaPublicKeyComponents,
    VerificationAlgorithm,
};

use super::WebauthnError;
use super::cbor::{self, Value};

/// COSE key parameter labels.
const LABEL_KTY: i64 = 1;
const LABEL_ALG: i64 = 3;
const LABEL_CRV_OR_N: i64 = -1;
const LABEL_X_OR_E: i64 = -2;
const LABEL_Y: i64 = -3;
/// COSE key types.
const KTY_OKP: i64 = 1;
const KTY_EC2: i64 = 2;
const KTY_RSA: i64 = 3;
/// COSE elliptic curves.
const CRV_P256: i64 = 1;
const CRV_P384: i64 = 2;
const CRV_ED25519: i64 = 6;

/// A supported COSE signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoseAlgorithm {
    /// ECDSA P-256 with SHA-256 (-7), DER signatures.
    Es256,
    /// ECDSA P-384 with SHA-384 (-35), DER signatures.
    Es384,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (-257).
    Rs256,
    /// RSASSA-PSS with SHA-256, salt length 32 (-37).
    Ps256,
    /// EdDSA over Ed25519 (-8).
    EdDsa,
}

impl CoseAlgorithm {
    /// The algorithm for a COSE identifier.
    pub fn from_id(id: i64) -> Result<Self, WebauthnError> {
        match id {
            -7 => Ok(Self::Es256),
            -35 => Ok(Self::Es384),
            -257 => Ok(Self::Rs256),
            -37 => Ok(Self::Ps256),
            -8 => Ok(Self::EdDsa),
            other => Err(WebauthnError::UnsupportedAlgorithm(other)),
        }
    }

    /// The COSE identifier.
    pub fn id(self) -> i64 {
        match self {
            Self::Es256 => -7,
            Self::Es384 => -35,
            Self::Rs256 => -257,
            Self::Ps256 => -37,
            Self::EdDsa => -8,
        }
    }

    /// The aws-lc-rs verification algorithm.
    fn verification(self) -> &'static dyn VerificationAlgorithm {
        match self {
            Self::Es256 => &ECDSA_P256_SHA256_ASN1,
            Self::Es384 => &ECDSA_P384_SHA384_ASN1,
            Self::Rs256 => &RSA_PKCS1_2048_8192_SHA256,
            Self::Ps256 => &RSA_PSS_2048_8192_SHA256,
            Self::EdDsa => &ED25519,
        }
    }

    /// Verifies `signature` over `message` with a public key given in the
    /// form X.509 carries it in `subjectPublicKey` (EC point, PKCS#1
    /// `RSAPublicKey`, or raw Ed25519 key).
    pub(crate) fn verify_with_key_bytes(
        self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), WebauthnError> {
        ParsedPublicKey::new(self.verification(), public_key)
            .map_err(|_| WebauthnError::BadAttestation("certificate key does not match alg"))?
            .verify_sig(message, signature)
            .map_err(|_| WebauthnError::BadSignature)
    }
}

/// A credential public key decoded from a COSE_Key, with its original bytes.
#[derive(Debug, Clone)]
pub struct CosePublicKey {
    algorithm: CoseAlgorithm,
    key: ParsedPublicKey,
    ec_point: Option<Vec<u8>>,
    cose_bytes: Vec<u8>,
}

impl CosePublicKey {
    /// Parses a COSE_Key that spans all of `bytes`.
    pub fn from_cose(bytes: &[u8]) -> Result<Self, WebauthnError> {
        let value = cbor::decode(bytes)?;
        Self::from_value(&value, bytes.to_vec())
    }

    /// Builds the key from an already decoded map and its encoding.
    pub(crate) fn from_value(value: &Value, cose_bytes: Vec<u8>) -> Result<Self, WebauthnError> {
        if value.as_map().is_none() {
            return Err(WebauthnError::UnsupportedKey("COSE key is not a map"));
        }
        let kty = int_param(value, LABEL_KTY, "missing or invalid kty")?;
        let alg_id = int_param(value, LABEL_ALG, "missing or invalid alg")?;
        let algorithm = CoseAlgorithm::from_id(alg_id)?;
        let (key, ec_point) = match algorithm {
            CoseAlgorithm::Es256 => ec2_key(value, kty, CRV_P256, 32, algorithm)?,
            CoseAlgorithm::Es384 => ec2_key(value, kty, CRV_P384, 48, algorithm)?,
            CoseAlgorithm::EdDsa => (okp_key(value, kty)?, None),
            CoseAlgorithm::Rs256 | CoseAlgorithm::Ps256 => (rsa_key(value, kty, algorithm)?, None),
        };
        Ok(Self {
            algorithm,
            key,
            ec_point,
            cose_bytes,
        })
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> CoseAlgorithm {
        self.algorithm
    }

    /// The original COSE_Key encoding (store this, e.g. base64url).
    pub fn cose_bytes(&self) -> &[u8] {
        &self.cose_bytes
    }

    /// The uncompressed SEC1 point `0x04 || x || y` of an EC2 key.
    pub fn ec_point(&self) -> Option<&[u8]> {
        self.ec_point.as_deref()
    }

    /// Verifies `signature` (DER for ECDSA) over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), WebauthnError> {
        self.key
            .verify_sig(message, signature)
            .map_err(|_| WebauthnError::BadSignature)
    }
}

/// A required integer parameter.
fn int_param(key: &Value, label: i64, reason: &'static str) -> Result<i64, WebauthnError> {
    key.get_int(label)
        .and_then(Value::as_i64)
        .ok_or(WebauthnError::UnsupportedKey(reason))
}

/// A required byte-string parameter.
fn bytes_param<'a>(
    key: &'a Value,
    label: i64,
    reason: &'static str,
) -> Result<&'a [u8], WebauthnError> {
    key.get_int(label)
        .and_then(Value::as_bytes)
        .ok_or(WebauthnError::UnsupportedKey(reason))
}

/// An EC2 key on curve `crv` with `size`-byte coordinates.
fn ec2_key(
    key: &Value,
    kty: i64,
    crv: i64,
    size: usize,
    algorithm: CoseAlgorithm,
) -> Result<(ParsedPublicKey, Option<Vec<u8>>), WebauthnError> {
    if kty != KTY_EC2 {
        return Err(WebauthnError::UnsupportedKey("kty does not match alg"));
    }
    if int_param(key, LABEL_CRV_OR_N, "missing or invalid crv")? != crv {
        return Err(WebauthnError::UnsupportedKey("curve does not match alg"));
    }
    let x = bytes_param(key, LABEL_X_OR_E, "missing x coordinate")?;
    let y = bytes_param(key, LABEL_Y, "missing y coordinate")?;
    if x.len() != size || y.len() != size {
        return Err(WebauthnError::UnsupportedKey("wrong coordinate length"));
    }
    let mut point = Vec::with_capacity(1 + 2 * size);
    point.push(0x04);
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    let parsed = ParsedPublicKey::new(algorithm.verification(), &point)
        .map_err(|_| WebauthnError::UnsupportedKey("point is not on the curve"))?;
    Ok((parsed, Some(point)))
}

/// An OKP Ed25519 key.
fn okp_key(key: &Value, kty: i64) -> Result<ParsedPublicKey, WebauthnError> {
    if kty != KTY_OKP {
        return Err(WebauthnError::UnsupportedKey("kty does not match alg"));
    }
    if int_param(key, LABEL_CRV_OR_N, "missing or invalid crv")? != CRV_ED25519 {
        return Err(WebauthnError::UnsupportedKey("curve does not match alg"));
    }
    let x = bytes_param(key, LABEL_X_OR_E, "missing x coordinate")?;
    if x.len() != 32 {
        return Err(WebauthnError::UnsupportedKey("wrong Ed25519 key length"));
    }
    ParsedPublicKey::new(&ED25519, x)
        .map_err(|_| WebauthnError::UnsupportedKey("invalid Ed25519 key"))
}

/// An RSA key of 2048 to 8192 bits.
fn rsa_key(
    key: &Value,
    kty: i64,
    algorithm: CoseAlgorithm,
) -> Result<ParsedPublicKey, WebauthnError> {
    if kty != KTY_RSA {
        return Err(WebauthnError::UnsupportedKey("kty does not match alg"));
    }
    let n = strip_leading_zeros(bytes_param(key, LABEL_CRV_OR_N, "missing modulus")?);
    let e = strip_leading_zeros(bytes_param(key, LABEL_X_OR_E, "missing exponent")?);
    if !(256..=1024).contains(&n.len()) {
        return Err(WebauthnError::UnsupportedKey(
            "RSA modulus must be 2048-8192 bits",
        ));
    }
    if e.is_empty() || e.len() > 8 {
        return Err(WebauthnError::UnsupportedKey("invalid RSA exponent"));
    }
    let params = match algorithm {
        CoseAlgorithm::Ps256 => &RSA_PSS_2048_8192_SHA256,
        _ => &RSA_PKCS1_2048_8192_SHA256,
    };
    RsaPublicKeyComponents { n, e }
        .to_parsed_public_key(params)
        .map_err(|_| WebauthnError::UnsupportedKey("invalid RSA key"))
}

/// `bytes` without leading zero octets.
fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}
