//! base64url (no padding) helpers and compact-serialization splitting
//! shared by the JOSE submodules (RFC 7515 §2, §7.1).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::CryptoError;

/// base64url without padding.
pub(super) fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding; [`CryptoError::MalformedToken`] otherwise.
pub(super) fn decode(text: &str) -> Result<Vec<u8>, CryptoError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| CryptoError::MalformedToken)
}

/// Decodes a base64url segment holding a JSON object.
pub(super) fn decode_object(segment: &str) -> Result<Map<String, Value>, CryptoError> {
    let bytes = decode(segment)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(CryptoError::MalformedToken),
    }
}

/// The three segments of a compact JWS: header, payload, signature.
pub(super) struct CompactParts<'a> {
    /// base64url protected header.
    pub(super) header: &'a str,
    /// base64url payload.
    pub(super) payload: &'a str,
    /// base64url signature.
    pub(super) signature: &'a str,
    /// `header.payload`, the JWS signing input.
    pub(super) signing_input: &'a str,
}

/// Splits a compact JWS into exactly three `.`-separated segments.
pub(super) fn split_compact(token: &str) -> Result<CompactParts<'_>, CryptoError> {
    let mut segments = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(CryptoError::MalformedToken);
    };
    if header.is_empty() {
        return Err(CryptoError::MalformedToken);
    }
    Ok(CompactParts {
        header,
        payload,
        signature,
        signing_input: &token[..header.len() + 1 + payload.len()],
    })
}
