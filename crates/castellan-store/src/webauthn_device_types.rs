//! WebAuthn device types (`WebAuthnDeviceType`, spec §5.6): authenticator models by AAGUID,
//! seeded from the table embedded in the binary.
use castellan_core::webauthn_device_type::{WebAuthnDeviceType, embedded};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreError;
use crate::codec::{opt_text, text};

/// The table.
pub const TABLE: &str = "authentik_stages_authenticator_webauthn_webauthndevicetype";

/// The migration's `INSERT` of the embedded models.
pub fn seed_sql() -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let rows: Vec<String> = embedded()
        .map(|(aaguid, description)| format!("({}, {}, NULL)", quote(aaguid), quote(description)))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "INSERT INTO {TABLE} (aaguid, description, icon) VALUES {};",
        rows.join(",\n")
    )
}

fn from_row(row: &AnyRow) -> Result<WebAuthnDeviceType, StoreError> {
    Ok(WebAuthnDeviceType {
        aaguid: text(row, "aaguid")?,
        description: text(row, "description")?,
        icon: opt_text(row, "icon")?,
    })
}

/// One model by AAGUID (any case).
pub async fn get(
    conn: &mut AnyConnection,
    aaguid: &str,
) -> Result<Option<WebAuthnDeviceType>, StoreError> {
    sqlx::query(&format!(
        "SELECT aaguid, description, icon FROM {TABLE} WHERE aaguid = $1"
    ))
    .bind(aaguid.to_ascii_lowercase())
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Models ordered by description, optionally filtered by a case-insensitive search over the
/// description and the AAGUID.
pub async fn list(
    conn: &mut AnyConnection,
    search: Option<&str>,
) -> Result<Vec<WebAuthnDeviceType>, StoreError> {
    let mut sql = format!("SELECT aaguid, description, icon FROM {TABLE}");
    let pattern = search
        .filter(|s| !s.is_empty())
        .map(|s| format!("%{}%", s.to_lowercase()));
    if pattern.is_some() {
        sql.push_str(" WHERE LOWER(description) LIKE $1 OR aaguid LIKE $1");
    }
    sql.push_str(" ORDER BY description ASC, aaguid ASC");
    let mut q = sqlx::query(&sql);
    if let Some(p) = pattern {
        q = q.bind(p);
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}
