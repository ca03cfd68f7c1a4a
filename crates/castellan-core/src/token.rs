//! Tokens (spec §1.6): API keys, app passwords, recovery and verification tokens.
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// `Token.intent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenIntent {
    /// Internal use (default).
    #[default]
    Verification,
    /// Bearer token for the REST API.
    Api,
    /// One-shot login link.
    Recovery,
    /// Usable as a password by password-accepting protocols.
    AppPassword,
}

impl TokenIntent {
    /// Wire/database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verification => "verification",
            Self::Api => "api",
            Self::Recovery => "recovery",
            Self::AppPassword => "app_password",
        }
    }
    /// Parses the wire/database name.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "verification" => Self::Verification,
            "api" => Self::Api,
            "recovery" => Self::Recovery,
            "app_password" => Self::AppPassword,
            _ => return None,
        })
    }
    /// All values in authentik's enum order.
    pub const ALL: [TokenIntent; 4] = [
        Self::Verification,
        Self::Api,
        Self::Recovery,
        Self::AppPassword,
    ];
}

/// A token as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// `token_uuid`.
    pub token_uuid: Uuid,
    /// Unique identifier (API lookup key).
    pub identifier: String,
    /// The secret.
    pub key: String,
    /// Intent.
    pub intent: TokenIntent,
    /// Owner.
    pub user: i64,
    /// Free text.
    pub description: String,
    /// Expiry instant.
    pub expires: Option<DateTime<Utc>>,
    /// Whether `expires` applies.
    pub expiring: bool,
    /// Managed key for blueprint-owned tokens.
    pub managed: Option<String>,
}

impl Token {
    /// An object is expired iff `expiring && now > expires`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        is_expired(self.expiring, self.expires, now)
    }
}

/// The ExpiringModel rule shared by tokens, sessions, consent and events.
pub fn is_expired(expiring: bool, expires: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expiring && expires.is_some_and(|e| now > e)
}

/// Default lifetime of expiring tokens (system setting `default_token_duration`, `days=1`).
pub fn default_token_duration() -> chrono::Duration {
    chrono::Duration::days(1)
}

/// Default token key length (tenant setting `default_token_length`).
pub const DEFAULT_TOKEN_LENGTH: usize = 60;
