//! Side-channel one-time codes (SMS, spec §5.8): random 6-digit codes and the hash a
//! verify-only device keeps instead of the phone number.
use rand::Rng;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// A random code of `digits` decimal digits (leading zeros kept), from the OS CSPRNG.
pub fn random_digits(digits: usize) -> String {
    (0..digits)
        .map(|_| char::from(b'0' + OsRng.gen_range(0..10u8)))
        .collect()
}

/// `hash:<sha256 hex>` of a phone number (authentik's `hash_phone_number`).
pub fn hash_phone_number(number: &str) -> String {
    format!("hash:{}", hex::encode(Sha256::digest(number.as_bytes())))
}

#[cfg(test)]
mod tests {
    //! Code shape and the number hash.

    use super::*;

    #[test]
    fn six_digits() {
        let code = random_digits(6);
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn hash_is_prefixed_sha256() {
        assert_eq!(
            hash_phone_number("abc"),
            "hash:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
