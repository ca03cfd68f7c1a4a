//! public_jwk: members, order, encodings, coordinate padding, thumbprints.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use josekit::jwk::alg::ec::EcCurve;
use serde_json::{Map, Value, json};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::fixtures::{self, ec_key_pem, fixture};
use super::*;
use crate::CryptoError;
use crate::certificate::{self, parse_certificate};

/// The DER of the (single) certificate in `pem`, decoded independently.
fn certificate_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body).unwrap()
}

/// Member names in order.
fn keys(jwk: &Map<String, Value>) -> Vec<&str> {
    jwk.keys().map(String::as_str).collect()
}

/// Decodes a base64url member.
fn decoded(jwk: &Map<String, Value>, name: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(jwk.get(name).unwrap().as_str().unwrap())
        .unwrap()
}

/// `aa:bb:…` lowercase hex, as `parse_certificate` renders fingerprints.
fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[test]
fn rsa_signature_key() {
    let pair = fixtures::rsa();
    let jwk = public_jwk(&pair.certificate_pem, &pair.private_key_pem, KeyUse::Sig).unwrap();
    assert_eq!(
        keys(&jwk),
        [
            "kid", "kty", "alg", "use", "n", "e", "x5c", "x5t", "x5t#S256"
        ]
    );
    assert_eq!(jwk["kid"], json!(certificate::kid(&pair.private_key_pem)));
    assert_eq!(jwk["kty"], json!("RSA"));
    assert_eq!(jwk["alg"], json!("RS256"));
    assert_eq!(jwk["use"], json!("sig"));
    assert_eq!(jwk["e"], json!("AQAB"));
    let n = decoded(&jwk, "n");
    assert_eq!(n.len(), 256);
    assert_ne!(n[0], 0);

    let der = certificate_der(&pair.certificate_pem);
    assert_eq!(jwk["x5c"], json!([STANDARD.encode(&der)]));
    assert_eq!(decoded(&jwk, "x5t"), Sha1::digest(&der).to_vec());
    assert_eq!(decoded(&jwk, "x5t#S256"), Sha256::digest(&der).to_vec());
    // No padding in the base64url members.
    assert!(!jwk["x5t"].as_str().unwrap().contains('='));
    assert!(!jwk["x5t#S256"].as_str().unwrap().contains('='));
    assert_eq!(jwk["x5t"].as_str().unwrap().len(), 27);
    assert_eq!(jwk["x5t#S256"].as_str().unwrap().len(), 43);
}

#[test]
fn x5c_keeps_standard_base64_padding() {
    // The fixture's DER length is not a multiple of 3, so x5c ends with '='.
    let cert = fixture!("ec384_trad.crt");
    let der = certificate_der(cert);
    assert_ne!(der.len() % 3, 0);
    let jwk = public_jwk(cert, fixture!("ec384_trad.pem"), KeyUse::Sig).unwrap();
    let x5c = jwk["x5c"][0].as_str().unwrap();
    assert!(x5c.ends_with('='));
    assert_eq!(STANDARD.decode(x5c).unwrap(), der);
}

#[test]
fn thumbprints_match_certificate_fingerprints() {
    let p384 = fixtures::p384_fixture();
    for (cert, key) in [
        (p384.certificate_pem.as_str(), p384.private_key_pem.as_str()),
        (
            fixtures::p256().certificate_pem.as_str(),
            fixtures::p256().private_key_pem.as_str(),
        ),
    ] {
        let info = parse_certificate(cert).unwrap();
        let jwk = public_jwk(cert, key, KeyUse::Sig).unwrap();
        assert_eq!(colon_hex(&decoded(&jwk, "x5t")), info.fingerprint_sha1);
        assert_eq!(
            colon_hex(&decoded(&jwk, "x5t#S256")),
            info.fingerprint_sha256
        );
    }
}

#[test]
fn rsa_encryption_key() {
    let pair = fixtures::rsa();
    let jwk = public_jwk(&pair.certificate_pem, &pair.private_key_pem, KeyUse::Enc).unwrap();
    assert_eq!(
        keys(&jwk),
        [
            "kid", "kty", "alg", "use", "enc", "n", "e", "x5c", "x5t", "x5t#S256"
        ]
    );
    assert_eq!(jwk["alg"], json!("RSA-OAEP-256"));
    assert_eq!(jwk["use"], json!("enc"));
    assert_eq!(jwk["enc"], json!("A256CBC-HS512"));
}

#[test]
fn ec_keys_per_curve() {
    let p384 = fixtures::p384_fixture();
    let cert = &fixtures::p256().certificate_pem;
    let cases = [
        (
            fixtures::p256().private_key_pem.clone(),
            "ES256",
            "P-256",
            32,
        ),
        (p384.private_key_pem, "ES384", "P-384", 48),
        (ec_key_pem(EcCurve::P384), "ES384", "P-384", 48),
        (ec_key_pem(EcCurve::P521), "ES512", "P-521", 66),
    ];
    for (key_pem, alg, crv, size) in cases {
        let jwk = public_jwk(cert, &key_pem, KeyUse::Sig).unwrap();
        assert_eq!(
            keys(&jwk),
            [
                "kid", "kty", "alg", "use", "crv", "x", "y", "x5c", "x5t", "x5t#S256"
            ]
        );
        assert_eq!(jwk["kid"], json!(certificate::kid(&key_pem)));
        assert_eq!(jwk["kty"], json!("EC"));
        assert_eq!(jwk["alg"], json!(alg));
        assert_eq!(jwk["use"], json!("sig"));
        assert_eq!(jwk["crv"], json!(crv));
        assert_eq!(decoded(&jwk, "x").len(), size, "{crv}");
        assert_eq!(decoded(&jwk, "y").len(), size, "{crv}");
        assert_eq!(
            public_jwk(cert, &key_pem, KeyUse::Enc).unwrap_err(),
            CryptoError::UnsupportedKeyType
        );
    }
}

#[test]
fn ec_coordinates_are_left_zero_padded() {
    // Generate P-256 keys until a coordinate has a leading zero byte
    // (probability 2/256 per key), then check it is kept.
    let cert = &fixtures::p256().certificate_pem;
    let found = (0..5000).find_map(|_| {
        let key_pem = ec_key_pem(EcCurve::P256);
        let jwk = public_jwk(cert, &key_pem, KeyUse::Sig).unwrap();
        let (x, y) = (decoded(&jwk, "x"), decoded(&jwk, "y"));
        (x[0] == 0 || y[0] == 0).then_some((key_pem, x, y))
    });
    let (key_pem, x, y) = found.unwrap();
    assert_eq!(x.len(), 32);
    assert_eq!(y.len(), 32);
    // And such a key still verifies its own signatures.
    let token = JwtSigner::from_key_pem(&key_pem)
        .unwrap()
        .sign(&fixtures::claims())
        .unwrap();
    let jwk = public_jwk(cert, &key_pem, KeyUse::Sig).unwrap();
    assert_eq!(
        verify_jwt_with_jwk(&token, &jwk).unwrap().1,
        fixtures::claims()
    );
}

#[test]
fn small_rsa_keys_are_still_published() {
    let jwk = public_jwk(
        fixture!("rsa1024_trad.crt"),
        fixture!("rsa1024_trad.pem"),
        KeyUse::Sig,
    )
    .unwrap();
    assert_eq!(decoded(&jwk, "n").len(), 128);
}

#[test]
fn input_errors() {
    let pair = fixtures::rsa();
    assert_eq!(
        public_jwk("junk", &pair.private_key_pem, KeyUse::Sig).unwrap_err(),
        CryptoError::InvalidCertificate
    );
    assert_eq!(
        public_jwk(&pair.certificate_pem, "junk", KeyUse::Sig).unwrap_err(),
        CryptoError::InvalidPrivateKey
    );
    assert_eq!(
        public_jwk(
            fixture!("ed25519.crt"),
            fixture!("ed25519.pem"),
            KeyUse::Sig
        )
        .unwrap_err(),
        CryptoError::UnsupportedKeyType
    );
}
