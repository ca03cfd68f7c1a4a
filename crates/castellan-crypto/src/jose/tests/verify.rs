//! verify_jwt_with_jwk / jwt_header: rejection cases and other algorithms.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::KeyPair as _;
use josekit::jws::{JwsHeader, PS256, RS384};
use serde_json::{Map, Value, json};

use super::fixtures::{self, claims};
use super::*;
use crate::CryptoError;

/// base64url of the compact JSON of `value`.
fn encode_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A signed RS256 token and the matching signature JWK.
fn rsa_token_and_jwk() -> (String, Map<String, Value>) {
    let pair = fixtures::rsa();
    let signer = JwtSigner::from_key_pem(&pair.private_key_pem).unwrap();
    let token = signer.sign(&claims()).unwrap();
    let jwk = public_jwk(&pair.certificate_pem, &pair.private_key_pem, KeyUse::Sig).unwrap();
    (token, jwk)
}

/// Replaces segment `index` of `token`.
fn replace_segment(token: &str, index: usize, value: &str) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[index] = value;
    parts.join(".")
}

#[test]
fn tampered_payload_is_rejected() {
    let (token, jwk) = rsa_token_and_jwk();
    let mut forged = claims();
    forged.insert("sub".to_owned(), json!("admin"));
    let tampered = replace_segment(&token, 1, &encode_json(&Value::Object(forged)));
    assert_eq!(
        verify_jwt_with_jwk(&tampered, &jwk).unwrap_err(),
        CryptoError::InvalidSignature
    );
}

#[test]
fn tampered_signature_is_rejected() {
    let (token, jwk) = rsa_token_and_jwk();
    let mut signature = URL_SAFE_NO_PAD
        .decode(token.rsplit('.').next().unwrap())
        .unwrap();
    signature[10] ^= 1;
    let tampered = replace_segment(&token, 2, &URL_SAFE_NO_PAD.encode(signature));
    assert_eq!(
        verify_jwt_with_jwk(&tampered, &jwk).unwrap_err(),
        CryptoError::InvalidSignature
    );
    let empty = replace_segment(&token, 2, "");
    assert_eq!(
        verify_jwt_with_jwk(&empty, &jwk).unwrap_err(),
        CryptoError::InvalidSignature
    );
}

#[test]
fn other_key_is_rejected() {
    let (token, _) = rsa_token_and_jwk();
    let other = fixtures::other_rsa();
    let mut jwk = public_jwk(&other.certificate_pem, &other.private_key_pem, KeyUse::Sig).unwrap();
    assert_eq!(
        verify_jwt_with_jwk(&token, &jwk).unwrap_err(),
        CryptoError::InvalidSignature
    );
    // A different kid in the JWK does not by itself matter: the signature does.
    jwk.insert("kid".to_owned(), json!("x"));
    assert_eq!(
        verify_jwt_with_jwk(&token, &jwk).unwrap_err(),
        CryptoError::InvalidSignature
    );
}

#[test]
fn alg_none_is_rejected() {
    let (token, mut jwk) = rsa_token_and_jwk();
    let payload = token.split('.').nth(1).unwrap();
    for alg in ["none", "None", "NONE"] {
        let header = encode_json(&json!({"alg": alg, "typ": "JWT"}));
        let unsigned = format!("{header}.{payload}.");
        assert_eq!(
            verify_jwt_with_jwk(&unsigned, &jwk).unwrap_err(),
            CryptoError::UnsupportedAlgorithm,
            "{alg}"
        );
    }
    jwk.remove("alg");
    let header = encode_json(&json!({"alg": "none"}));
    assert_eq!(
        verify_jwt_with_jwk(&format!("{header}.{payload}."), &jwk).unwrap_err(),
        CryptoError::UnsupportedAlgorithm
    );
}

#[test]
fn alg_mismatch_is_rejected() {
    let pair = fixtures::rsa();
    let (token, jwk) = rsa_token_and_jwk();
    // A genuine RS384 token from the same key: the JWK says RS256.
    let rs384 = RS384.signer_from_pem(&pair.private_key_pem).unwrap();
    let payload = serde_json::to_vec(&claims()).unwrap();
    let rs384_token = josekit::jws::serialize_compact(&payload, &JwsHeader::new(), &rs384).unwrap();
    assert_eq!(
        verify_jwt_with_jwk(&rs384_token, &jwk).unwrap_err(),
        CryptoError::UnsupportedAlgorithm
    );
    // Without an alg in the JWK the RS384 token verifies.
    let mut no_alg = jwk.clone();
    no_alg.remove("alg");
    assert_eq!(
        verify_jwt_with_jwk(&rs384_token, &no_alg).unwrap().1,
        claims()
    );
    // Header relabelled to another algorithm: refused before any signature check.
    let relabelled = replace_segment(
        &token,
        0,
        &encode_json(&json!({"alg": "RS512", "typ": "JWT"})),
    );
    assert_eq!(
        verify_jwt_with_jwk(&relabelled, &jwk).unwrap_err(),
        CryptoError::UnsupportedAlgorithm
    );
    // RSA token against an EC key and vice versa.
    let p256 = fixtures::p256();
    let mut ec_jwk = public_jwk(&p256.certificate_pem, &p256.private_key_pem, KeyUse::Sig).unwrap();
    ec_jwk.remove("alg");
    assert_eq!(
        verify_jwt_with_jwk(&token, &ec_jwk).unwrap_err(),
        CryptoError::UnsupportedAlgorithm
    );
    let ec_token = JwtSigner::from_key_pem(&p256.private_key_pem)
        .unwrap()
        .sign(&claims())
        .unwrap();
    assert_eq!(
        verify_jwt_with_jwk(&ec_token, &no_alg).unwrap_err(),
        CryptoError::UnsupportedAlgorithm
    );
    // ES384 header against a P-256 key.
    let es384 = replace_segment(&ec_token, 0, &encode_json(&json!({"alg": "ES384"})));
    assert_eq!(
        verify_jwt_with_jwk(&es384, &ec_jwk).unwrap_err(),
        CryptoError::UnsupportedAlgorithm
    );
}

#[test]
fn ps256_tokens_verify() {
    // josekit only signs PS* with RSA-PSS keys, so use one of its own.
    let key_pair = PS256.generate_key_pair(2048).unwrap();
    let ps256 = PS256
        .signer_from_der(key_pair.to_der_private_key())
        .unwrap();
    let payload = serde_json::to_vec(&claims()).unwrap();
    let token = josekit::jws::serialize_compact(&payload, &JwsHeader::new(), &ps256).unwrap();
    let jwk: Map<String, Value> = key_pair.to_jwk_public_key().into();
    assert_eq!(jwk.get("kty"), Some(&json!("RSA")));
    let (header, verified) = verify_jwt_with_jwk(&token, &jwk).unwrap();
    assert_eq!(header.get("alg"), Some(&json!("PS256")));
    assert_eq!(verified, claims());
    // The same token relabelled RS256: refused by the JWK's alg, and by the
    // signature check once the JWK has none.
    let relabelled = replace_segment(&token, 0, &encode_json(&json!({"alg": "RS256"})));
    assert_eq!(jwk.get("alg"), Some(&json!("PS256")));
    assert_eq!(
        verify_jwt_with_jwk(&relabelled, &jwk).unwrap_err(),
        CryptoError::UnsupportedAlgorithm
    );
    let mut no_alg = jwk;
    no_alg.remove("alg");
    assert_eq!(verify_jwt_with_jwk(&token, &no_alg).unwrap().1, claims());
    assert_eq!(
        verify_jwt_with_jwk(&relabelled, &no_alg).unwrap_err(),
        CryptoError::InvalidSignature
    );
}

#[test]
fn malformed_tokens_are_rejected() {
    let (token, jwk) = rsa_token_and_jwk();
    let (header, rest) = token.split_once('.').unwrap();
    let cases = [
        String::new(),
        "abc".to_owned(),
        format!("{header}.{rest}.extra"),
        format!("{header}.only-two"),
        format!("!!!.{rest}"),
        format!("{}.{rest}", encode_json(&json!(["alg", "RS256"]))),
        format!("{}.{rest}", encode_json(&json!({"alg": 256}))),
        format!("{}.{rest}", encode_json(&json!({"typ": "JWT"}))),
        format!("{}.{rest}", URL_SAFE_NO_PAD.encode("not json")),
    ];
    for case in &cases {
        assert_eq!(
            verify_jwt_with_jwk(case, &jwk).unwrap_err(),
            CryptoError::MalformedToken,
            "{case}"
        );
    }
    // A crit header we cannot honour.
    let crit = replace_segment(
        &token,
        0,
        &encode_json(&json!({"alg": "RS256", "crit": ["exp"], "exp": 1})),
    );
    assert_eq!(
        verify_jwt_with_jwk(&crit, &jwk).unwrap_err(),
        CryptoError::MalformedToken
    );
}

#[test]
fn non_object_claims_are_rejected() {
    let pair = fixtures::rsa();
    let rs256 = josekit::jws::RS256
        .signer_from_pem(&pair.private_key_pem)
        .unwrap();
    let token = josekit::jws::serialize_compact(b"[1,2]", &JwsHeader::new(), &rs256).unwrap();
    let jwk = public_jwk(&pair.certificate_pem, &pair.private_key_pem, KeyUse::Sig).unwrap();
    assert_eq!(
        verify_jwt_with_jwk(&token, &jwk).unwrap_err(),
        CryptoError::MalformedToken
    );
}

#[test]
fn unusable_jwks_are_rejected() {
    let (token, jwk) = rsa_token_and_jwk();
    let mut enc = jwk.clone();
    enc.insert("use".to_owned(), json!("enc"));
    assert_eq!(
        verify_jwt_with_jwk(&token, &enc).unwrap_err(),
        CryptoError::InvalidJwk
    );
    let mut missing_n = jwk.clone();
    missing_n.remove("n");
    assert_eq!(
        verify_jwt_with_jwk(&token, &missing_n).unwrap_err(),
        CryptoError::InvalidJwk
    );
    let mut bad_alg = jwk;
    bad_alg.insert("alg".to_owned(), json!(1));
    assert_eq!(
        verify_jwt_with_jwk(&token, &bad_alg).unwrap_err(),
        CryptoError::InvalidJwk
    );
}

#[test]
fn jwt_header_reads_without_verifying() {
    let (token, _) = rsa_token_and_jwk();
    let header = jwt_header(&token).unwrap();
    let keys: Vec<&str> = header.keys().map(String::as_str).collect();
    assert_eq!(keys, ["alg", "kid", "typ"]);
    assert_eq!(header.get("typ"), Some(&json!("JWT")));
    // The signature is not looked at.
    let unsigned = replace_segment(&token, 2, "");
    assert_eq!(jwt_header(&unsigned).unwrap(), header);
    for bad in ["", "a.b", "a.b.c.d", "!!.b.c", ".b.c"] {
        assert_eq!(
            jwt_header(bad).unwrap_err(),
            CryptoError::MalformedToken,
            "{bad}"
        );
    }
    let array = format!("{}.b.c", encode_json(&json!([1])));
    assert_eq!(jwt_header(&array).unwrap_err(), CryptoError::MalformedToken);
}
