//! JweEncrypter: header, round trip through josekit's decrypter, errors.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwe::RSA_OAEP_256;
use serde_json::Value;

use super::fixtures::{self, claims, fixture};
use super::*;
use crate::CryptoError;
use crate::certificate;

#[test]
fn round_trip_and_header() {
    let signing = fixtures::p256();
    let encryption = fixtures::rsa();
    let jws = JwtSigner::from_key_pem(&signing.private_key_pem)
        .unwrap()
        .sign(&claims())
        .unwrap();
    let kid = certificate::kid(&encryption.private_key_pem);
    let encrypter = JweEncrypter::from_certificate_pem(&encryption.certificate_pem, &kid).unwrap();
    let jwe = encrypter.encrypt(&jws).unwrap();

    let parts: Vec<&str> = jwe.split('.').collect();
    assert_eq!(parts.len(), 5);
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[1]).unwrap().len(), 256);
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), 16);
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[4]).unwrap().len(), 32);
    let header = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(
        header,
        format!(r#"{{"alg":"RSA-OAEP-256","enc":"A256CBC-HS512","typ":"JWE","kid":"{kid}"}}"#)
    );

    let decrypter = RSA_OAEP_256
        .decrypter_from_pem(&encryption.private_key_pem)
        .unwrap();
    let (plaintext, jwe_header) = josekit::jwe::deserialize_compact(&jwe, &decrypter).unwrap();
    assert_eq!(jwe_header.content_encryption(), Some("A256CBC-HS512"));
    assert_eq!(jwe_header.key_id(), Some(kid.as_str()));
    let inner = String::from_utf8(plaintext).unwrap();
    assert_eq!(inner, jws);

    let jwk = public_jwk(
        &signing.certificate_pem,
        &signing.private_key_pem,
        KeyUse::Sig,
    )
    .unwrap();
    let (header, verified) = verify_jwt_with_jwk(&inner, &jwk).unwrap();
    assert_eq!(header.get("alg"), Some(&Value::from("ES256")));
    assert_eq!(verified, claims());

    // Fresh content key and IV every time.
    assert_ne!(encrypter.encrypt(&jws).unwrap(), jwe);
}

#[test]
fn wrong_private_key_cannot_decrypt() {
    let encrypter =
        JweEncrypter::from_certificate_pem(&fixtures::rsa().certificate_pem, "k").unwrap();
    let jwe = encrypter.encrypt("a.b.c").unwrap();
    let decrypter = RSA_OAEP_256
        .decrypter_from_pem(&fixtures::other_rsa().private_key_pem)
        .unwrap();
    assert!(josekit::jwe::deserialize_compact(&jwe, &decrypter).is_err());
}

#[test]
fn certificate_errors() {
    assert_eq!(
        JweEncrypter::from_certificate_pem("junk", "k").unwrap_err(),
        CryptoError::InvalidCertificate
    );
    assert_eq!(
        JweEncrypter::from_certificate_pem(&fixtures::p256().certificate_pem, "k").unwrap_err(),
        CryptoError::UnsupportedKeyType
    );
    assert_eq!(
        JweEncrypter::from_certificate_pem(fixture!("ed25519.crt"), "k").unwrap_err(),
        CryptoError::UnsupportedKeyType
    );
    assert!(matches!(
        JweEncrypter::from_certificate_pem(fixture!("rsa1024_trad.crt"), "k").unwrap_err(),
        CryptoError::Jose(_)
    ));
}

#[test]
fn debug_shows_kid_only() {
    let encrypter =
        JweEncrypter::from_certificate_pem(&fixtures::rsa().certificate_pem, "my-kid").unwrap();
    let debug = format!("{encrypter:?}");
    assert!(debug.contains("my-kid"));
    assert!(!debug.contains("PKey"));
}
