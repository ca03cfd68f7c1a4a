//! Errors of the WebAuthn relying-party verifier.

use super::cbor::CborError;

/// Why a registration or authentication ceremony was rejected.
///
/// Messages name the offending field or rule but never echo challenges,
/// signatures or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebauthnError {
    /// A JSON field is missing or has the wrong type.
    #[error("malformed credential JSON: field `{0}` missing or invalid")]
    MalformedJson(&'static str),
    /// A field is not valid base64 / base64url.
    #[error("field `{0}` is not valid base64url")]
    Base64(&'static str),
    /// The CBOR structure could not be decoded.
    #[error("malformed CBOR: {0}")]
    Cbor(#[from] CborError),
    /// clientDataJSON is not a JSON object with the required members.
    #[error("malformed clientDataJSON: {0}")]
    MalformedClientData(&'static str),
    /// The authenticator data is truncated, inconsistent or has trailing bytes.
    #[error("malformed authenticator data: {0}")]
    MalformedAuthenticatorData(&'static str),
    /// The attestation object does not have the required members.
    #[error("malformed attestation object: {0}")]
    MalformedAttestationObject(&'static str),
    /// `type` in clientDataJSON is not the ceremony being verified.
    #[error("wrong ceremony type: expected `{expected}`, found `{found}`")]
    WrongCeremonyType {
        /// The expected type (`webauthn.create` or `webauthn.get`).
        expected: &'static str,
        /// The type found (truncated to 64 characters).
        found: String,
    },
    /// The credential `type` is not `public-key`.
    #[error("credential type is not `public-key`")]
    WrongCredentialType,
    /// The challenge in clientDataJSON is not the one issued.
    #[error("challenge mismatch")]
    ChallengeMismatch,
    /// The origin in clientDataJSON is not an expected origin.
    #[error("origin `{found}` is not allowed")]
    OriginMismatch {
        /// The origin found (truncated to 256 characters).
        found: String,
    },
    /// clientDataJSON says the ceremony ran in a cross-origin iframe.
    #[error("cross-origin ceremonies are not allowed")]
    CrossOrigin,
    /// The authenticator data was produced for another RP ID.
    #[error("RP ID hash mismatch")]
    RpIdHashMismatch,
    /// The user-present flag is not set.
    #[error("user presence flag not set")]
    UserNotPresent,
    /// User verification was required but the UV flag is not set.
    #[error("user verification required but not performed")]
    UserNotVerified,
    /// A registration response has no attested credential data.
    #[error("authenticator data has no attested credential data")]
    NoAttestedCredential,
    /// `id` / `rawId` disagree with each other or with the authenticator data.
    #[error("credential ID mismatch")]
    CredentialIdMismatch,
    /// The COSE algorithm is not supported.
    #[error("unsupported COSE algorithm {0}")]
    UnsupportedAlgorithm(i64),
    /// The COSE key is malformed or of an unsupported type.
    #[error("unsupported or invalid public key: {0}")]
    UnsupportedKey(&'static str),
    /// The assertion signature does not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// The attestation statement is invalid.
    #[error("invalid attestation statement: {0}")]
    BadAttestation(&'static str),
    /// The attestation statement format is unknown.
    #[error("unsupported attestation format `{0}`")]
    UnsupportedAttestationFormat(String),
    /// The signature counter did not increase.
    #[error("signature counter regression: stored {stored}, received {received}")]
    SignCountRegression {
        /// The counter stored for the credential.
        stored: u32,
        /// The counter in the authenticator data.
        received: u32,
    },
}

/// Truncates attacker-controlled text echoed in an error message.
pub(crate) fn truncated(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
