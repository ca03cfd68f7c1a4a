//! Random keys/tokens and constant-time comparison.
//!
//! All randomness comes from the operating system CSPRNG (`OsRng`). The
//! infallible helpers here cannot report an OS RNG failure; `rand` aborts the
//! operation (panics) in that case because there is no safe fallback.

use rand::distributions::Alphanumeric;
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use subtle::ConstantTimeEq;

/// Returns `len` random characters from `[A-Za-z0-9]` (≈5.95 bits each).
pub fn generate_key(len: usize) -> String {
    OsRng
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
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
