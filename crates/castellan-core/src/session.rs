//! Browser sessions and the authenticated-session record (spec §0.5, §1.7).
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A server-side session; the cookie carries a signed reference to `session_key`.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Random session key.
    pub session_key: String,
    /// Logged-in user, if any.
    pub user: Option<i64>,
    /// Opaque JSON data (flow plans, login event, …).
    pub data: serde_json::Value,
    /// Expiry.
    pub expires: DateTime<Utc>,
}

/// `AuthenticatedSession`: a login, listed and revocable by the user and admins.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticatedSession {
    /// Record id.
    pub uuid: Uuid,
    /// Session key it tracks.
    pub session_key: String,
    /// Owner.
    pub user: i64,
    /// Last client IP.
    pub last_ip: String,
    /// Last user agent.
    pub last_user_agent: String,
    /// Last activity.
    pub last_used: DateTime<Utc>,
    /// Expiry.
    pub expires: Option<DateTime<Utc>>,
    /// Whether `expires` applies.
    pub expiring: bool,
}
