//! Static-token devices and their single-use tokens
//! (`authentik_stages_authenticator_static.StaticDevice`, `StaticToken`, spec §5.1).
use castellan_core::mfa::{StaticDevice, StaticToken};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreError;
use crate::codec::{int, opt_ts, text, ts};
use crate::devices::{COMMON_COLUMNS, STATIC_TABLE, common_from_row, throttle_from_row};

const TOKEN_TABLE: &str = "authentik_stages_authenticator_static_statictoken";

fn from_row(row: &AnyRow) -> Result<StaticDevice, StoreError> {
    Ok(StaticDevice {
        common: common_from_row(row)?,
        tokens: vec![],
        throttle: throttle_from_row(row)?,
    })
}

async fn tokens_of(conn: &mut AnyConnection, device: i64) -> Result<Vec<StaticToken>, StoreError> {
    let sql = format!("SELECT id, token FROM {TOKEN_TABLE} WHERE device_id = $1 ORDER BY id ASC");
    let rows = sqlx::query(&sql).bind(device).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(StaticToken {
                pk: int(r, "id")?,
                token: text(r, "token")?,
            })
        })
        .collect()
}

/// Saves a new device with its tokens (the `tokens` field of `d` is ignored); returns its pk.
/// Call inside a transaction so device and tokens appear together.
pub async fn create(
    conn: &mut AnyConnection,
    d: &StaticDevice,
    tokens: &[String],
) -> Result<i64, StoreError> {
    let row = sqlx::query(&format!(
        "INSERT INTO {STATIC_TABLE} (user_id, name, confirmed, created, last_updated, last_used) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    ))
    .bind(d.common.user)
    .bind(d.common.name.clone())
    .bind(d.common.confirmed)
    .bind(ts(d.common.created))
    .bind(ts(d.common.last_updated))
    .bind(opt_ts(d.common.last_used))
    .fetch_one(&mut *conn)
    .await?;
    let pk = int(&row, "id")?;
    let sql = format!("INSERT INTO {TOKEN_TABLE} (device_id, token) VALUES ($1, $2)");
    for token in tokens {
        sqlx::query(&sql)
            .bind(pk)
            .bind(token.clone())
            .execute(&mut *conn)
            .await?;
    }
    Ok(pk)
}

/// A device by pk, with its tokens.
pub async fn get(conn: &mut AnyConnection, pk: i64) -> Result<Option<StaticDevice>, StoreError> {
    let sql = format!("SELECT {COMMON_COLUMNS} FROM {STATIC_TABLE} WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(pk)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut device = from_row(&row)?;
    device.tokens = tokens_of(conn, pk).await?;
    Ok(Some(device))
}

/// Devices with their tokens ordered by pk: of one user or of everyone, optionally only
/// confirmed ones.
pub async fn list(
    conn: &mut AnyConnection,
    user: Option<i64>,
    confirmed_only: bool,
) -> Result<Vec<StaticDevice>, StoreError> {
    let select = format!("SELECT {COMMON_COLUMNS} FROM {STATIC_TABLE}");
    let rows = crate::devices::rows(conn, &select, "", user, confirmed_only, "id ASC").await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut device = from_row(row)?;
        device.tokens = tokens_of(conn, device.common.pk).await?;
        out.push(device);
    }
    Ok(out)
}

/// Uses up a token: deletes it by pk. Only the one call that deleted it gets `true`, so two
/// requests racing with the same token cannot both succeed.
pub async fn take_token(conn: &mut AnyConnection, token_pk: i64) -> Result<bool, StoreError> {
    let sql = format!("DELETE FROM {TOKEN_TABLE} WHERE id = $1");
    let done = sqlx::query(&sql).bind(token_pk).execute(&mut *conn).await?;
    Ok(done.rows_affected() > 0)
}
