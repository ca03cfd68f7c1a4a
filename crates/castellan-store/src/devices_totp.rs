//! TOTP devices (`authentik_stages_authenticator_totp.TOTPDevice`, spec §5.1).
use castellan_core::mfa::TotpDevice;
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreError;
use crate::codec::{int, opt_ts, text, ts};
use crate::devices::{COMMON_COLUMNS, TOTP_TABLE, common_from_row, throttle_from_row};

fn columns() -> String {
    format!("{COMMON_COLUMNS}, key, step, t0, digits, tolerance, drift, last_t")
}

fn from_row(row: &AnyRow) -> Result<TotpDevice, StoreError> {
    Ok(TotpDevice {
        common: common_from_row(row)?,
        key: text(row, "key")?,
        step: int(row, "step")?,
        t0: int(row, "t0")?,
        digits: int(row, "digits")?,
        tolerance: int(row, "tolerance")?,
        drift: int(row, "drift")?,
        last_t: int(row, "last_t")?,
        throttle: throttle_from_row(row)?,
    })
}

/// Saves a new device; returns its pk.
pub async fn create(conn: &mut AnyConnection, d: &TotpDevice) -> Result<i64, StoreError> {
    let row = sqlx::query(&format!(
        "INSERT INTO {TOTP_TABLE} (user_id, name, confirmed, created, last_updated, last_used, \
         key, step, t0, digits, tolerance, drift, last_t) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id"
    ))
    .bind(d.common.user)
    .bind(d.common.name.clone())
    .bind(d.common.confirmed)
    .bind(ts(d.common.created))
    .bind(ts(d.common.last_updated))
    .bind(opt_ts(d.common.last_used))
    .bind(d.key.clone())
    .bind(d.step)
    .bind(d.t0)
    .bind(d.digits)
    .bind(d.tolerance)
    .bind(d.drift)
    .bind(d.last_t)
    .fetch_one(&mut *conn)
    .await?;
    int(&row, "id")
}

/// A device by pk.
pub async fn get(conn: &mut AnyConnection, pk: i64) -> Result<Option<TotpDevice>, StoreError> {
    let sql = format!("SELECT {} FROM {TOTP_TABLE} WHERE id = $1", columns());
    sqlx::query(&sql)
        .bind(pk)
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
) -> Result<Vec<TotpDevice>, StoreError> {
    let select = format!("SELECT {} FROM {TOTP_TABLE}", columns());
    crate::devices::rows(conn, &select, "", user, confirmed_only, "id ASC")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Records an accepted code: step `t` becomes `last_t`, `drift` is stored, throttling is reset
/// and `last_used = now` — only if `t` is still newer than the stored `last_t`, so two requests
/// racing with the same code cannot both succeed. Returns whether this call won.
pub async fn accept(
    conn: &mut AnyConnection,
    pk: i64,
    t: i64,
    drift: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let sql = format!(
        "UPDATE {TOTP_TABLE} SET last_t = $1, drift = $2, last_used = $3, \
         throttling_failure_count = 0, throttling_failure_timestamp = NULL \
         WHERE id = $4 AND last_t < $1"
    );
    let done = sqlx::query(&sql)
        .bind(t)
        .bind(drift)
        .bind(ts(now))
        .bind(pk)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
