//! Challenges and the base64url encoding WebAuthn uses on the wire.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;

use super::WebauthnError;

/// Length of a fresh challenge in bytes.
pub const CHALLENGE_LEN: usize = 32;

/// A fresh challenge: 32 bytes from the OS CSPRNG.
///
/// Like [`crate::token::generate_key`], an OS RNG failure panics (there is
/// no safe fallback).
pub fn new_challenge() -> Vec<u8> {
    let mut challenge = vec![0u8; CHALLENGE_LEN];
    OsRng.fill_bytes(&mut challenge);
    challenge
}

/// Encodes `bytes` as base64url without padding.
pub fn base64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url (no padding), strictly.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Decodes base64url or standard base64, with or without `=` padding, as
/// browsers and client libraries variously produce. `field` names the
/// source in the error.
pub(crate) fn decode_lenient(text: &str, field: &'static str) -> Result<Vec<u8>, WebauthnError> {
    let trimmed = text.trim_end_matches('=');
    // Padding is only ever 0-2 characters at the very end.
    if text.len() - trimmed.len() > 2 {
        return Err(WebauthnError::Base64(field));
    }
    let normalized: String = trimmed
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect();
    URL_SAFE_NO_PAD
        .decode(normalized)
        .map_err(|_| WebauthnError::Base64(field))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Unit tests for challenges and base64 helpers.

    use super::*;

    #[test]
    fn challenges_are_32_random_bytes() {
        let a = new_challenge();
        let b = new_challenge();
        assert_eq!(a.len(), CHALLENGE_LEN);
        assert_ne!(a, b);
    }

    #[test]
    fn base64url_round_trips() {
        let bytes = [0xfbu8, 0xff, 0x00, 0x10];
        let text = base64url_encode(&bytes);
        assert_eq!(text, "-_8AEA");
        assert_eq!(base64url_decode(&text).unwrap(), bytes);
        assert!(base64url_decode("-_8AEA==").is_none());
    }

    #[test]
    fn lenient_decoding_accepts_all_variants() {
        let bytes = vec![0xfbu8, 0xff, 0x00, 0x10];
        for text in ["-_8AEA", "-_8AEA==", "+/8AEA==", "+/8AEA"] {
            assert_eq!(decode_lenient(text, "f").unwrap(), bytes);
        }
        assert_eq!(decode_lenient("a===", "f"), Err(WebauthnError::Base64("f")));
        assert_eq!(decode_lenient("@@", "f"), Err(WebauthnError::Base64("f")));
        assert_eq!(decode_lenient("a", "f"), Err(WebauthnError::Base64("f")));
    }
}
