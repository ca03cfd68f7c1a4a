//! Random keys/tokens and constant-time comparison.
//!
//! All randomness comes from the operating system CSPRNG (`OsRng`). The
//! infallible helpers here cannot report an OS RNG failure; `rand` aborts the
//! operation (panics) in that case because there is no safe fallback.

use rand::RngCore;
use rand::rngs::OsRng;
use subtle::ConstantTimeEq;

/// The 62 characters of [`generate_key`].
const ALPHANUMERIC: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Returns `len` random characters from `[A-Za-z0-9]` (≈5.95 bits each), uniformly: each comes
/// from the top six bits of a random byte, and the two values past the alphabet are skipped. The
/// bytes are read from the OS in one call for the whole key (usually), not one per character.
pub fn generate_key(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut bytes = vec![0u8; len + len / 16 + 8];
    while out.len() < len {
        OsRng.fill_bytes(&mut bytes);
        let mut chars = bytes
            .iter()
            .filter_map(|b| ALPHANUMERIC.get(usize::from(b >> 2)))
            .map(|&c| char::from(c));
        out.extend(chars.by_ref().take(len - out.len()));
    }
    out
}

/// Returns `bytes` random bytes as a lowercase hex string (`2 * bytes` chars).
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// Compares two byte strings in constant time with respect to their content.
///
/// Different lengths return `false` immediately; only the length (never the
/// content) can be learnt from timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Fills `buf` from the OS CSPRNG, reporting failure instead of panicking.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), crate::CryptoError> {
    OsRng
        .try_fill_bytes(buf)
        .map_err(|_| crate::CryptoError::Random)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Unit tests for this module.

    use super::*;

    #[test]
    fn generate_key_has_requested_length_and_alphabet() {
        for len in [0, 1, 40, 128] {
            let key = generate_key(len);
            assert_eq!(key.len(), len);
            assert!(key.chars().all(|c| c.is_ascii_alphanumeric()));
        }
    }

    #[test]
    fn generate_key_uses_the_whole_alphabet_evenly() {
        let key = generate_key(62 * 400);
        let mut counts = std::collections::HashMap::new();
        for c in key.chars() {
            *counts.entry(c).or_insert(0u32) += 1;
        }
        assert_eq!(counts.len(), 62);
        // Each character is expected 400 times; 250 and 550 are beyond 7 standard deviations.
        assert!(
            counts.values().all(|&n| (250..=550).contains(&n)),
            "{counts:?}"
        );
    }

    #[test]
    fn generate_key_is_random() {
        assert_ne!(generate_key(40), generate_key(40));
    }

    #[test]
    fn random_hex_is_lowercase_hex() {
        let value = random_hex(16);
        assert_eq!(value.len(), 32);
        assert!(
            value
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
        assert_eq!(random_hex(0), "");
        assert_ne!(random_hex(16), random_hex(16));
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }

    #[test]
    fn fill_random_fills() {
        let mut buf = [0u8; 32];
        fill_random(&mut buf).unwrap();
        assert_ne!(buf, [0u8; 32]);
    }
}
