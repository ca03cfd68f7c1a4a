//! End-to-end ceremony tests against the soft authenticator; shared
//! expectations and helpers.

#![allow(clippy::unwrap_used)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::authenticator_data::AuthenticatorData;
use super::cbor::{CborError, Value};
use super::challenge::base64url_encode;
use super::soft_authenticator::{
    Attestation, CertificateSpec, Credential, Params, assertion_json, attestation_certificate,
    attestation_object, encode, int, registration_json, registration_json_from_parts, text,
};
use super::*;

pub(super) const CHALLENGE: [u8; 32] = [7; 32];
pub(super) const ORIGIN: &str = "https://login.example.com";
pub(super) const RP_ID: &str = "example.com";

fn expected() -> Expected {
    Expected {
        challenge: CHALLENGE.to_vec(),
        rp_id: RP_ID.to_owned(),
        origins: vec!["https://other.example.com".to_owned(), ORIGIN.to_owned()],
        require_user_verification: false,
    }
}

fn register(
    credential: &Credential,
    params: &Params,
    attestation: &Attestation,
) -> Result<VerifiedRegistration, WebauthnError> {
    verify_registration(
        &registration_json(credential, params, attestation),
        &expected(),
    )
}

fn register_default(
    alg: CoseAlgorithm,
    attestation: &Attestation,
) -> Result<VerifiedRegistration, WebauthnError> {
    register(&Credential::new(alg), &Params::create(), attestation)
}

fn bad_attestation(reason: &'static str) -> Result<VerifiedRegistration, WebauthnError> {
    Err(WebauthnError::BadAttestation(reason))
}

mod assertion;
mod registration;
mod structures;
