//! Verifying a compact JWS against one public JWK (RFC 7515 §5.2), e.g. an
//! upstream provider's ID token or a client's signed assertion.

use josekit::jwk::Jwk;
use josekit::jws::{ES256, ES384, ES512, JwsVerifier, PS256, PS384, PS512, RS256, RS384, RS512};
use serde_json::{Map, Value};

use super::b64;
use crate::CryptoError;

/// A JSON object.
type Object = Map<String, Value>;

/// Unverified protected header of a compact JWS (for picking a key by
/// `kid`). Errors with [`CryptoError::MalformedToken`] unless the token has
/// three segments and the first is a base64url JSON object.
pub fn jwt_header(token: &str) -> Result<Object, CryptoError> {
    let parts = b64::split_compact(token)?;
    b64::decode_object(parts.header)
}

/// Verifies a compact JWS against one public JWK (RSA or EC; RS256/384/512,
/// PS256/384/512, ES256/384/512) and returns `(header, claims)`.
///
/// Rejects, with [`CryptoError::UnsupportedAlgorithm`]: `"alg":"none"`, HS*
/// algorithms (no symmetric JWKs here), unknown algorithms, an `alg` that
/// differs from the JWK's `alg` when the JWK has one, and an `alg` that does
/// not fit the JWK's `kty` / `crv`. Rejects malformed tokens, a `crit`
/// header and non-object claims with [`CryptoError::MalformedToken`], bad
/// signatures with [`CryptoError::InvalidSignature`] and unusable JWKs
/// (e.g. `"use":"enc"`, RSA below 2048 bits) with [`CryptoError::InvalidJwk`].
/// Does not check `exp` or any other claim (callers do).
pub fn verify_jwt_with_jwk(token: &str, jwk: &Object) -> Result<(Object, Object), CryptoError> {
    let parts = b64::split_compact(token)?;
    let header = b64::decode_object(parts.header)?;
    let Some(Value::String(alg)) = header.get("alg") else {
        return Err(CryptoError::MalformedToken);
    };
    if header.contains_key("crit") {
        return Err(CryptoError::MalformedToken);
    }
    match jwk.get("alg") {
        None => {}
        Some(Value::String(jwk_alg)) if jwk_alg == alg => {}
        Some(Value::String(_)) => return Err(CryptoError::UnsupportedAlgorithm),
        Some(_) => return Err(CryptoError::InvalidJwk),
    }
    let verifier = verifier_for(alg, jwk)?;
    let signature = b64::decode(parts.signature)?;
    verifier
        .verify(parts.signing_input.as_bytes(), &signature)
        .map_err(|_| CryptoError::InvalidSignature)?;
    let claims = b64::decode_object(parts.payload)?;
    Ok((header, claims))
}

/// A josekit verifier for `alg` built from `jwk`, after checking that the
/// algorithm suits the key type (and curve).
fn verifier_for(alg: &str, jwk: &Object) -> Result<Box<dyn JwsVerifier>, CryptoError> {
    let kty = jwk.get("kty").and_then(Value::as_str);
    let crv = jwk.get("crv").and_then(Value::as_str);
    let (expected_kty, expected_crv) = match alg {
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => ("RSA", None),
        "ES256" => ("EC", Some("P-256")),
        "ES384" => ("EC", Some("P-384")),
        "ES512" => ("EC", Some("P-521")),
        _ => return Err(CryptoError::UnsupportedAlgorithm),
    };
    if kty != Some(expected_kty) || (expected_crv.is_some() && crv != expected_crv) {
        return Err(CryptoError::UnsupportedAlgorithm);
    }
    let jwk = Jwk::from_map(jwk.clone()).map_err(|_| CryptoError::InvalidJwk)?;
    let verifier: Result<Box<dyn JwsVerifier>, _> = match alg {
        "RS256" => RS256.verifier_from_jwk(&jwk).map(boxed),
        "RS384" => RS384.verifier_from_jwk(&jwk).map(boxed),
        "RS512" => RS512.verifier_from_jwk(&jwk).map(boxed),
        "PS256" => PS256.verifier_from_jwk(&jwk).map(boxed),
        "PS384" => PS384.verifier_from_jwk(&jwk).map(boxed),
        "PS512" => PS512.verifier_from_jwk(&jwk).map(boxed),
        "ES256" => ES256.verifier_from_jwk(&jwk).map(boxed),
        "ES384" => ES384.verifier_from_jwk(&jwk).map(boxed),
        "ES512" => ES512.verifier_from_jwk(&jwk).map(boxed),
        _ => return Err(CryptoError::UnsupportedAlgorithm),
    };
    verifier.map_err(|_| CryptoError::InvalidJwk)
}

/// Boxes a concrete verifier.
fn boxed(verifier: impl JwsVerifier + 'static) -> Box<dyn JwsVerifier> {
    Box::new(verifier)
}
