//! What every MFA device table shares (spec §5.1): the common columns, throttling columns, and
//! the renames, deletes, success and failure records that are the same for each class.
use castellan_core::mfa::{DeviceCommon, Throttle};
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreError;
use crate::codec::{boolean, int, opt_time, text, time, ts};

/// The TOTP device table.
pub const TOTP_TABLE: &str = "authentik_stages_authenticator_totp_totpdevice";
/// The static device table.
pub const STATIC_TABLE: &str = "authentik_stages_authenticator_static_staticdevice";

/// The common columns, in the order [`common_from_row`] reads them.
pub const COMMON_COLUMNS: &str = "id, user_id, name, confirmed, created, last_updated, last_used, \
     throttling_failure_count, throttling_failure_timestamp";

/// Reads the common columns.
pub fn common_from_row(row: &AnyRow) -> Result<DeviceCommon, StoreError> {
    Ok(DeviceCommon {
        pk: int(row, "id")?,
        user: int(row, "user_id")?,
        name: text(row, "name")?,
        confirmed: boolean(row, "confirmed")?,
        created: time(row, "created")?,
        last_updated: time(row, "last_updated")?,
        last_used: opt_time(row, "last_used")?,
    })
}

/// Reads the throttling columns.
pub fn throttle_from_row(row: &AnyRow) -> Result<Throttle, StoreError> {
    Ok(Throttle {
        failure_count: int(row, "throttling_failure_count")?,
        failure_timestamp: opt_time(row, "throttling_failure_timestamp")?,
    })
}

/// Renames a device of `table`; `false` when it does not exist.
pub async fn rename(
    conn: &mut AnyConnection,
    table: &'static str,
    pk: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let sql = format!("UPDATE {table} SET name = $1, last_updated = $2 WHERE id = $3");
    let done = sqlx::query(&sql)
        .bind(name.to_string())
        .bind(ts(now))
        .bind(pk)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes a device of `table`; `false` when it did not exist.
pub async fn delete(
    conn: &mut AnyConnection,
    table: &'static str,
    pk: i64,
) -> Result<bool, StoreError> {
    let sql = format!("DELETE FROM {table} WHERE id = $1");
    let done = sqlx::query(&sql).bind(pk).execute(&mut *conn).await?;
    Ok(done.rows_affected() > 0)
}

/// Claims one verification attempt: counts it as a failure in advance (one more failure,
/// stamped `now`) if the failure count is still `seen`; `false` when a concurrent attempt
/// claimed the device first. A success resets the count ([`record_success`]), so parallel
/// guesses cannot all slip past the throttle.
pub async fn claim_attempt(
    conn: &mut AnyConnection,
    table: &'static str,
    pk: i64,
    seen: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let sql = format!(
        "UPDATE {table} SET throttling_failure_count = throttling_failure_count + 1, \
         throttling_failure_timestamp = $1 WHERE id = $2 AND throttling_failure_count = $3"
    );
    let done = sqlx::query(&sql)
        .bind(ts(now))
        .bind(pk)
        .bind(seen)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a successful validation: throttling reset, `last_used = now`.
pub async fn record_success(
    conn: &mut AnyConnection,
    table: &'static str,
    pk: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = format!(
        "UPDATE {table} SET throttling_failure_count = 0, throttling_failure_timestamp = NULL, \
         last_used = $1 WHERE id = $2"
    );
    sqlx::query(&sql)
        .bind(ts(now))
        .bind(pk)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether `user` has a confirmed device in `table`.
pub async fn exists_for(
    conn: &mut AnyConnection,
    table: &'static str,
    user: i64,
) -> Result<bool, StoreError> {
    let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE user_id = $1 AND confirmed");
    let row = sqlx::query(&sql).bind(user).fetch_one(&mut *conn).await?;
    Ok(int(&row, "n")? > 0)
}

/// The rows of `select` (a `SELECT … FROM <table> [alias]` without `WHERE`) for one user's
/// devices or everyone's, optionally only confirmed ones, ordered by `order`; `column` prefixes
/// the filtered columns (`""` or `"d."` with an alias).
pub async fn rows(
    conn: &mut AnyConnection,
    select: &str,
    column: &str,
    user: Option<i64>,
    confirmed_only: bool,
    order: &str,
) -> Result<Vec<AnyRow>, StoreError> {
    let mut sql = format!("{select} WHERE 1 = 1");
    if user.is_some() {
        sql.push_str(&format!(" AND {column}user_id = $1"));
    }
    if confirmed_only {
        sql.push_str(&format!(" AND {column}confirmed"));
    }
    sql.push_str(&format!(" ORDER BY {order}"));
    let mut q = sqlx::query(&sql);
    if let Some(u) = user {
        q = q.bind(u);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}
