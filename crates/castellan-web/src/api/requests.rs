//! Request body schemas of the core endpoints, as authentik documents them. Bodies are validated
//! field by field with `crate::fields::Fields` (so every error is reported with DRF's wording);
//! these types exist to document the contract in the OpenAPI document.
#![allow(dead_code)]
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::enums::{IntentEnum, UserTypeEnum};

/// `UserRequest` (POST and PUT of `/core/users/`).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserRequest {
    /// Username (1–150 characters, unique).
    pub username: String,
    /// Display name.
    pub name: String,
    /// Active flag.
    #[schema(required = false)]
    pub is_active: bool,
    /// Last login.
    pub last_login: Option<DateTime<Utc>>,
    /// Direct groups.
    #[schema(required = false)]
    pub groups: Vec<Uuid>,
    /// Email.
    #[schema(required = false)]
    pub email: String,
    /// Attributes.
    #[schema(value_type = Object, required = false)]
    pub attributes: Value,
    /// Path.
    #[schema(required = false)]
    pub path: String,
    /// Type.
    #[serde(rename = "type")]
    #[schema(required = false)]
    pub user_type: UserTypeEnum,
}

/// `PatchedUserRequest` (PATCH: every field optional).
#[derive(Debug, Serialize, ToSchema)]
pub struct PatchedUserRequest {
    /// Username.
    #[schema(required = false)]
    pub username: String,
    /// Display name.
    #[schema(required = false)]
    pub name: String,
    /// Active flag.
    #[schema(required = false)]
    pub is_active: bool,
    /// Last login.
    #[schema(nullable = true)]
    pub last_login: Option<DateTime<Utc>>,
    /// Direct groups.
    #[schema(required = false)]
    pub groups: Vec<Uuid>,
    /// Email.
    #[schema(required = false)]
    pub email: String,
    /// Attributes.
    #[schema(value_type = Object, required = false)]
    pub attributes: Value,
    /// Path.
    #[schema(required = false)]
    pub path: String,
    /// Type.
    #[serde(rename = "type")]
    #[schema(required = false)]
    pub user_type: UserTypeEnum,
}

/// `UserPasswordSetRequest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPasswordSetRequest {
    /// New password.
    pub password: String,
}

/// `GroupRequest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupRequest {
    /// Name.
    pub name: String,
    /// Superuser flag.
    #[schema(required = false)]
    pub is_superuser: bool,
    /// Parent.
    pub parent: Option<Uuid>,
    /// Direct members.
    #[schema(required = false)]
    pub users: Vec<i64>,
    /// Attributes.
    #[schema(value_type = Object, required = false)]
    pub attributes: Value,
    /// Roles.
    #[schema(required = false)]
    pub roles: Vec<Uuid>,
}

/// `PatchedGroupRequest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatchedGroupRequest {
    /// Name.
    #[schema(required = false)]
    pub name: String,
    /// Superuser flag.
    #[schema(required = false)]
    pub is_superuser: bool,
    /// Parent.
    #[schema(nullable = true)]
    pub parent: Option<Uuid>,
    /// Direct members.
    #[schema(required = false)]
    pub users: Vec<i64>,
    /// Attributes.
    #[schema(value_type = Object, required = false)]
    pub attributes: Value,
    /// Roles.
    #[schema(required = false)]
    pub roles: Vec<Uuid>,
}

/// `UserAccountRequest` (`add_user` / `remove_user`).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserAccountRequest {
    /// User id.
    pub pk: i64,
}

/// `TokenRequest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenRequest {
    /// Managed key.
    pub managed: Option<String>,
    /// Identifier.
    pub identifier: String,
    /// Intent.
    #[schema(required = false)]
    pub intent: IntentEnum,
    /// Owner.
    #[schema(required = false)]
    pub user: i64,
    /// Description.
    #[schema(required = false)]
    pub description: String,
    /// Expiry.
    pub expires: Option<DateTime<Utc>>,
    /// Whether it expires.
    #[schema(required = false)]
    pub expiring: bool,
}

/// `PatchedTokenRequest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatchedTokenRequest {
    /// Managed key.
    #[schema(nullable = true)]
    pub managed: Option<String>,
    /// Identifier.
    #[schema(required = false)]
    pub identifier: String,
    /// Intent.
    #[schema(required = false)]
    pub intent: IntentEnum,
    /// Owner.
    #[schema(required = false)]
    pub user: i64,
    /// Description.
    #[schema(required = false)]
    pub description: String,
    /// Expiry.
    #[schema(nullable = true)]
    pub expires: Option<DateTime<Utc>>,
    /// Whether it expires.
    #[schema(required = false)]
    pub expiring: bool,
}

/// `TokenSetKeyRequest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenSetKeyRequest {
    /// The new key.
    pub key: String,
}
