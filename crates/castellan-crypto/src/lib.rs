//! Cryptographic building blocks for Castellan: Django-compatible password
//! hashing, random tokens, X.509 certificate-key pairs as authentik manages
//! them, and HS256 compact JWS for session cookies.

pub mod certificate;
pub mod error;
pub mod hs256;
pub mod password;
pub mod token;

pub use error::CryptoError;
