//! Cryptographic building blocks for Castellan: Django-compatible password
//! hashing, random tokens, X.509 certificate-key pairs as authentik manages
//! them, HS256 compact JWS for session cookies, and JOSE (JWS / JWE / JWKS)
//! for OAuth2 / OpenID Connect tokens, and HOTP/TOTP one-time passwords.

pub mod certificate;
pub mod duo;
pub mod error;
pub mod hs256;
pub mod jose;
pub mod password;
pub mod side_channel;
pub mod token;
pub mod totp;
pub mod webauthn;

pub use error::CryptoError;
