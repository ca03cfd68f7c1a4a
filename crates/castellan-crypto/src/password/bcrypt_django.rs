//! Django's `bcrypt$<hash>` and `bcrypt_sha256$<hash>` formats.
//!
//! `<hash>` is a modular-crypt bcrypt string: `$2b$12$<22 salt><31 hash>`.

use super::{Verification, parse_decimal};

/// Highest cost factor accepted (2^16 rounds, several seconds); larger
/// values are rejected without computing anything.
pub(super) const MAX_COST: u32 = 16;
/// Lowest cost factor bcrypt defines.
const MIN_COST: u32 = 4;
/// Length of `$2b$NN$` + 53 characters.
const ENCODED_LEN: usize = 60;

/// Verifies `secret` (the password bytes, or Django's hex SHA-256 of them)
/// against the bcrypt string `hash`.
pub(super) fn verify(secret: &[u8], hash: &str) -> Verification {
    if !is_well_formed(hash) {
        return Verification::FAILED;
    }
    // bcrypt::verify recomputes and compares with `subtle` internally.
    let matched = bcrypt::verify(secret, hash).unwrap_or(false);
    Verification {
        matched,
        preferred: false,
    }
}

/// Strictly checks `$2a|2b|2y$NN$[./A-Za-z0-9]{53}` and the cost bounds.
fn is_well_formed(hash: &str) -> bool {
    let bytes = hash.as_bytes();
    if bytes.len() != ENCODED_LEN || !hash.is_ascii() {
        return false;
    }
    let variant_ok = matches!(&hash[..4], "$2a$" | "$2b$" | "$2y$");
    let cost_ok = parse_decimal(&hash[4..6]).is_some_and(|c| (MIN_COST..=MAX_COST).contains(&c));
    let body_ok = hash[7..]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/');
    variant_ok && cost_ok && bytes[6] == b'$' && body_ok
}
