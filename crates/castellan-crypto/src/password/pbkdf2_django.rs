//! Django's `pbkdf2_sha256$…` and `pbkdf2_sha1$…` formats.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha1::Sha1;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{Verification, parse_decimal};

/// Highest iteration count accepted; larger values are rejected without
/// computing anything, so a hostile hash cannot stall verification.
pub(super) const MAX_ITERATIONS: u32 = 10_000_000;

/// The HMAC hash function of a PBKDF2 hash.
#[derive(Debug, Clone, Copy)]
pub(super) enum Prf {
    /// `pbkdf2_sha256`, 32-byte output.
    Sha256,
    /// `pbkdf2_sha1`, 20-byte output.
    Sha1,
}

impl Prf {
    /// Django derives exactly one digest length of key material.
    const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha1 => 20,
        }
    }
}

/// Verifies `password` against `rest` = `<iterations>$<salt>$<base64 hash>`.
pub(super) fn verify(prf: Prf, password: &str, rest: &str) -> Verification {
    let mut parts = rest.splitn(3, '$');
    let (Some(iterations), Some(salt), Some(encoded_hash)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Verification::FAILED;
    };
    let Some(iterations) = parse_decimal(iterations) else {
        return Verification::FAILED;
    };
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return Verification::FAILED;
    }
    let Ok(expected) = STANDARD.decode(encoded_hash) else {
        return Verification::FAILED;
    };
    if expected.len() != prf.output_len() {
        return Verification::FAILED;
    }
    let mut derived = vec![0u8; prf.output_len()];
    match prf {
        Prf::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(
            password.as_bytes(),
            salt.as_bytes(),
            iterations,
            &mut derived,
        ),
        Prf::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(
            password.as_bytes(),
            salt.as_bytes(),
            iterations,
            &mut derived,
        ),
    }
    Verification {
        matched: derived.ct_eq(&expected).into(),
        preferred: false,
    }
}
