//! WebAuthn relying-party verification (W3C Web Authentication Level 2/3),
//! transport-free: callers hand in the browser's `PublicKeyCredential` JSON
//! and get back verified credential data or a precise [`WebauthnError`].
//!
//! Registration: [`verify_registration`]; authentication: [`credential_id`]
//! to find the stored credential, then [`verify_assertion`]. Challenges come
//! from [`new_challenge`].

pub mod assertion;
pub mod attestation;
pub mod authenticator_data;
pub mod cbor;
pub mod challenge;
pub mod client_data;
pub mod cose;
pub mod error;
mod json;
pub mod registration;

#[cfg(test)]
mod soft_authenticator;
#[cfg(test)]
mod tests;

pub use assertion::{VerifiedAssertion, credential_id, verify_assertion};
pub use challenge::{base64url_decode, base64url_encode, new_challenge};
pub use cose::{CoseAlgorithm, CosePublicKey};
pub use error::WebauthnError;
pub use registration::{VerifiedRegistration, format_aaguid, verify_registration};

/// What the relying party expects of a ceremony.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The challenge issued for this ceremony.
    pub challenge: Vec<u8>,
    /// The RP ID (a registrable domain, e.g. `example.com`).
    pub rp_id: String,
    /// Allowed origins, compared exactly (e.g. `https://login.example.com`).
    pub origins: Vec<String>,
    /// Whether the UV flag must be set.
    pub require_user_verification: bool,
}
