//! User consent given to applications (spec §4.4, API `/core/user_consent/`).
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A consent record.
#[derive(Debug, Clone, PartialEq)]
pub struct UserConsent {
    /// Integer id.
    pub pk: i64,
    /// Who consented.
    pub user: i64,
    /// To which application.
    pub application: Uuid,
    /// Space-separated permissions (scopes) consented to.
    pub permissions: String,
    /// Expiry.
    pub expires: Option<DateTime<Utc>>,
    /// Whether `expires` applies.
    pub expiring: bool,
}
