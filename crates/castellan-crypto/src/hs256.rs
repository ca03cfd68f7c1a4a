//! Compact JWS (JWT) signed with HMAC-SHA256, as used for authentik's
//! session cookies.
//!
//! Tokens produced by [`sign`] are byte-for-byte identical to PyJWT's
//! `jwt.encode(payload, key)` for payloads without floating-point numbers:
//! same sorted header `{"alg":"HS256","typ":"JWT"}`, compact JSON in the
//! payload's key order, non-ASCII characters escaped as `\uXXXX`.

mod ascii_json;
mod claims;
#[cfg(test)]
mod tests;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};

use crate::CryptoError;
use crate::token::constant_time_eq;

/// The only protected header [`sign`] emits (PyJWT's sorted key order).
const HEADER_JSON: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
/// The only accepted `alg` header value.
const ALGORITHM: &str = "HS256";

/// Signs the JSON object `payload` with HMAC-SHA256 under `key`.
///
/// Errors: [`CryptoError::EmptyKey`] for an empty key,
/// [`CryptoError::InvalidPayload`] when `payload` is not a JSON object.
pub fn sign(payload: &Value, key: &[u8]) -> Result<String, CryptoError> {
    if key.is_empty() {
        return Err(CryptoError::EmptyKey);
    }
    if !payload.is_object() {
        return Err(CryptoError::InvalidPayload);
    }
    let payload_json = ascii_json::to_vec(payload).map_err(|_| CryptoError::InvalidPayload)?;
    let mut token = URL_SAFE_NO_PAD.encode(HEADER_JSON);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload_json));
    let signature = mac(key, token.as_bytes())?;
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(token)
}

/// Verifies `token` with `key` and returns its claims (a JSON object).
///
/// Rejects: malformed segments or JSON, any `alg` other than `HS256` (also
/// `none`), a `crit` header, a wrong signature (compared in constant time),
/// an `exp` claim `<= now` and an `nbf` claim `> now` (PyJWT semantics,
/// zero leeway). `now` is the current time in Unix seconds.
pub fn verify(token: &str, key: &[u8], now: i64) -> Result<Value, CryptoError> {
    if key.is_empty() {
        return Err(CryptoError::EmptyKey);
    }
    let mut segments = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(CryptoError::MalformedToken);
    };
    let signing_input_len = header.len() + 1 + payload.len();

    let header = decode_object(header)?;
    match header.get("alg") {
        Some(Value::String(alg)) if alg == ALGORITHM => {}
        _ => return Err(CryptoError::UnsupportedAlgorithm),
    }
    if header.contains_key("crit") {
        return Err(CryptoError::MalformedToken);
    }

    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| CryptoError::MalformedToken)?;
    let signing_input = token
        .get(..signing_input_len)
        .ok_or(CryptoError::MalformedToken)?;
    let expected = mac(key, signing_input.as_bytes())?;
    if !constant_time_eq(&expected, &signature) {
        return Err(CryptoError::InvalidSignature);
    }

    let claims = decode_object(payload)?;
    claims::validate(&claims, now)?;
    Ok(Value::Object(claims))
}

/// Key authentik signs session cookies with: the lowercase hex SHA-512 of
/// `SECRET_KEY`, used as (ASCII) bytes.
pub fn session_signing_key(secret_key: &str) -> Vec<u8> {
    hex::encode(Sha512::digest(secret_key.as_bytes())).into_bytes()
}

/// HMAC-SHA256 of `input` under `key`.
fn mac(key: &[u8], input: &[u8]) -> Result<[u8; 32], CryptoError> {
    // HMAC accepts keys of any length; the empty key is refused by callers.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| CryptoError::EmptyKey)?;
    mac.update(input);
    Ok(mac.finalize().into_bytes().into())
}

/// Decodes one base64url segment holding a JSON object.
fn decode_object(segment: &str) -> Result<serde_json::Map<String, Value>, CryptoError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| CryptoError::MalformedToken)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(CryptoError::MalformedToken),
    }
}
