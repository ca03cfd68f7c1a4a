//! Attestation objects (W3C WebAuthn §6.5) and attestation statement
//! verification (§8).
//!
//! Verified formats: `none`, `packed` (self and x5c) and `fido-u2f`. The
//! formats `tpm`, `android-key`, `android-safetynet` and `apple` are
//! accepted **without checking their statement**: the result then has
//! `verified == false`. Any other format string is an error.
//!
//! For x5c statements, "verified" means the signature and the leaf
//! certificate rules of §8.2.1 hold; the certificate chain is *not* checked
//! against trust anchors (the leaf is returned for callers that do).

mod certificate;
mod fido_u2f;
mod packed;

use super::WebauthnError;
use super::authenticator_data::AuthenticatorData;
use super::cbor::{self, Value};

/// A decoded attestation object.
#[derive(Debug, Clone)]
pub struct AttestationObject {
    /// The attestation statement format identifier.
    pub fmt: String,
    /// The attestation statement (a CBOR map).
    pub att_stmt: Value,
    /// The raw authenticator data (signed by the statement).
    pub auth_data_bytes: Vec<u8>,
    /// The parsed authenticator data.
    pub auth_data: AuthenticatorData,
}

/// The outcome of attestation statement verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationOutcome {
    /// Whether the statement was cryptographically checked.
    pub verified: bool,
    /// The DER of the attestation (leaf) certificate, for x5c statements.
    pub certificate_der: Option<Vec<u8>>,
}

impl AttestationObject {
    /// Decodes `{fmt, attStmt, authData}` and parses the authenticator data.
    pub fn parse(bytes: &[u8]) -> Result<Self, WebauthnError> {
        let malformed = WebauthnError::MalformedAttestationObject;
        let value = cbor::decode(bytes)?;
        if value.as_map().is_none() {
            return Err(malformed("not a map"));
        }
        let fmt = value
            .get_text("fmt")
            .and_then(Value::as_text)
            .ok_or(malformed("missing fmt"))?
            .to_owned();
        let att_stmt = value
            .get_text("attStmt")
            .filter(|v| v.as_map().is_some())
            .ok_or(malformed("missing attStmt"))?
            .clone();
        let auth_data_bytes = value
            .get_text("authData")
            .and_then(Value::as_bytes)
            .ok_or(malformed("missing authData"))?
            .to_vec();
        let auth_data = AuthenticatorData::parse(&auth_data_bytes)?;
        Ok(Self {
            fmt,
            att_stmt,
            auth_data_bytes,
            auth_data,
        })
    }

    /// Verifies the attestation statement over `authData || clientDataHash`.
    pub fn verify_statement(
        &self,
        client_data_hash: &[u8; 32],
    ) -> Result<AttestationOutcome, WebauthnError> {
        match self.fmt.as_str() {
            "none" => {
                if self.att_stmt.as_map().is_some_and(<[_]>::is_empty) {
                    Ok(AttestationOutcome {
                        verified: true,
                        certificate_der: None,
                    })
                } else {
                    Err(WebauthnError::BadAttestation(
                        "none attestation statement must be empty",
                    ))
                }
            }
            "packed" => packed::verify(self, client_data_hash),
            "fido-u2f" => fido_u2f::verify(self, client_data_hash),
            "tpm" | "android-key" | "android-safetynet" | "apple" => Ok(AttestationOutcome {
                verified: false,
                certificate_der: None,
            }),
            other => Err(WebauthnError::UnsupportedAttestationFormat(
                super::error::truncated(other, 64),
            )),
        }
    }

    /// `authData || clientDataHash`, the data most formats sign.
    fn signed_data(&self, client_data_hash: &[u8; 32]) -> Vec<u8> {
        let mut data = Vec::with_capacity(self.auth_data_bytes.len() + 32);
        data.extend_from_slice(&self.auth_data_bytes);
        data.extend_from_slice(client_data_hash);
        data
    }
}

/// The `sig` byte string of an attestation statement.
fn statement_signature(att_stmt: &Value) -> Result<&[u8], WebauthnError> {
    att_stmt
        .get_text("sig")
        .and_then(Value::as_bytes)
        .ok_or(WebauthnError::BadAttestation("missing sig"))
}

/// The `x5c` certificates (DER), if present; an empty or non-bytes array is
/// an error.
fn statement_certificates(att_stmt: &Value) -> Result<Option<Vec<&[u8]>>, WebauthnError> {
    let Some(x5c) = att_stmt.get_text("x5c") else {
        return Ok(None);
    };
    let certificates = x5c
        .as_array()
        .ok_or(WebauthnError::BadAttestation("x5c is not an array"))?
        .iter()
        .map(|c| {
            c.as_bytes()
                .ok_or(WebauthnError::BadAttestation("x5c entry is not bytes"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if certificates.is_empty() {
        return Err(WebauthnError::BadAttestation("x5c is empty"));
    }
    Ok(Some(certificates))
}
