//! WebAuthn devices (`authentik_stages_authenticator_webauthn.WebAuthnDevice`, spec §5.1), with
//! their known model joined in.
use castellan_core::mfa::WebAuthnDevice;
use castellan_core::webauthn_device_type::WebAuthnDeviceType;
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreError;
use crate::codec::{boolean, int, opt_text, opt_time, opt_ts, text, time, ts};
use crate::webauthn_device_types::TABLE as TYPE_TABLE;

/// The table.
pub const TABLE: &str = "authentik_stages_authenticator_webauthn_webauthndevice";

fn select() -> String {
    format!(
        "SELECT d.id, d.user_id, d.name, d.confirmed, d.created, d.last_updated, d.last_used, \
         d.credential_id, d.public_key, d.sign_count, d.rp_id, d.aaguid, d.attestation_format, \
         d.attestation_certificate_pem, d.attestation_certificate_fingerprint, \
         t.aaguid AS type_aaguid, t.description AS type_description, t.icon AS type_icon \
         FROM {TABLE} d LEFT JOIN {TYPE_TABLE} t ON t.aaguid = d.device_type_id"
    )
}

fn from_row(row: &AnyRow) -> Result<WebAuthnDevice, StoreError> {
    let device_type = match opt_text(row, "type_aaguid")? {
        Some(aaguid) => Some(WebAuthnDeviceType {
            aaguid,
            description: text(row, "type_description")?,
            icon: opt_text(row, "type_icon")?,
        }),
        None => None,
    };
    Ok(WebAuthnDevice {
        common: castellan_core::mfa::DeviceCommon {
            pk: int(row, "id")?,
            user: int(row, "user_id")?,
            name: text(row, "name")?,
            confirmed: boolean(row, "confirmed")?,
            created: time(row, "created")?,
            last_updated: time(row, "last_updated")?,
            last_used: opt_time(row, "last_used")?,
        },
        credential_id: text(row, "credential_id")?,
        public_key: text(row, "public_key")?,
        sign_count: int(row, "sign_count")?,
        rp_id: text(row, "rp_id")?,
        aaguid: text(row, "aaguid")?,
        device_type,
        attestation_format: text(row, "attestation_format")?,
        attestation_certificate_pem: opt_text(row, "attestation_certificate_pem")?,
        attestation_certificate_fingerprint: opt_text(row, "attestation_certificate_fingerprint")?,
    })
}

/// Saves a new device; its model is linked when `aaguid` is a known one. Returns the pk, or
/// `None` when the credential id is already registered.
pub async fn create(
    conn: &mut AnyConnection,
    d: &WebAuthnDevice,
) -> Result<Option<i64>, StoreError> {
    if by_credential_id(conn, &d.credential_id).await?.is_some() {
        return Ok(None);
    }
    let known = crate::webauthn_device_types::get(conn, &d.aaguid).await?;
    let row = sqlx::query(&format!(
        "INSERT INTO {TABLE} (user_id, name, confirmed, created, last_updated, last_used, \
         credential_id, public_key, sign_count, rp_id, aaguid, device_type_id, attestation_format, \
         attestation_certificate_pem, attestation_certificate_fingerprint) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id"
    ))
    .bind(d.common.user)
    .bind(d.common.name.clone())
    .bind(d.common.confirmed)
    .bind(ts(d.common.created))
    .bind(ts(d.common.last_updated))
    .bind(opt_ts(d.common.last_used))
    .bind(d.credential_id.clone())
    .bind(d.public_key.clone())
    .bind(d.sign_count)
    .bind(d.rp_id.clone())
    .bind(d.aaguid.to_ascii_lowercase())
    .bind(known.map(|t| t.aaguid))
    .bind(d.attestation_format.clone())
    .bind(d.attestation_certificate_pem.clone())
    .bind(d.attestation_certificate_fingerprint.clone())
    .fetch_one(&mut *conn)
    .await;
    match row {
        Ok(row) => Ok(Some(int(&row, "id")?)),
        // A concurrent registration of the same credential won the unique index.
        Err(e) if is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// A device by pk.
pub async fn get(conn: &mut AnyConnection, pk: i64) -> Result<Option<WebAuthnDevice>, StoreError> {
    sqlx::query(&format!("{} WHERE d.id = $1", select()))
        .bind(pk)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The device holding a credential id (base64url).
pub async fn by_credential_id(
    conn: &mut AnyConnection,
    credential_id: &str,
) -> Result<Option<WebAuthnDevice>, StoreError> {
    sqlx::query(&format!("{} WHERE d.credential_id = $1", select()))
        .bind(credential_id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Devices of one user or of everyone, optionally only confirmed ones, ordered by name then pk
/// (the order of a WebAuthn challenge's `allowCredentials`).
pub async fn list(
    conn: &mut AnyConnection,
    user: Option<i64>,
    confirmed_only: bool,
) -> Result<Vec<WebAuthnDevice>, StoreError> {
    let order = "d.name ASC, d.id ASC";
    crate::devices::rows(conn, &select(), "d.", user, confirmed_only, order)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Records a verified assertion: the new signature counter and `last_used = now`, only if the
/// stored counter is still `seen` — two requests racing with one assertion cannot both win.
pub async fn accept(
    conn: &mut AnyConnection,
    pk: i64,
    seen: i64,
    sign_count: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(&format!(
        "UPDATE {TABLE} SET sign_count = $1, last_used = $2 WHERE id = $3 AND sign_count = $4"
    ))
    .bind(sign_count)
    .bind(ts(now))
    .bind(pk)
    .bind(seen)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
