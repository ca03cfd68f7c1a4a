//! SMS devices (`authentik_stages_authenticator_sms.SMSDevice`, spec §5.1, §5.8): saving an
//! enrolment, the pending code of a login, and taking that code exactly once.
use castellan_core::mfa::SmsDevice;
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{int, opt_text, opt_time, opt_ts, text, ts, uuid};
use crate::devices::{COMMON_COLUMNS, common_from_row, throttle_from_row};

/// The SMS device table.
pub const TABLE: &str = "authentik_stages_authenticator_sms_smsdevice";

fn columns() -> String {
    format!("{COMMON_COLUMNS}, stage_id, phone_number, token, valid_until, last_t")
}

fn from_row(row: &AnyRow) -> Result<SmsDevice, StoreError> {
    Ok(SmsDevice {
        common: common_from_row(row)?,
        stage: uuid(row, "stage_id")?,
        phone_number: text(row, "phone_number")?,
        token: opt_text(row, "token")?,
        valid_until: opt_time(row, "valid_until")?,
        last_t: opt_time(row, "last_t")?,
        throttle: throttle_from_row(row)?,
    })
}

/// Saves a new device; `None` when the stage already has a device with this number.
pub async fn create(conn: &mut AnyConnection, d: &SmsDevice) -> Result<Option<i64>, StoreError> {
    if number_taken(conn, d.stage, &[d.phone_number.as_str()]).await? {
        return Ok(None);
    }
    let row = sqlx::query(&format!(
        "INSERT INTO {TABLE} (user_id, name, confirmed, created, last_updated, last_used, \
         stage_id, phone_number, token, valid_until, last_t) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id"
    ))
    .bind(d.common.user)
    .bind(d.common.name.clone())
    .bind(d.common.confirmed)
    .bind(ts(d.common.created))
    .bind(ts(d.common.last_updated))
    .bind(opt_ts(d.common.last_used))
    .bind(d.stage.to_string())
    .bind(d.phone_number.clone())
    .bind(d.token.clone())
    .bind(opt_ts(d.valid_until))
    .bind(opt_ts(d.last_t))
    .fetch_one(&mut *conn)
    .await;
    match row {
        Ok(row) => int(&row, "id").map(Some),
        // A concurrent enrolment of the same number won the unique (stage, number) key.
        Err(e) if number_taken(conn, d.stage, &[d.phone_number.as_str()]).await? => {
            tracing::debug!(error = %e, "sms device number taken concurrently");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether `stage` has a device whose stored number is one of `numbers`.
pub async fn number_taken(
    conn: &mut AnyConnection,
    stage: Uuid,
    numbers: &[&str],
) -> Result<bool, StoreError> {
    for number in numbers {
        let sql =
            format!("SELECT COUNT(*) AS n FROM {TABLE} WHERE stage_id = $1 AND phone_number = $2");
        let row = sqlx::query(&sql)
            .bind(stage.to_string())
            .bind((*number).to_string())
            .fetch_one(&mut *conn)
            .await?;
        if int(&row, "n")? > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A device by pk.
pub async fn get(conn: &mut AnyConnection, pk: i64) -> Result<Option<SmsDevice>, StoreError> {
    let sql = format!("SELECT {} FROM {TABLE} WHERE id = $1", columns());
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
) -> Result<Vec<SmsDevice>, StoreError> {
    let select = format!("SELECT {} FROM {TABLE}", columns());
    crate::devices::rows(conn, &select, "", user, confirmed_only, "id ASC")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Stores a freshly sent code and its expiry.
pub async fn set_token(
    conn: &mut AnyConnection,
    pk: i64,
    token: &str,
    valid_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = format!("UPDATE {TABLE} SET token = $1, valid_until = $2, last_t = $3 WHERE id = $4");
    sqlx::query(&sql)
        .bind(token.to_string())
        .bind(ts(valid_until))
        .bind(ts(now))
        .bind(pk)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Uses up the pending code `token` (cleared, `valid_until = now`), resets throttling and sets
/// `last_used` — only while that code is still stored, so two requests racing with the same
/// code cannot both succeed. Returns whether this call won.
pub async fn take_token(
    conn: &mut AnyConnection,
    pk: i64,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let sql = format!(
        "UPDATE {TABLE} SET token = NULL, valid_until = $1, last_t = $1, last_used = $1, \
         throttling_failure_count = 0, throttling_failure_timestamp = NULL \
         WHERE id = $2 AND token = $3"
    );
    let done = sqlx::query(&sql)
        .bind(ts(now))
        .bind(pk)
        .bind(token.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
