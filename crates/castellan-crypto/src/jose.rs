//! JOSE for OAuth2 / OpenID Connect tokens (authentik spec §7.1.5, §7.1.9):
//! compact JWS signing ([`JwtSigner`]), JWE wrapping ([`JweEncrypter`]),
//! JWKS entries ([`public_jwk`]), JWS verification against a JWK
//! ([`verify_jwt_with_jwk`]) and the OIDC `at_hash` / `c_hash` ([`oidc_hash`]).
//!
//! Built on josekit (OpenSSL). Errors never contain key material.

mod alg;
mod b64;
mod encrypter;
mod hash;
mod jwk;
mod key;
mod signer;
#[cfg(test)]
mod tests;
mod verify;

pub use alg::JwsAlg;
pub use encrypter::JweEncrypter;
pub use hash::oidc_hash;
pub use jwk::{KeyUse, public_jwk};
pub use signer::JwtSigner;
pub use verify::{jwt_header, verify_jwt_with_jwk};
