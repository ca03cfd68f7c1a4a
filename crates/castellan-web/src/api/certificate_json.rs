//! The JSON shapes of certificate-key pairs and the request bodies `/crypto/certificatekeypairs/`
//! documents.
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// `CertificateKeyPair`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = CertificateKeyPair)]
pub struct CertificateKeyPairJson {
    /// `kp_uuid`.
    pub pk: Uuid,
    /// Unique name.
    pub name: String,
    /// SHA-256 fingerprint (null with `include_details=false`).
    #[schema(required = true)]
    pub fingerprint_sha256: Option<String>,
    /// SHA-1 fingerprint (null with `include_details=false`).
    #[schema(required = true)]
    pub fingerprint_sha1: Option<String>,
    /// Certificate expiry (null with `include_details=false`).
    #[schema(required = true)]
    pub cert_expiry: Option<DateTime<Utc>>,
    /// Subject as RFC 4514 (null with `include_details=false`).
    #[schema(required = true)]
    pub cert_subject: Option<String>,
    /// Whether a private key is stored.
    pub private_key_available: bool,
    /// Private key type (`rsa`, `ec`, `ed25519`, `ed448`), if any.
    #[schema(required = true)]
    pub private_key_type: Option<String>,
    /// URL to download the certificate.
    pub certificate_download_url: String,
    /// URL to download the private key.
    pub private_key_download_url: String,
    /// Managed key.
    #[schema(required = true)]
    pub managed: Option<String>,
}

/// `CertificateData`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateData {
    /// PEM text.
    pub data: String,
}

/// `CertificateKeyPairRequest` (POST and PUT; documentation only, bodies are validated by
/// [`Fields`]).
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateKeyPairRequest {
    /// Unique name.
    #[schema(min_length = 1)]
    pub name: String,
    /// PEM-encoded certificate data (write-only).
    #[schema(min_length = 1)]
    pub certificate_data: String,
    /// Optional PEM private key, unencrypted (write-only).
    #[schema(required = false)]
    pub key_data: String,
}

/// `PatchedCertificateKeyPairRequest` (PATCH: every field optional).
#[derive(Debug, Serialize, ToSchema)]
pub struct PatchedCertificateKeyPairRequest {
    /// Unique name.
    #[schema(min_length = 1, required = false)]
    pub name: String,
    /// PEM-encoded certificate data (write-only).
    #[schema(min_length = 1, required = false)]
    pub certificate_data: String,
    /// Optional PEM private key, unencrypted (write-only).
    #[schema(required = false)]
    pub key_data: String,
}

/// `AlgEnum`: key algorithm of a generated pair.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlgEnum {
    /// RSA 2048.
    Rsa,
    /// ECDSA P-256.
    Ecdsa,
}

/// `CertificateGenerationRequest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateGenerationRequest {
    /// Common name (also the new pair's name).
    #[schema(min_length = 1)]
    pub common_name: String,
    /// Comma-separated subject alternative names.
    #[schema(required = false)]
    pub subject_alt_name: String,
    /// Validity in days (at least 1).
    pub validity_days: i64,
    /// Key algorithm (default `rsa`).
    #[schema(required = false, default = "rsa")]
    pub alg: AlgEnum,
}
