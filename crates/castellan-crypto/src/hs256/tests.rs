//! Tests for HS256 tokens, with vectors produced by PyJWT 2.15.1:
//! `jwt.encode(payload, key=hashlib.sha512(SECRET).hexdigest())`.

#![allow(clippy::unwrap_used)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::*;

const SECRET_KEY: &str = "castellan-test-secret-key";
/// `hashlib.sha512(b"castellan-test-secret-key").hexdigest()`.
const SIGNING_KEY_HEX: &str = "7bfad064838fa85485c81bcaf9f72150e09e69de6beacb5ee5e8f322aaa853d0907e9b10f52fb6c2cd591770315d79d655ec00fd5b43ecd67ec11aba666933a3";

/// PyJWT token of [`session_payload`] under [`SIGNING_KEY_HEX`].
const PYJWT_SESSION: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaWQiOiJrNWxxMGY5djZiMm04eDFjM243ejRhMHMiLCJpc3MiOiJhdXRoZW50aWsiLCJzdWIiOiJhbm9ueW1vdXMiLCJhdXRoZW50aWNhdGVkIjpmYWxzZSwiYWNyIjoiZ29hdXRoZW50aWsuaW8vcHJvdmlkZXJzL29hdXRoMi9kZWZhdWx0In0.pRJk9at3EPuttzlk92wkyHxzge1ZEGPHTzvnozLdnW0";
/// PyJWT token of [`escaped_payload`] under [`SIGNING_KEY_HEX`].
const PYJWT_ESCAPED: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaWQiOiJhYmMiLCJpc3MiOiJhdXRoZW50aWsiLCJzdWIiOiJcdTAwZmNtbGF1dCBcdTAwN2YgXHVkODNkXHVkZDExIFwicVwiIFxcIFxuIiwiYXV0aGVudGljYXRlZCI6dHJ1ZSwiZXhwIjoxNzAwMDAwMDAwLCJuYmYiOjE2MDAwMDAwMDAsIm4iOlsxLDIuNSxudWxsXX0.DBflRjYP8RM_40XcwT5qs4qSlHK8hpvSzALKBqV-_yM";
/// PyJWT token of [`session_payload`] under the key `other`.
const PYJWT_OTHER_KEY: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaWQiOiJrNWxxMGY5djZiMm04eDFjM243ejRhMHMiLCJpc3MiOiJhdXRoZW50aWsiLCJzdWIiOiJhbm9ueW1vdXMiLCJhdXRoZW50aWNhdGVkIjpmYWxzZSwiYWNyIjoiZ29hdXRoZW50aWsuaW8vcHJvdmlkZXJzL29hdXRoMi9kZWZhdWx0In0.HuwaRziKIFdU5sL392o6X4WUUxoFGpFbIWssgqTIpjM";
/// PyJWT `algorithm="none"` token of [`session_payload`].
const PYJWT_NONE: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzaWQiOiJrNWxxMGY5djZiMm04eDFjM243ejRhMHMiLCJpc3MiOiJhdXRoZW50aWsiLCJzdWIiOiJhbm9ueW1vdXMiLCJhdXRoZW50aWNhdGVkIjpmYWxzZSwiYWNyIjoiZ29hdXRoZW50aWsuaW8vcHJvdmlkZXJzL29hdXRoMi9kZWZhdWx0In0.";
/// PyJWT `algorithm="HS512"` token of [`session_payload`] under the same key.
const PYJWT_HS512: &str = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJzaWQiOiJrNWxxMGY5djZiMm04eDFjM243ejRhMHMiLCJpc3MiOiJhdXRoZW50aWsiLCJzdWIiOiJhbm9ueW1vdXMiLCJhdXRoZW50aWNhdGVkIjpmYWxzZSwiYWNyIjoiZ29hdXRoZW50aWsuaW8vcHJvdmlkZXJzL29hdXRoMi9kZWZhdWx0In0.DvGddmUcaQG7TWB5FgztmMWW3CD2ljNY73TA2GOkK0PKcv4ry8bQ3XO8w4jfViC926iR4-gUBrYsYQmQ6wbHfQ";

const NOW: i64 = 1_650_000_000;

fn key() -> Vec<u8> {
    session_signing_key(SECRET_KEY)
}

fn session_payload() -> Value {
    json!({
        "sid": "k5lq0f9v6b2m8x1c3n7z4a0s",
        "iss": "authentik",
        "sub": "anonymous",
        "authenticated": false,
        "acr": "goauthentik.io/providers/oauth2/default",
    })
}

fn escaped_payload() -> Value {
    json!({
        "sid": "abc",
        "iss": "authentik",
        "sub": "ümlaut \u{7f} 🔑 \"q\" \\ \n",
        "authenticated": true,
        "exp": 1_700_000_000,
        "nbf": 1_600_000_000,
        "n": [1, 2.5, null],
    })
}

#[test]
fn session_signing_key_is_hex_sha512() {
    assert_eq!(key(), SIGNING_KEY_HEX.as_bytes());
}

#[test]
fn sign_matches_pyjwt() {
    assert_eq!(sign(&session_payload(), &key()).unwrap(), PYJWT_SESSION);
    assert_eq!(sign(&escaped_payload(), &key()).unwrap(), PYJWT_ESCAPED);
    assert_eq!(sign(&session_payload(), b"other").unwrap(), PYJWT_OTHER_KEY);
}

#[test]
fn verify_accepts_pyjwt_tokens() {
    assert_eq!(
        verify(PYJWT_SESSION, &key(), NOW).unwrap(),
        session_payload()
    );
    assert_eq!(
        verify(PYJWT_ESCAPED, &key(), NOW).unwrap(),
        escaped_payload()
    );
}

#[test]
fn round_trip_keeps_claim_order() {
    let token = sign(&escaped_payload(), b"k").unwrap();
    let claims = verify(&token, b"k", NOW).unwrap();
    let keys: Vec<&String> = claims.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["sid", "iss", "sub", "authenticated", "exp", "nbf", "n"]
    );
}

#[test]
fn wrong_key_or_tampering_is_rejected() {
    assert_eq!(
        verify(PYJWT_OTHER_KEY, &key(), NOW),
        Err(CryptoError::InvalidSignature)
    );
    let tampered_payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"admin"}"#);
    let mut parts: Vec<&str> = PYJWT_SESSION.split('.').collect();
    parts[1] = &tampered_payload;
    assert_eq!(
        verify(&parts.join("."), &key(), NOW),
        Err(CryptoError::InvalidSignature)
    );
    let truncated_sig = &PYJWT_SESSION[..PYJWT_SESSION.len() - 2];
    assert!(verify(truncated_sig, &key(), NOW).is_err());
}

#[test]
fn other_algorithms_are_rejected() {
    assert_eq!(
        verify(PYJWT_NONE, &key(), NOW),
        Err(CryptoError::UnsupportedAlgorithm)
    );
    assert_eq!(
        verify(PYJWT_HS512, &key(), NOW),
        Err(CryptoError::UnsupportedAlgorithm)
    );
    // A correctly HS256-signed token whose header claims another algorithm.
    for header in [r#"{"alg":"hs256"}"#, r#"{"typ":"JWT"}"#, r#"{"alg":null}"#] {
        let token = forge(header, r#"{"sub":"x"}"#, &key());
        assert_eq!(
            verify(&token, &key(), NOW),
            Err(CryptoError::UnsupportedAlgorithm),
            "{header}"
        );
    }
    let crit = forge(
        r#"{"alg":"HS256","crit":["exp"]}"#,
        r#"{"sub":"x"}"#,
        &key(),
    );
    assert_eq!(verify(&crit, &key(), NOW), Err(CryptoError::MalformedToken));
}

/// Builds a token with arbitrary header/payload JSON and a valid HS256 MAC.
fn forge(header: &str, payload: &str, key: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = mac(key, input.as_bytes()).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

#[test]
fn malformed_tokens_are_rejected() {
    let valid_payload = r#"{"sub":"x"}"#;
    for token in [
        "",
        ".",
        "..",
        "...",
        "a.b",
        "a.b.c.d",
        "!!!.???.***",
        &format!("{PYJWT_SESSION}."),
        &format!("{PYJWT_SESSION}="),
        &forge("not json", valid_payload, &key()),
        &forge("[]", valid_payload, &key()),
        &forge(r#"{"alg":"HS256"}"#, "not json", &key()),
        &forge(r#"{"alg":"HS256"}"#, "[1,2]", &key()),
        &forge(r#"{"alg":"HS256"}"#, "\"string\"", &key()),
    ] {
        assert!(verify(token, &key(), NOW).is_err(), "{token:?}");
    }
}

#[test]
fn expiry_and_not_before_use_injected_time() {
    // exp = 1_700_000_000, nbf = 1_600_000_000.
    assert!(verify(PYJWT_ESCAPED, &key(), 1_699_999_999).is_ok());
    assert_eq!(
        verify(PYJWT_ESCAPED, &key(), 1_700_000_000),
        Err(CryptoError::TokenExpired)
    );
    assert_eq!(
        verify(PYJWT_ESCAPED, &key(), 1_800_000_000),
        Err(CryptoError::TokenExpired)
    );
    assert!(verify(PYJWT_ESCAPED, &key(), 1_600_000_000).is_ok());
    assert_eq!(
        verify(PYJWT_ESCAPED, &key(), 1_599_999_999),
        Err(CryptoError::TokenNotYetValid)
    );
    let float_exp = sign(&json!({"exp": 1_700_000_000.9}), b"k").unwrap();
    assert_eq!(
        verify(&float_exp, b"k", 1_700_000_000),
        Err(CryptoError::TokenExpired)
    );
    let string_exp = sign(&json!({"exp": "soon"}), b"k").unwrap();
    assert_eq!(
        verify(&string_exp, b"k", NOW),
        Err(CryptoError::InvalidClaim("exp"))
    );
    let string_nbf = sign(&json!({"nbf": "later"}), b"k").unwrap();
    assert_eq!(
        verify(&string_nbf, b"k", NOW),
        Err(CryptoError::InvalidClaim("nbf"))
    );
}

#[test]
fn invalid_inputs_to_sign_and_verify() {
    assert_eq!(sign(&session_payload(), b""), Err(CryptoError::EmptyKey));
    assert_eq!(sign(&json!([1, 2]), b"k"), Err(CryptoError::InvalidPayload));
    assert_eq!(sign(&json!("x"), b"k"), Err(CryptoError::InvalidPayload));
    assert_eq!(verify(PYJWT_SESSION, b"", NOW), Err(CryptoError::EmptyKey));
}
