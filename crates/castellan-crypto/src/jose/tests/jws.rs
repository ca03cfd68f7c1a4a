//! JwtSigner: headers, algorithms per key type, round trips, HS256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use josekit::jwk::alg::ec::EcCurve;
use josekit::jwk::alg::rsa::RsaKeyPair;
use serde_json::{Value, json};
use sha2::Sha256;

use super::fixtures::{self, claims, ec_key_pem, fixture};
use super::*;
use crate::CryptoError;
use crate::certificate;

/// Decodes segment `index` of a compact token.
fn segment(token: &str, index: usize) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(token.split('.').nth(index).unwrap())
        .unwrap()
}

/// The decoded protected header as raw JSON text.
fn header_json(token: &str) -> String {
    String::from_utf8(segment(token, 0)).unwrap()
}

#[test]
fn signer_is_send_sync_and_jwe_too() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<JwtSigner>();
    assert_send_sync::<JweEncrypter>();
}

#[test]
fn rsa_header_kid_and_round_trip() {
    let pair = fixtures::rsa();
    let signer = JwtSigner::from_key_pem(&pair.private_key_pem).unwrap();
    let kid = certificate::kid(&pair.private_key_pem);
    assert_eq!(signer.alg(), JwsAlg::Rs256);
    assert_eq!(signer.kid(), Some(kid.as_str()));

    let token = signer.sign(&claims()).unwrap();
    assert_eq!(
        header_json(&token),
        format!(r#"{{"alg":"RS256","kid":"{kid}","typ":"JWT"}}"#)
    );
    assert_eq!(segment(&token, 2).len(), 256);
    // Payload is the compact JSON of the claims in their order.
    assert_eq!(segment(&token, 1), serde_json::to_vec(&claims()).unwrap());

    let jwk = public_jwk(&pair.certificate_pem, &pair.private_key_pem, KeyUse::Sig).unwrap();
    let (header, verified) = verify_jwt_with_jwk(&token, &jwk).unwrap();
    assert_eq!(verified, claims());
    assert_eq!(header, jwt_header(&token).unwrap());
    assert_eq!(header.get("kid"), Some(&Value::from(kid)));
}

#[test]
fn pkcs1_rsa_key_signs_with_kid_of_its_own_text() {
    let pkcs8 = &fixtures::rsa().private_key_pem;
    let pkcs1 = RsaKeyPair::from_pem(pkcs8)
        .unwrap()
        .to_traditional_pem_private_key();
    let pkcs1 = String::from_utf8(pkcs1).unwrap();
    assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let signer = JwtSigner::from_key_pem(&pkcs1).unwrap();
    assert_eq!(signer.alg(), JwsAlg::Rs256);
    assert_eq!(signer.kid(), Some(certificate::kid(&pkcs1).as_str()));
    let token = signer.sign(&claims()).unwrap();
    // Same key, so the JWK built from the PKCS#8 form verifies it.
    let mut jwk = public_jwk(&fixtures::rsa().certificate_pem, pkcs8, KeyUse::Sig).unwrap();
    jwk.remove("kid");
    assert_eq!(verify_jwt_with_jwk(&token, &jwk).unwrap().1, claims());
}

#[test]
fn ec_algorithm_follows_the_curve() {
    let cases = [
        (fixtures::p256().private_key_pem.clone(), JwsAlg::Es256, 64),
        (fixtures::p384_fixture().private_key_pem, JwsAlg::Es384, 96),
        (ec_key_pem(EcCurve::P384), JwsAlg::Es384, 96),
        (ec_key_pem(EcCurve::P521), JwsAlg::Es512, 132),
    ];
    // public_jwk does not require the certificate to match the key.
    let cert = &fixtures::p256().certificate_pem;
    for (key_pem, alg, signature_len) in cases {
        let signer = JwtSigner::from_key_pem(&key_pem).unwrap();
        assert_eq!(signer.alg(), alg);
        let kid = certificate::kid(&key_pem);
        assert_eq!(signer.kid(), Some(kid.as_str()));
        let token = signer.sign(&claims()).unwrap();
        assert_eq!(
            header_json(&token),
            format!(r#"{{"alg":"{}","kid":"{kid}","typ":"JWT"}}"#, alg.as_str())
        );
        assert_eq!(segment(&token, 2).len(), signature_len);
        let jwk = public_jwk(cert, &key_pem, KeyUse::Sig).unwrap();
        assert_eq!(jwk.get("alg"), Some(&Value::from(alg.as_str())));
        let (header, verified) = verify_jwt_with_jwk(&token, &jwk).unwrap();
        assert_eq!(header.get("alg"), Some(&Value::from(alg.as_str())));
        assert_eq!(verified, claims());
    }
}

#[test]
fn hs256_matches_hmac_and_session_jws() {
    let secret = b"client-secret";
    let signer = JwtSigner::hs256(secret);
    assert_eq!(signer.alg(), JwsAlg::Hs256);
    assert_eq!(signer.kid(), None);
    let token = signer.sign(&claims()).unwrap();
    assert_eq!(header_json(&token), r#"{"alg":"HS256","typ":"JWT"}"#);

    let (signing_input, _) = token.rsplit_once('.').unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(signing_input.as_bytes());
    assert_eq!(segment(&token, 2), mac.finalize().into_bytes().to_vec());

    // Byte-identical to the PyJWT-compatible session signer for ASCII claims.
    let session = crate::hs256::sign(&Value::Object(claims()), secret).unwrap();
    assert_eq!(token, session);
    assert_eq!(
        crate::hs256::verify(&token, secret, 1_800_000_000).unwrap(),
        Value::Object(claims())
    );
}

#[test]
fn hs256_accepts_short_and_empty_secrets() {
    for secret in [&b""[..], b"x"] {
        let token = JwtSigner::hs256(secret).sign(&claims()).unwrap();
        assert_eq!(token.split('.').count(), 3);
    }
}

#[test]
fn hs256_tokens_are_not_accepted_by_jwk_verification() {
    let token = JwtSigner::hs256(b"secret").sign(&claims()).unwrap();
    let pair = fixtures::rsa();
    let mut jwk = public_jwk(&pair.certificate_pem, &pair.private_key_pem, KeyUse::Sig).unwrap();
    jwk.remove("alg");
    assert_eq!(
        verify_jwt_with_jwk(&token, &jwk).unwrap_err(),
        CryptoError::UnsupportedAlgorithm
    );
    // Even a JWK that claims HS256 is refused.
    jwk.insert("alg".to_owned(), json!("HS256"));
    assert_eq!(
        verify_jwt_with_jwk(&token, &jwk).unwrap_err(),
        CryptoError::UnsupportedAlgorithm
    );
}

#[test]
fn key_errors() {
    assert_eq!(
        JwtSigner::from_key_pem("junk").unwrap_err(),
        CryptoError::InvalidPrivateKey
    );
    assert_eq!(
        JwtSigner::from_key_pem(fixture!("rsa_trad_enc.pem")).unwrap_err(),
        CryptoError::InvalidPrivateKey
    );
    assert_eq!(
        JwtSigner::from_key_pem(fixture!("ed25519.pem")).unwrap_err(),
        CryptoError::UnsupportedKeyType
    );
    assert_eq!(
        JwtSigner::from_key_pem(fixture!("k1_trad.pem")).unwrap_err(),
        CryptoError::UnsupportedKeyType
    );
    // josekit refuses RSA keys below 2048 bits.
    assert!(matches!(
        JwtSigner::from_key_pem(fixture!("rsa1024_trad.pem")).unwrap_err(),
        CryptoError::Jose(_)
    ));
}

#[test]
fn debug_never_shows_key_material() {
    let pair = fixtures::rsa();
    let signer = JwtSigner::from_key_pem(&pair.private_key_pem).unwrap();
    let debug = format!("{signer:?}");
    assert!(debug.contains("Rs256"));
    assert!(debug.contains(&certificate::kid(&pair.private_key_pem)));
    assert!(!debug.contains("PRIVATE"));
    assert!(!debug.contains("private_key"));
    let debug = format!("{:?}", JwtSigner::hs256(b"top-secret-value"));
    assert!(!debug.contains("top-secret-value"));
    assert!(!debug.contains("116, 111, 112"));
}
