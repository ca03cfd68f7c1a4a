//! Random token values and their lookup hashes (RFC 6749 §10.10 credential entropy;
//! spec §7.1.1 client credentials and §7.1.5 token formats).

use castellan_crypto::token::generate_key;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A new authorization code: a random UUID v4 as 32 lowercase hex digits.
pub fn new_code() -> String {
    Uuid::new_v4().simple().to_string()
}

/// A new refresh token: 128 random alphanumerics.
pub fn new_refresh_token() -> String {
    generate_key(128)
}

/// A new client id: 40 random alphanumerics.
pub fn new_client_id() -> String {
    generate_key(40)
}

/// A new client secret: 128 random alphanumerics.
pub fn new_client_secret() -> String {
    generate_key(128)
}

/// Lowercase hex SHA-256 of a token, the key tokens are looked up by.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(digest.len() * 2);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let code = new_code();
        assert_eq!(code.len(), 32);
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_ne!(new_code(), code);
        for (value, len) in [
            (new_refresh_token(), 128),
            (new_client_id(), 40),
            (new_client_secret(), 128),
        ] {
            assert_eq!(value.len(), len);
            assert!(value.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
        assert_ne!(new_refresh_token(), new_refresh_token());
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            token_hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
