//! Test-only software authenticator: generates credential keys with
//! aws-lc-rs and encodes COSE keys, authenticator data, attestation objects
//! and the browser's JSON serialisation, so ceremonies can be verified
//! end to end.

#![allow(clippy::unwrap_used)]

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    KeyPair, RSA_PKCS1_SHA256, RSA_PSS_SHA256, RsaKeyPair,
};
use rcgen::{CertificateParams, CustomExtension, DistinguishedName, DnType, IsCa};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::cbor::Value;
use super::challenge::base64url_encode;
use super::cose::CoseAlgorithm;

/// Test-only CBOR encoder (definite lengths, minimal heads).
pub(super) fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(value, &mut out);
    out
}

fn head(major: u8, arg: u64, out: &mut Vec<u8>) {
    let major = major << 5;
    match arg {
        0..=23 => out.push(major | arg as u8),
        24..=0xff => out.extend([major | 24, arg as u8]),
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend((arg as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 26);
            out.extend((arg as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend(arg.to_be_bytes());
        }
    }
}

fn encode_into(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Unsigned(n) => head(0, *n, out),
        Value::Negative(n) => head(1, *n, out),
        Value::Bytes(b) => {
            head(2, b.len() as u64, out);
            out.extend_from_slice(b);
        }
        Value::Text(t) => {
            head(3, t.len() as u64, out);
            out.extend_from_slice(t.as_bytes());
        }
        Value::Array(items) => {
            head(4, items.len() as u64, out);
            items.iter().for_each(|item| encode_into(item, out));
        }
        Value::Map(entries) => {
            head(5, entries.len() as u64, out);
            for (k, v) in entries {
                encode_into(k, out);
                encode_into(v, out);
            }
        }
        Value::Bool(false) => out.push(0xf4),
        Value::Bool(true) => out.push(0xf5),
        Value::Null => out.push(0xf6),
    }
}

/// A CBOR integer.
pub(super) fn int(n: i64) -> Value {
    if n >= 0 {
        Value::Unsigned(n as u64)
    } else {
        Value::Negative((-1 - n) as u64)
    }
}

/// A CBOR text string.
pub(super) fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// A CBOR byte string.
pub(super) fn bytes(b: &[u8]) -> Value {
    Value::Bytes(b.to_vec())
}

/// A credential key pair.
pub(super) enum SoftKey {
    Ecdsa(EcdsaKeyPair, CoseAlgorithm),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair, CoseAlgorithm),
}

impl SoftKey {
    pub(super) fn generate(alg: CoseAlgorithm) -> Self {
        match alg {
            CoseAlgorithm::Es256 => Self::Ecdsa(
                EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap(),
                alg,
            ),
            CoseAlgorithm::Es384 => Self::Ecdsa(
                EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).unwrap(),
                alg,
            ),
            CoseAlgorithm::EdDsa => Self::Ed25519(Ed25519KeyPair::generate().unwrap()),
            CoseAlgorithm::Rs256 | CoseAlgorithm::Ps256 => {
                Self::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).unwrap(), alg)
            }
        }
    }

    pub(super) fn algorithm(&self) -> CoseAlgorithm {
        match self {
            Self::Ecdsa(_, alg) | Self::Rsa(_, alg) => *alg,
            Self::Ed25519(_) => CoseAlgorithm::EdDsa,
        }
    }

    /// The uncompressed EC point (EC keys only).
    pub(super) fn ec_point(&self) -> Vec<u8> {
        match self {
            Self::Ecdsa(key, _) => key.public_key().as_ref().to_vec(),
            _ => panic!("not an EC key"),
        }
    }

    /// The COSE_Key encoding of the public key.
    pub(super) fn cose_key(&self) -> Vec<u8> {
        let alg = int(self.algorithm().id());
        let map = match self {
            Self::Ecdsa(key, a) => {
                let point = key.public_key().as_ref();
                let size = (point.len() - 1) / 2;
                let crv = if *a == CoseAlgorithm::Es256 { 1 } else { 2 };
                vec![
                    (int(1), int(2)),
                    (int(3), alg),
                    (int(-1), int(crv)),
                    (int(-2), bytes(&point[1..=size])),
                    (int(-3), bytes(&point[size + 1..])),
                ]
            }
            Self::Ed25519(key) => vec![
                (int(1), int(1)),
                (int(3), alg),
                (int(-1), int(6)),
                (int(-2), bytes(key.public_key().as_ref())),
            ],
            Self::Rsa(key, _) => {
                let (n, e) = rsa_components(key.public_key().as_ref());
                vec![
                    (int(1), int(3)),
                    (int(3), alg),
                    (int(-1), bytes(&n)),
                    (int(-2), bytes(&e)),
                ]
            }
        };
        encode(&Value::Map(map))
    }

    pub(super) fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Self::Ecdsa(key, _) => key.sign(&rng, message).unwrap().as_ref().to_vec(),
            Self::Ed25519(key) => key.sign(message).as_ref().to_vec(),
            Self::Rsa(key, alg) => {
                let mut sig = vec![0u8; key.public_modulus_len()];
                let padding = if *alg == CoseAlgorithm::Ps256 {
                    &RSA_PSS_SHA256
                } else {
                    &RSA_PKCS1_SHA256
                };
                key.sign(padding, &rng, message, &mut sig).unwrap();
                sig
            }
        }
    }
}

/// Splits a PKCS#1 `RSAPublicKey` DER into (n, e) without leading zeros.
fn rsa_components(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    fn tlv(input: &[u8]) -> (&[u8], &[u8]) {
        let (len, start) = match input[1] {
            l if l < 0x80 => (l as usize, 2),
            l => {
                let n = (l & 0x7f) as usize;
                let len = input[2..2 + n]
                    .iter()
                    .fold(0usize, |acc, &b| (acc << 8) | b as usize);
                (len, 2 + n)
            }
        };
        (&input[start..start + len], &input[start + len..])
    }
    let (seq, _) = tlv(der);
    let (n, rest) = tlv(seq);
    let (e, _) = tlv(rest);
    let strip = |b: &[u8]| b.iter().skip_while(|&&x| x == 0).copied().collect();
    (strip(n), strip(e))
}

/// A credential held by the soft authenticator.
pub(super) struct Credential {
    pub key: SoftKey,
    pub id: Vec<u8>,
    pub aaguid: [u8; 16],
}

impl Credential {
    pub(super) fn new(alg: CoseAlgorithm) -> Self {
        Self {
            key: SoftKey::generate(alg),
            id: (0u8..48).collect(),
            aaguid: [0xab; 16],
        }
    }
}

/// An attestation statement to produce.
pub(super) enum Attestation {
    None,
    /// Packed self attestation claiming `alg`.
    PackedSelf {
        alg: i64,
    },
    /// Packed with an x5c leaf.
    PackedX5c {
        signer: SoftKey,
        cert_der: Vec<u8>,
    },
    /// FIDO U2F with an x5c leaf.
    FidoU2f {
        signer: SoftKey,
        cert_der: Vec<u8>,
    },
    /// A format this verifier accepts unchecked (or rejects), empty attStmt.
    Other(&'static str),
}

/// Attestation certificate properties to vary in tests.
pub(super) struct CertificateSpec {
    /// Key algorithm: ES256 or RS256.
    pub alg: CoseAlgorithm,
    pub organizational_unit: &'static str,
    pub is_ca: bool,
    pub aaguid_extension: Option<[u8; 16]>,
    pub aaguid_critical: bool,
}

impl CertificateSpec {
    /// A conforming P-256 certificate with an optional AAGUID extension.
    pub(super) fn p256(aaguid_extension: Option<[u8; 16]>) -> Self {
        Self {
            alg: CoseAlgorithm::Es256,
            organizational_unit: "Authenticator Attestation",
            is_ca: false,
            aaguid_extension,
            aaguid_critical: false,
        }
    }

    /// Generates the certificate; returns its signer and DER.
    pub(super) fn generate(&self) -> (SoftKey, Vec<u8>) {
        let rcgen_alg = match self.alg {
            CoseAlgorithm::Rs256 => &rcgen::PKCS_RSA_SHA256,
            _ => &rcgen::PKCS_ECDSA_P256_SHA256,
        };
        let key = rcgen::KeyPair::generate_for(rcgen_alg).unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "SE");
        dn.push(DnType::OrganizationName, "Soft Authenticators Inc");
        dn.push(DnType::OrganizationalUnitName, self.organizational_unit);
        dn.push(DnType::CommonName, "Soft Authenticator 1");
        params.distinguished_name = dn;
        params.is_ca = if self.is_ca {
            IsCa::Ca(rcgen::BasicConstraints::Unconstrained)
        } else {
            IsCa::ExplicitNoCa
        };
        if let Some(aaguid) = self.aaguid_extension {
            let mut content = vec![0x04, 0x10];
            content.extend_from_slice(&aaguid);
            let mut extension =
                CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 45724, 1, 1, 4], content);
            extension.set_criticality(self.aaguid_critical);
            params.custom_extensions.push(extension);
        }
        let certificate = params.self_signed(&key).unwrap();
        let pkcs8 = key.serialize_der();
        let signer = match self.alg {
            CoseAlgorithm::Rs256 => SoftKey::Rsa(RsaKeyPair::from_pkcs8(&pkcs8).unwrap(), self.alg),
            _ => SoftKey::Ecdsa(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8).unwrap(),
                CoseAlgorithm::Es256,
            ),
        };
        (signer, certificate.der().to_vec())
    }
}

/// A conforming P-256 attestation certificate; returns its signer and DER.
pub(super) fn attestation_certificate(aaguid_extension: Option<[u8; 16]>) -> (SoftKey, Vec<u8>) {
    CertificateSpec::p256(aaguid_extension).generate()
}

/// Parameters of one ceremony as the client and authenticator see them.
pub(super) struct Params {
    pub ceremony_type: String,
    pub challenge: Vec<u8>,
    pub origin: String,
    pub cross_origin: bool,
    pub rp_id: String,
    pub flags: u8,
    pub sign_count: u32,
    /// Flip a bit of the produced signature.
    pub corrupt_signature: bool,
}

impl Params {
    pub(super) fn create() -> Self {
        Self::new("webauthn.create", 0x41)
    }

    pub(super) fn get() -> Self {
        Self::new("webauthn.get", 0x01)
    }

    fn new(ceremony_type: &str, flags: u8) -> Self {
        Self {
            ceremony_type: ceremony_type.to_owned(),
            challenge: super::tests::CHALLENGE.to_vec(),
            origin: super::tests::ORIGIN.to_owned(),
            cross_origin: false,
            rp_id: super::tests::RP_ID.to_owned(),
            flags,
            sign_count: 1,
            corrupt_signature: false,
        }
    }

    pub(super) fn client_data_json(&self) -> Vec<u8> {
        json!({
            "type": self.ceremony_type,
            "challenge": base64url_encode(&self.challenge),
            "origin": self.origin,
            "crossOrigin": self.cross_origin,
        })
        .to_string()
        .into_bytes()
    }

    /// Authenticator data, with attested credential data for `credential`.
    pub(super) fn auth_data(&self, credential: Option<&Credential>) -> Vec<u8> {
        let mut data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        data.push(self.flags);
        data.extend(self.sign_count.to_be_bytes());
        if let Some(credential) = credential {
            data.extend(credential.aaguid);
            data.extend((credential.id.len() as u16).to_be_bytes());
            data.extend(&credential.id);
            data.extend(credential.key.cose_key());
        }
        data
    }

    fn finish_signature(&self, mut sig: Vec<u8>) -> Vec<u8> {
        if self.corrupt_signature {
            let last = sig.len() - 1;
            sig[last] ^= 0x01;
        }
        sig
    }
}

/// The attestation object for a registration.
pub(super) fn attestation_object(
    credential: &Credential,
    params: &Params,
    attestation: &Attestation,
    auth_data: &[u8],
    client_data_json: &[u8],
) -> Vec<u8> {
    let client_data_hash = Sha256::digest(client_data_json);
    let mut signed = auth_data.to_vec();
    signed.extend_from_slice(&client_data_hash);
    let (fmt, stmt) = match attestation {
        Attestation::None => ("none", vec![]),
        Attestation::Other(fmt) => (*fmt, vec![]),
        Attestation::PackedSelf { alg } => (
            "packed",
            vec![
                (text("alg"), int(*alg)),
                (
                    text("sig"),
                    bytes(&params.finish_signature(credential.key.sign(&signed))),
                ),
            ],
        ),
        Attestation::PackedX5c { signer, cert_der } => {
            let sig = signer.sign(&signed);
            (
                "packed",
                vec![
                    (text("alg"), int(signer.algorithm().id())),
                    (text("sig"), bytes(&params.finish_signature(sig))),
                    (text("x5c"), Value::Array(vec![bytes(cert_der)])),
                ],
            )
        }
        Attestation::FidoU2f { signer, cert_der } => {
            let mut u2f = vec![0x00];
            u2f.extend_from_slice(&auth_data[..32]);
            u2f.extend_from_slice(&client_data_hash);
            u2f.extend_from_slice(&credential.id);
            u2f.extend_from_slice(&credential.key.ec_point());
            let sig = signer.sign(&u2f);
            (
                "fido-u2f",
                vec![
                    (text("sig"), bytes(&params.finish_signature(sig))),
                    (text("x5c"), Value::Array(vec![bytes(cert_der)])),
                ],
            )
        }
    };
    encode(&Value::Map(vec![
        (text("fmt"), text(fmt)),
        (text("attStmt"), Value::Map(stmt)),
        (text("authData"), bytes(auth_data)),
    ]))
}

/// The browser's JSON for a registration response.
pub(super) fn registration_json(
    credential: &Credential,
    params: &Params,
    attestation: &Attestation,
) -> serde_json::Value {
    let client_data_json = params.client_data_json();
    let auth_data = params.auth_data(Some(credential));
    let object = attestation_object(
        credential,
        params,
        attestation,
        &auth_data,
        &client_data_json,
    );
    registration_json_from_parts(&credential.id, &client_data_json, &object)
}

/// Registration JSON from raw parts.
pub(super) fn registration_json_from_parts(
    id: &[u8],
    client_data_json: &[u8],
    attestation_object: &[u8],
) -> serde_json::Value {
    json!({
        "id": base64url_encode(id),
        "rawId": base64url_encode(id),
        "type": "public-key",
        "response": {
            "clientDataJSON": base64url_encode(client_data_json),
            "attestationObject": base64url_encode(attestation_object),
            "transports": ["usb", "nfc"],
        },
        "clientExtensionResults": {},
    })
}

/// The browser's JSON for an assertion response.
pub(super) fn assertion_json(
    credential: &Credential,
    params: &Params,
    user_handle: Option<&[u8]>,
) -> serde_json::Value {
    let client_data_json = params.client_data_json();
    let auth_data = params.auth_data(None);
    let mut signed = auth_data.clone();
    signed.extend_from_slice(&Sha256::digest(&client_data_json));
    let signature = params.finish_signature(credential.key.sign(&signed));
    json!({
        "id": base64url_encode(&credential.id),
        "rawId": base64url_encode(&credential.id),
        "type": "public-key",
        "response": {
            "clientDataJSON": base64url_encode(&client_data_json),
            "authenticatorData": base64url_encode(&auth_data),
            "signature": base64url_encode(&signature),
            "userHandle": user_handle.map(base64url_encode),
        },
        "clientExtensionResults": {},
    })
}
