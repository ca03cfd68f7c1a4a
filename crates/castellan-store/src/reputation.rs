//! Reputation scores (spec §6.3.3): per (identifier, client IP), lowered by failed logins and
//! failed identifications, raised by successful logins.
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::ts;

/// Adds `delta` to the score of (`identifier`, `ip`), creating the row at `delta`.
pub async fn update_score(
    conn: &mut AnyConnection,
    identifier: &str,
    ip: &str,
    delta: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO policies_reputation (reputation_uuid, identifier, ip, score, updated) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (identifier, ip) DO UPDATE SET score = policies_reputation.score + excluded.score, \
         updated = excluded.updated",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(identifier.to_string())
    .bind(ip.to_string())
    .bind(delta)
    .bind(ts(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The sum of the scores of rows matching `ip` or `identifier` (either may be `None` to skip
/// that check, as the policy's `check_ip` / `check_username`).
pub async fn score(
    conn: &mut AnyConnection,
    ip: Option<&str>,
    identifier: Option<&str>,
) -> Result<i64, StoreError> {
    if ip.is_none() && identifier.is_none() {
        return Ok(0);
    }
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(score), 0) AS BIGINT) AS total FROM policies_reputation \
         WHERE ($1 = 1 AND ip = $2) OR ($3 = 1 AND identifier = $4)",
    )
    .bind(i64::from(ip.is_some()))
    .bind(ip.unwrap_or_default().to_string())
    .bind(i64::from(identifier.is_some()))
    .bind(identifier.unwrap_or_default().to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("total")?)
}
