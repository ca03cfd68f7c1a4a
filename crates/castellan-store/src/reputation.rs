//! Reputation scores (spec §6.3.3): per (identifier, client IP), lowered by failed logins and
//! failed identifications, raised by successful logins.
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::ts;

/// GeoIP and ASN data of a client IP, stored with its reputation rows (`{}` when unknown).
#[derive(Debug, Clone, Copy)]
pub struct IpData<'a> {
    /// `ip_geo_data`.
    pub geo: &'a serde_json::Value,
    /// `ip_asn_data`.
    pub asn: &'a serde_json::Value,
}

/// Adds `delta` to the score of (`identifier`, `ip`), creating the row at `delta`; the IP's
/// GeoIP/ASN data is (re)written each time, as authentik's reputation update does.
pub async fn update_score(
    conn: &mut AnyConnection,
    identifier: &str,
    ip: &str,
    ip_data: IpData<'_>,
    delta: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use crate::codec::to_json;
    sqlx::query(
        "INSERT INTO policies_reputation (reputation_uuid, identifier, ip, ip_geo_data, ip_asn_data, score, updated) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (identifier, ip) DO UPDATE SET score = policies_reputation.score + excluded.score, \
         ip_geo_data = excluded.ip_geo_data, ip_asn_data = excluded.ip_asn_data, updated = excluded.updated",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(identifier.to_string())
    .bind(ip.to_string())
    .bind(to_json(ip_data.geo))
    .bind(to_json(ip_data.asn))
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

/// A reputation row as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reputation {
    /// `reputation_uuid`.
    pub pk: Uuid,
    /// Username or identifier typed.
    pub identifier: String,
    /// Client IP.
    pub ip: String,
    /// GeoIP data of the IP (JSON).
    pub ip_geo_data: serde_json::Value,
    /// ASN data of the IP (JSON).
    pub ip_asn_data: serde_json::Value,
    /// Score.
    pub score: i64,
    /// Last change.
    pub updated: DateTime<Utc>,
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<Reputation, StoreError> {
    use crate::codec::{int, json, text, time, uuid};
    Ok(Reputation {
        pk: uuid(row, "reputation_uuid")?,
        identifier: text(row, "identifier")?,
        ip: text(row, "ip")?,
        ip_geo_data: json(row, "ip_geo_data")?,
        ip_asn_data: json(row, "ip_asn_data")?,
        score: int(row, "score")?,
        updated: time(row, "updated")?,
    })
}

const COLUMNS: &str = "reputation_uuid, identifier, ip, ip_geo_data, ip_asn_data, score, updated";

/// Filters of `GET /policies/reputation/scores/`.
#[derive(Debug, Clone, Default)]
pub struct ReputationFilter {
    /// Exact identifier.
    pub identifier: Option<String>,
    /// Any of these identifiers.
    pub identifier_in: Option<Vec<String>>,
    /// Exact IP.
    pub ip: Option<String>,
    /// Exact score.
    pub score: Option<i64>,
    /// Search over identifier, IP and score.
    pub search: Option<String>,
    /// ORDER BY (from [`ordering`]).
    pub order_by: Option<String>,
}

/// Orderings the list accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "identifier" => "identifier ASC, reputation_uuid ASC",
        "-identifier" => "identifier DESC, reputation_uuid ASC",
        "ip" => "ip ASC, reputation_uuid ASC",
        "-ip" => "ip DESC, reputation_uuid ASC",
        "score" => "score ASC, reputation_uuid ASC",
        "-score" => "score DESC, reputation_uuid ASC",
        "updated" => "updated ASC, reputation_uuid ASC",
        "-updated" => "updated DESC, reputation_uuid ASC",
        _ => return None,
    })
}

/// Lists reputation rows (default order: identifier).
pub async fn list(
    conn: &mut AnyConnection,
    f: &ReputationFilter,
    page: crate::Page,
) -> Result<(Vec<Reputation>, i64), StoreError> {
    use crate::list::{ListQuery, Param};
    let mut q = ListQuery::new(
        f.order_by
            .as_deref()
            .unwrap_or("identifier ASC, reputation_uuid ASC"),
    );
    if let Some(v) = &f.identifier {
        q.eq("identifier", Param::Text(v.clone()));
    }
    if let Some(list) = &f.identifier_in {
        q.any_of(
            "identifier",
            list.iter().map(|v| Param::Text(v.clone())).collect(),
        );
    }
    if let Some(v) = &f.ip {
        q.eq("ip", Param::Text(v.clone()));
    }
    if let Some(v) = f.score {
        q.eq("score", Param::Int(v));
    }
    if let Some(s) = &f.search {
        q.search(&["identifier", "ip"], s);
    }
    let (rows, count) = q.fetch(conn, COLUMNS, "policies_reputation", page).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}

/// One row by pk.
pub async fn get(conn: &mut AnyConnection, pk: Uuid) -> Result<Option<Reputation>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM policies_reputation WHERE reputation_uuid = $1");
    sqlx::query(&sql)
        .bind(pk.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Deletes one row.
pub async fn delete(conn: &mut AnyConnection, pk: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM policies_reputation WHERE reputation_uuid = $1")
        .bind(pk.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
