//! Shared key material for the JOSE tests (generated once per test run).

use std::sync::OnceLock;

use josekit::jwk::KeyPair as _;
use josekit::jwk::alg::ec::{EcCurve, EcKeyPair};
use serde_json::{Map, Value, json};

use crate::certificate::{GeneratedCertificate, KeyAlgorithm, generate_self_signed};

/// Includes a file from `testdata/`.
macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/", $name))
    };
}
pub(super) use fixture;

/// A self-signed RSA-2048 certificate-key pair.
pub(super) fn rsa() -> &'static GeneratedCertificate {
    static PAIR: OnceLock<GeneratedCertificate> = OnceLock::new();
    PAIR.get_or_init(|| generate_self_signed("rsa", &[], 30, KeyAlgorithm::Rsa).unwrap())
}

/// A second, unrelated RSA-2048 certificate-key pair.
pub(super) fn other_rsa() -> &'static GeneratedCertificate {
    static PAIR: OnceLock<GeneratedCertificate> = OnceLock::new();
    PAIR.get_or_init(|| generate_self_signed("other", &[], 30, KeyAlgorithm::Rsa).unwrap())
}

/// A self-signed P-256 certificate-key pair.
pub(super) fn p256() -> &'static GeneratedCertificate {
    static PAIR: OnceLock<GeneratedCertificate> = OnceLock::new();
    PAIR.get_or_init(|| generate_self_signed("p256", &[], 30, KeyAlgorithm::Ecdsa).unwrap())
}

/// The P-384 fixture pair (SEC1 key preceded by an `EC PARAMETERS` block).
pub(super) fn p384_fixture() -> GeneratedCertificate {
    GeneratedCertificate {
        certificate_pem: fixture!("ec384_trad.crt").to_owned(),
        private_key_pem: fixture!("ec384_trad.pem").to_owned(),
    }
}

/// A fresh PKCS#8 PEM private key on `curve`, generated with josekit.
pub(super) fn ec_key_pem(curve: EcCurve) -> String {
    let pem = EcKeyPair::generate(curve).unwrap().to_pem_private_key();
    String::from_utf8(pem).unwrap()
}

/// A fixed set of claims.
pub(super) fn claims() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "iss": "https://id.example.com/application/o/app/",
        "sub": "user-1",
        "aud": "client",
        "exp": 2_000_000_000_i64,
        "iat": 1_700_000_000_i64,
        "nonce": "n-0S6_WzA2Mj",
        "groups": ["admins", "users"],
    }) else {
        unreachable!("json! object literal")
    };
    map
}
