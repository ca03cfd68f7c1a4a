//! Users (spec §1.1): types, path rules, `uid`, username rules.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::DomainError;

/// `User.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UserType {
    /// A staff user (default).
    #[default]
    Internal,
    /// A customer-type user.
    External,
    /// A service account created through the API.
    ServiceAccount,
    /// A service account only Castellan itself creates (outposts).
    InternalServiceAccount,
}

impl UserType {
    /// The wire/database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::External => "external",
            Self::ServiceAccount => "service_account",
            Self::InternalServiceAccount => "internal_service_account",
        }
    }

    /// Parses the wire/database name.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "internal" => Self::Internal,
            "external" => Self::External,
            "service_account" => Self::ServiceAccount,
            "internal_service_account" => Self::InternalServiceAccount,
            _ => return None,
        })
    }

    /// All values, in authentik's enum order.
    pub const ALL: [UserType; 4] = [
        Self::Internal,
        Self::External,
        Self::ServiceAccount,
        Self::InternalServiceAccount,
    ];
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Integer primary key.
    pub pk: i64,
    /// Stable UUID.
    pub uuid: Uuid,
    /// Unique login name (≤150 characters).
    pub username: String,
    /// Display name.
    pub name: String,
    /// Email address (may be empty).
    pub email: String,
    /// Encoded password hash (Django formats); empty or `!…` means unusable.
    pub password: String,
    /// When the password was last set.
    pub password_change_date: DateTime<Utc>,
    /// Inactive users cannot authenticate.
    pub is_active: bool,
    /// Last successful login.
    pub last_login: Option<DateTime<Utc>>,
    /// Creation time.
    pub date_joined: DateTime<Utc>,
    /// Folder-like path, default `users`.
    pub path: String,
    /// User type.
    pub user_type: UserType,
    /// Free-form JSON attributes.
    pub attributes: serde_json::Value,
}

/// Default path of users created through the API.
pub const DEFAULT_USER_PATH: &str = "users";
/// Path of API-created service accounts.
pub const SERVICE_ACCOUNT_PATH: &str = "goauthentik.io/service-accounts";
/// Maximum username length.
pub const USERNAME_MAX_LEN: usize = 150;

/// Validates a user path: no leading or trailing `/`, no empty segments, not empty.
pub fn validate_path(path: &str) -> Result<(), DomainError> {
    if path.is_empty() {
        return Err(DomainError::new("path", "This field may not be blank."));
    }
    if path.starts_with('/') || path.ends_with('/') {
        return Err(DomainError::new(
            "path",
            "No leading or trailing slashes allowed.",
        ));
    }
    if path.split('/').any(str::is_empty) {
        return Err(DomainError::new(
            "path",
            "No empty segments in user path allowed.",
        ));
    }
    Ok(())
}

/// Validates a username as authentik's API does (non-empty, at most 150 characters).
pub fn validate_username(username: &str) -> Result<(), DomainError> {
    if username.trim().is_empty() {
        return Err(DomainError::new("username", "This field may not be blank."));
    }
    if username.chars().count() > USERNAME_MAX_LEN {
        return Err(DomainError::new(
            "username",
            format!("Ensure this field has no more than {USERNAME_MAX_LEN} characters."),
        ));
    }
    Ok(())
}

/// `User.uid`: lowercase hex SHA-256 of `"<pk>-<install id>"` (spec §0.6).
pub fn user_uid(pk: i64, install_id: &Uuid) -> String {
    hex::encode(Sha256::digest(format!("{pk}-{install_id}").as_bytes()))
}

/// Avatar shown when no avatar source yields a value.
pub const DEFAULT_AVATAR: &str = "/static/dist/assets/images/user_default.png";

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn uid_is_sha256_of_pk_and_install_id() {
        const EXPECTED_UID: &str =
            "1292303453dad1b17443ecd68ded29b1ab9d55ebc47ef353000734f12645947c";
        let id = Uuid::parse_str("6bcb4b5a-3c5d-4a51-9b57-2b0d17ab5e63").unwrap();
        // Computed with Python: hashlib.sha256(b"1-6bcb4b5a-3c5d-4a51-9b57-2b0d17ab5e63").hexdigest()
        assert_eq!(user_uid(1, &id), EXPECTED_UID);
        assert_eq!(user_uid(1, &id).len(), 64);
    }

    #[test]
    fn path_rules() {
        assert!(validate_path("users").is_ok());
        assert!(validate_path("goauthentik.io/service-accounts").is_ok());
        assert!(validate_path("/users").is_err());
        assert!(validate_path("users/").is_err());
        assert!(validate_path("a//b").is_err());
        assert!(validate_path("").is_err());
    }

    #[test]
    fn username_rules() {
        assert!(validate_username("akadmin").is_ok());
        assert!(validate_username(" ").is_err());
        assert!(validate_username(&"x".repeat(151)).is_err());
    }
}
