//! Django-compatible password hashing and verification.
//!
//! New hashes use Django's `Argon2PasswordHasher` storage format
//! (`argon2$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`). Verification also
//! understands the other hashers authentik enables: PBKDF2-SHA256,
//! PBKDF2-SHA1, bcrypt-SHA256 and plain bcrypt, plus bare PHC argon2 strings.

mod argon2_django;
mod bcrypt_django;
mod pbkdf2_django;
#[cfg(test)]
mod tests;

use sha2::{Digest, Sha256};

use crate::CryptoError;
use crate::token::generate_key;

/// Prefix Django uses to mark a password as unusable.
pub const UNUSABLE_PASSWORD_PREFIX: char = '!';

/// Number of random characters after [`UNUSABLE_PASSWORD_PREFIX`].
const UNUSABLE_PASSWORD_SUFFIX_LENGTH: usize = 40;

/// Outcome of [`verify_password`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct PasswordCheck {
    /// The password matches the stored hash.
    pub valid: bool,
    /// The password matched but the stored hash is not in the preferred
    /// format/parameters: store [`hash_password`] of it. Never set when
    /// `valid` is false.
    pub needs_rehash: bool,
}

impl PasswordCheck {
    /// The result for a wrong password or an unusable/unknown hash.
    const INVALID: Self = Self {
        valid: false,
        needs_rehash: false,
    };
}

/// Result of one hasher's verification, before mapping to [`PasswordCheck`].
#[derive(Debug, Clone, Copy)]
struct Verification {
    matched: bool,
    preferred: bool,
}

impl Verification {
    const FAILED: Self = Self {
        matched: false,
        preferred: false,
    };
}

impl From<Verification> for PasswordCheck {
    fn from(v: Verification) -> Self {
        Self {
            valid: v.matched,
            needs_rehash: v.matched && !v.preferred,
        }
    }
}

/// Hashes `password` with argon2id (m=19456 KiB, t=2, p=1, 16-byte random
/// salt, 32-byte output) in Django's `argon2$…` storage format.
pub fn hash_password(password: &str) -> Result<String, CryptoError> {
    argon2_django::hash(password)
}

/// Verifies `password` against a stored Django-style hash.
///
/// Empty, unusable (`!…`), unknown or malformed encodings yield
/// `valid: false`; this function never panics. Derived bytes are compared
/// in constant time.
pub fn verify_password(password: &str, encoded: &str) -> PasswordCheck {
    if !is_usable_password(encoded) {
        return PasswordCheck::INVALID;
    }
    let Some((algorithm, rest)) = encoded.split_once('$') else {
        return PasswordCheck::INVALID;
    };
    let verification = match algorithm {
        argon2_django::ALGORITHM => {
            argon2_django::verify(password, rest, argon2_django::Origin::Django)
        }
        // A bare PHC string such as `$argon2id$v=19$…`.
        "" => argon2_django::verify(password, rest, argon2_django::Origin::BarePhc),
        "pbkdf2_sha256" => pbkdf2_django::verify(pbkdf2_django::Prf::Sha256, password, rest),
        "pbkdf2_sha1" => pbkdf2_django::verify(pbkdf2_django::Prf::Sha1, password, rest),
        "bcrypt_sha256" => {
            // Django pre-hashes to avoid bcrypt's 72-byte truncation and feeds
            // bcrypt the lowercase hex digest.
            let digest = hex::encode(Sha256::digest(password.as_bytes()));
            bcrypt_django::verify(digest.as_bytes(), rest)
        }
        "bcrypt" => bcrypt_django::verify(password.as_bytes(), rest),
        _ => Verification::FAILED,
    };
    verification.into()
}

/// Returns a value that never verifies: `!` followed by 40 random
/// alphanumeric characters (Django's `make_password(None)`).
pub fn make_unusable_password() -> String {
    let mut value = String::with_capacity(1 + UNUSABLE_PASSWORD_SUFFIX_LENGTH);
    value.push(UNUSABLE_PASSWORD_PREFIX);
    value.push_str(&generate_key(UNUSABLE_PASSWORD_SUFFIX_LENGTH));
    value
}

/// Whether `encoded` could ever verify a password.
///
/// Unlike Django's `is_password_usable` (which returns `true` for `""`), an
/// empty string is also reported as unusable, since nothing verifies
/// against it.
pub fn is_usable_password(encoded: &str) -> bool {
    !encoded.is_empty() && !encoded.starts_with(UNUSABLE_PASSWORD_PREFIX)
}

/// Parses a non-empty string of ASCII digits (no sign, no whitespace).
fn parse_decimal(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
