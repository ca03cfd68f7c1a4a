//! Certificate-key pairs.
use castellan_core::certificate::CertificateKeyPair;
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{opt_text, opt_time, opt_ts, text, ts, uuid};
use crate::list::{ListQuery, Page, Param};

const COLUMNS: &str = "kp_uuid, name, certificate_data, key_data, managed, fingerprint_sha256, \
                       fingerprint_sha1, cert_expiry, cert_subject, private_key_type";

fn from_row(row: &AnyRow) -> Result<CertificateKeyPair, StoreError> {
    Ok(CertificateKeyPair {
        kp_uuid: uuid(row, "kp_uuid")?,
        name: text(row, "name")?,
        certificate_data: text(row, "certificate_data")?,
        key_data: text(row, "key_data")?,
        managed: opt_text(row, "managed")?,
        fingerprint_sha256: opt_text(row, "fingerprint_sha256")?,
        fingerprint_sha1: opt_text(row, "fingerprint_sha1")?,
        cert_expiry: opt_time(row, "cert_expiry")?,
        cert_subject: opt_text(row, "cert_subject")?,
        private_key_type: opt_text(row, "private_key_type")?,
    })
}

/// Inserts or updates a pair (by `kp_uuid`).
pub async fn save(
    conn: &mut AnyConnection,
    kp: &CertificateKeyPair,
    insert: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = if insert {
        "INSERT INTO crypto_certificatekeypair (name, certificate_data, key_data, managed, fingerprint_sha256, \
         fingerprint_sha1, cert_expiry, cert_subject, private_key_type, last_updated, created, kp_uuid) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)"
    } else {
        "UPDATE crypto_certificatekeypair SET name = $1, certificate_data = $2, key_data = $3, managed = $4, \
         fingerprint_sha256 = $5, fingerprint_sha1 = $6, cert_expiry = $7, cert_subject = $8, \
         private_key_type = $9, last_updated = $10 WHERE kp_uuid = $11"
    };
    sqlx::query(sql)
        .bind(kp.name.clone())
        .bind(kp.certificate_data.clone())
        .bind(kp.key_data.clone())
        .bind(kp.managed.clone())
        .bind(kp.fingerprint_sha256.clone())
        .bind(kp.fingerprint_sha1.clone())
        .bind(opt_ts(kp.cert_expiry))
        .bind(kp.cert_subject.clone())
        .bind(kp.private_key_type.clone())
        .bind(ts(now))
        .bind(kp.kp_uuid.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Loads a pair.
pub async fn get(
    conn: &mut AnyConnection,
    pk: Uuid,
) -> Result<Option<CertificateKeyPair>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM crypto_certificatekeypair WHERE kp_uuid = $1");
    sqlx::query(&sql)
        .bind(pk.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Loads a pair by name.
pub async fn get_by_name(
    conn: &mut AnyConnection,
    name: &str,
) -> Result<Option<CertificateKeyPair>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM crypto_certificatekeypair WHERE name = $1");
    sqlx::query(&sql)
        .bind(name.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Deletes a pair.
pub async fn delete(conn: &mut AnyConnection, pk: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM crypto_certificatekeypair WHERE kp_uuid = $1")
        .bind(pk.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Filters of `GET /crypto/certificatekeypairs/`.
#[derive(Debug, Clone, Default)]
pub struct CertificateFilter {
    /// Exact name.
    pub name: Option<String>,
    /// Only pairs with a private key.
    pub has_key: Option<bool>,
    /// Managed key.
    pub managed: Option<String>,
    /// Hide managed pairs whose managed key is this (the internal JWT pair).
    pub hide_managed: Vec<String>,
    /// Search.
    pub search: Option<String>,
    /// ORDER BY.
    pub order_by: Option<String>,
}

/// Orderings the API accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "name ASC",
        "-name" => "name DESC",
        "expiry" => "cert_expiry ASC, name ASC",
        "-expiry" => "cert_expiry DESC, name ASC",
        _ => return None,
    })
}

/// Lists pairs.
pub async fn list(
    conn: &mut AnyConnection,
    f: &CertificateFilter,
    page: Page,
) -> Result<(Vec<CertificateKeyPair>, i64), StoreError> {
    let mut q = ListQuery::new(f.order_by.as_deref().unwrap_or("name ASC"));
    if let Some(v) = &f.name {
        q.eq("name", Param::Text(v.clone()));
    }
    match f.has_key {
        Some(true) => {
            q.raw("key_data <> {}", Param::Text(String::new()));
        }
        Some(false) => {
            q.eq("key_data", Param::Text(String::new()));
        }
        None => {}
    }
    if let Some(v) = &f.managed {
        q.eq("managed", Param::Text(v.clone()));
    }
    for m in &f.hide_managed {
        q.raw("(managed IS NULL OR managed <> {})", Param::Text(m.clone()));
    }
    if let Some(s) = &f.search {
        q.search(&["name"], s);
    }
    let (rows, count) = q
        .fetch(conn, COLUMNS, "crypto_certificatekeypair", page)
        .await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}

/// Whether `name` is used by another pair than `except`.
pub async fn name_taken(
    conn: &mut AnyConnection,
    name: &str,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM crypto_certificatekeypair WHERE name = $1 AND kp_uuid <> $2",
    )
    .bind(name.to_string())
    .bind(except.map(|e| e.to_string()).unwrap_or_default())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// A brand that serves a pair as its web certificate: `(brand_uuid, domain, is_default)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandUsage {
    /// Brand id.
    pub brand_uuid: Uuid,
    /// Brand domain.
    pub domain: String,
    /// Whether it is the default brand.
    pub default: bool,
}

/// Brands using the pair as `web_certificate` (what `used_by` reports), ordered by domain.
pub async fn used_by_brands(
    conn: &mut AnyConnection,
    pk: Uuid,
) -> Result<Vec<BrandUsage>, StoreError> {
    let rows = sqlx::query(
        "SELECT brand_uuid, domain, is_default FROM core_brand WHERE web_certificate = $1 \
         ORDER BY domain ASC",
    )
    .bind(pk.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(BrandUsage {
                brand_uuid: uuid(r, "brand_uuid")?,
                domain: text(r, "domain")?,
                default: crate::codec::boolean(r, "is_default")?,
            })
        })
        .collect()
}
