//! Key/value system settings: the install id, the generated secret key and similar.
use sqlx::AnyConnection;

use crate::StoreError;
use crate::codec::text;

/// Key of the install id (used in `User.uid`).
pub const INSTALL_ID: &str = "install_id";
/// Key of the generated secret key.
pub const SECRET_KEY: &str = "secret_key";
/// Key of the tenant setting `impersonation` (authentik's default: enabled); `false` turns
/// `POST /core/users/{id}/impersonate/` off.
pub const IMPERSONATION: &str = "impersonation";

/// Reads a setting.
pub async fn get(conn: &mut AnyConnection, key: &str) -> Result<Option<String>, StoreError> {
    sqlx::query("SELECT value FROM system_settings WHERE key = $1")
        .bind(key.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| text(&r, "value"))
        .transpose()
}

/// Stores `value` unless the key already has one; returns the value in force. Concurrent
/// first starts agree on one value.
pub async fn get_or_insert(
    conn: &mut AnyConnection,
    key: &str,
    value: &str,
) -> Result<String, StoreError> {
    sqlx::query(
        "INSERT INTO system_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key.to_string())
    .bind(value.to_string())
    .execute(&mut *conn)
    .await?;
    get(conn, key)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("setting {key} vanished")))
}

/// Sets a setting.
pub async fn set(conn: &mut AnyConnection, key: &str, value: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO system_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2")
        .bind(key.to_string())
        .bind(value.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
