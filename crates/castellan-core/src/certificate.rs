//! Certificate-key pairs (spec §1.10).
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A certificate-key pair as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateKeyPair {
    /// `kp_uuid`.
    pub kp_uuid: Uuid,
    /// Unique name.
    pub name: String,
    /// PEM certificate.
    pub certificate_data: String,
    /// PEM private key, may be empty.
    pub key_data: String,
    /// Managed key.
    pub managed: Option<String>,
    /// Cached SHA-256 fingerprint.
    pub fingerprint_sha256: Option<String>,
    /// Cached SHA-1 fingerprint.
    pub fingerprint_sha1: Option<String>,
    /// Cached expiry.
    pub cert_expiry: Option<DateTime<Utc>>,
    /// Cached RFC 4514 subject.
    pub cert_subject: Option<String>,
    /// Cached key type (`rsa`, `ec`, …).
    pub private_key_type: Option<String>,
}

/// Name of the certificate created at first start.
pub const SELF_SIGNED_NAME: &str = "authentik Self-signed Certificate";
/// Managed key of the internal JWT certificate, hidden from the API.
pub const JWT_MANAGED: &str = "goauthentik.io/crypto/jwt-managed";
