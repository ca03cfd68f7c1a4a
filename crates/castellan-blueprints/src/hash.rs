//! The content hash authentik stores as a blueprint instance's `last_applied_hash`.

use sha2::{Digest, Sha512};

/// SHA-512 of the blueprint text, as lowercase hex (128 characters).
#[must_use]
pub fn content_hash(text: &str) -> String {
    hex::encode(Sha512::digest(text.as_bytes()))
}
