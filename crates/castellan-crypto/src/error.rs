//! Error type shared by every module of this crate.

/// Errors returned by the cryptographic helpers.
///
/// Messages never contain secret material (passwords, keys, token contents).
/// The certificate / private key messages are worded exactly like authentik's
/// API validation errors so they can be shown to users unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The operating system's random number generator failed.
    #[error("random number generator failure")]
    Random,
    /// Deriving a password hash failed (invalid internal parameters).
    #[error("password hashing failed")]
    PasswordHashing,
    /// The PEM text does not contain a loadable X.509 certificate.
    #[error("Unable to load certificate.")]
    InvalidCertificate,
    /// The PEM text does not contain a loadable, unencrypted private key.
    #[error("Unable to load private key (possibly encrypted?).")]
    InvalidPrivateKey,
    /// The private key parsed but its algorithm (or curve) is not supported
    /// for the requested operation.
    #[error("unsupported private key type")]
    UnsupportedKeyType,
    /// A key algorithm name other than `rsa` / `ecdsa` was given.
    #[error("unknown key algorithm (expected \"rsa\" or \"ecdsa\")")]
    UnknownKeyAlgorithm,
    /// Invalid input for certificate generation.
    #[error("invalid certificate parameters: {0}")]
    InvalidCertificateParameters(&'static str),
    /// The certificate could not be generated.
    #[error("certificate generation failed: {0}")]
    CertificateGeneration(String),
    /// An HMAC key must not be empty.
    #[error("signing key must not be empty")]
    EmptyKey,
    /// JWT claims must be a JSON object.
    #[error("token payload must be a JSON object")]
    InvalidPayload,
    /// The token is not a well-formed compact JWS.
    #[error("malformed token")]
    MalformedToken,
    /// The token header names an algorithm other than HS256.
    #[error("unsupported token algorithm")]
    UnsupportedAlgorithm,
    /// The token signature does not match.
    #[error("invalid token signature")]
    InvalidSignature,
    /// The token's `exp` claim is in the past.
    #[error("token has expired")]
    TokenExpired,
    /// The token's `nbf` claim is in the future.
    #[error("token is not yet valid")]
    TokenNotYetValid,
    /// A registered claim has the wrong type.
    #[error("invalid token claim: {0}")]
    InvalidClaim(&'static str),
    /// A JOSE (JWS / JWE / JWK) operation failed or a key cannot be used for
    /// it. The text is ours and never contains key material.
    #[error("JOSE error: {0}")]
    Jose(String),
    /// A JWK is malformed or cannot verify the token (wrong `use`, missing
    /// members, too short an RSA modulus, …).
    #[error("invalid JWK")]
    InvalidJwk,
}
