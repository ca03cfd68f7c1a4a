//! Duo devices (`authentik_stages_authenticator_duo.DuoDevice`, spec §5.1, §5.7).
use castellan_core::mfa::DuoDevice;
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreError;
use crate::codec::{opt_time, opt_ts, text, ts, uuid};
use crate::devices::common_from_row;

/// The table.
pub const TABLE: &str = "authentik_stages_authenticator_duo_duodevice";

const COLUMNS: &str = "id, user_id, name, confirmed, created, last_updated, last_used, stage_id, \
     duo_user_id, last_t";

fn from_row(row: &AnyRow) -> Result<DuoDevice, StoreError> {
    Ok(DuoDevice {
        common: common_from_row(row)?,
        stage: uuid(row, "stage_id")?,
        duo_user_id: text(row, "duo_user_id")?,
        last_t: opt_time(row, "last_t")?,
    })
}

/// Saves a new device; returns its pk, or `None` when a device with this Duo user id exists.
pub async fn create(conn: &mut AnyConnection, d: &DuoDevice) -> Result<Option<i64>, StoreError> {
    if by_duo_user_id(conn, &d.duo_user_id).await?.is_some() {
        return Ok(None);
    }
    let row = sqlx::query(&format!(
        "INSERT INTO {TABLE} (user_id, name, confirmed, created, last_updated, last_used, \
         stage_id, duo_user_id, last_t) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
    ))
    .bind(d.common.user)
    .bind(d.common.name.clone())
    .bind(d.common.confirmed)
    .bind(ts(d.common.created))
    .bind(ts(d.common.last_updated))
    .bind(opt_ts(d.common.last_used))
    .bind(d.stage.to_string())
    .bind(d.duo_user_id.clone())
    .bind(opt_ts(d.last_t))
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(crate::codec::int(&row, "id")?))
}

/// A device by pk.
pub async fn get(conn: &mut AnyConnection, pk: i64) -> Result<Option<DuoDevice>, StoreError> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM {TABLE} WHERE id = $1"))
        .bind(pk)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The device of a Duo user id, whoever owns it.
pub async fn by_duo_user_id(
    conn: &mut AnyConnection,
    duo_user_id: &str,
) -> Result<Option<DuoDevice>, StoreError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {TABLE} WHERE duo_user_id = $1 ORDER BY id ASC LIMIT 1"
    ))
    .bind(duo_user_id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Devices ordered by pk: of one user or of everyone, optionally only confirmed ones.
pub async fn list(
    conn: &mut AnyConnection,
    user: Option<i64>,
    confirmed_only: bool,
) -> Result<Vec<DuoDevice>, StoreError> {
    let select = format!("SELECT {COLUMNS} FROM {TABLE}");
    crate::devices::rows(conn, &select, "", user, confirmed_only, "id ASC")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Records a Duo authentication the Duo API allowed: `last_used` and `last_t` become `now`.
pub async fn record_success(
    conn: &mut AnyConnection,
    pk: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "UPDATE {TABLE} SET last_used = $1, last_t = $1 WHERE id = $2"
    ))
    .bind(ts(now))
    .bind(pk)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
