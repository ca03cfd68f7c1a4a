//! Brands.
use castellan_core::brand::Brand;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{boolean, json, opt_uuid, text, to_json, uuid};
use crate::list::{ListQuery, Page, Param};

const COLUMNS: &str = "brand_uuid, domain, is_default, branding_title, branding_logo, branding_favicon, \
     flow_authentication, flow_invalidation, flow_recovery, flow_unenrollment, flow_user_settings, \
     flow_device_code, default_application, web_certificate, attributes";

fn from_row(row: &AnyRow) -> Result<Brand, StoreError> {
    Ok(Brand {
        brand_uuid: uuid(row, "brand_uuid")?,
        domain: text(row, "domain")?,
        default: boolean(row, "is_default")?,
        branding_title: text(row, "branding_title")?,
        branding_logo: text(row, "branding_logo")?,
        branding_favicon: text(row, "branding_favicon")?,
        flow_authentication: opt_uuid(row, "flow_authentication")?,
        flow_invalidation: opt_uuid(row, "flow_invalidation")?,
        flow_recovery: opt_uuid(row, "flow_recovery")?,
        flow_unenrollment: opt_uuid(row, "flow_unenrollment")?,
        flow_user_settings: opt_uuid(row, "flow_user_settings")?,
        flow_device_code: opt_uuid(row, "flow_device_code")?,
        default_application: opt_uuid(row, "default_application")?,
        web_certificate: opt_uuid(row, "web_certificate")?,
        attributes: json(row, "attributes")?,
    })
}

fn s(v: Option<Uuid>) -> Option<String> {
    v.map(|u| u.to_string())
}

/// Inserts or updates (by `brand_uuid`) a brand.
pub async fn save(conn: &mut AnyConnection, b: &Brand, insert: bool) -> Result<(), StoreError> {
    let sql = if insert {
        "INSERT INTO core_brand (domain, is_default, branding_title, branding_logo, branding_favicon, \
         flow_authentication, flow_invalidation, flow_recovery, flow_unenrollment, flow_user_settings, \
         flow_device_code, default_application, web_certificate, attributes, brand_uuid) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    } else {
        "UPDATE core_brand SET domain = $1, is_default = $2, branding_title = $3, branding_logo = $4, \
         branding_favicon = $5, flow_authentication = $6, flow_invalidation = $7, flow_recovery = $8, \
         flow_unenrollment = $9, flow_user_settings = $10, flow_device_code = $11, default_application = $12, \
         web_certificate = $13, attributes = $14 WHERE brand_uuid = $15"
    };
    sqlx::query(sql)
        .bind(b.domain.clone())
        .bind(b.default)
        .bind(b.branding_title.clone())
        .bind(b.branding_logo.clone())
        .bind(b.branding_favicon.clone())
        .bind(s(b.flow_authentication))
        .bind(s(b.flow_invalidation))
        .bind(s(b.flow_recovery))
        .bind(s(b.flow_unenrollment))
        .bind(s(b.flow_user_settings))
        .bind(s(b.flow_device_code))
        .bind(s(b.default_application))
        .bind(s(b.web_certificate))
        .bind(to_json(&b.attributes))
        .bind(b.brand_uuid.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes a brand.
pub async fn delete(conn: &mut AnyConnection, pk: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM core_brand WHERE brand_uuid = $1")
        .bind(pk.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Loads a brand.
pub async fn get(conn: &mut AnyConnection, pk: Uuid) -> Result<Option<Brand>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM core_brand WHERE brand_uuid = $1");
    sqlx::query(&sql)
        .bind(pk.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Every brand (for host matching).
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<Brand>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM core_brand ORDER BY domain");
    sqlx::query(&sql)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Filters of `GET /core/brands/`.
#[derive(Debug, Clone, Default)]
pub struct BrandFilter {
    /// Exact domain.
    pub domain: Option<String>,
    /// Default flag.
    pub default: Option<bool>,
    /// Exact title.
    pub branding_title: Option<String>,
    /// Search text.
    pub search: Option<String>,
    /// ORDER BY.
    pub order_by: Option<String>,
}

/// Orderings the API accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "domain" => "domain ASC",
        "-domain" => "domain DESC",
        "default" => "is_default ASC, domain ASC",
        "-default" => "is_default DESC, domain ASC",
        _ => return None,
    })
}

/// Lists brands.
pub async fn list(
    conn: &mut AnyConnection,
    f: &BrandFilter,
    page: Page,
) -> Result<(Vec<Brand>, i64), StoreError> {
    let mut q = ListQuery::new(f.order_by.as_deref().unwrap_or("domain ASC"));
    if let Some(v) = &f.domain {
        q.eq("domain", Param::Text(v.clone()));
    }
    if let Some(v) = f.default {
        q.eq("is_default", Param::Bool(v));
    }
    if let Some(v) = &f.branding_title {
        q.eq("branding_title", Param::Text(v.clone()));
    }
    if let Some(s) = &f.search {
        q.search(&["domain", "branding_title"], s);
    }
    let (rows, count) = q.fetch(conn, COLUMNS, "core_brand", page).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}

/// Whether another brand than `except` is the default.
pub async fn other_default_exists(
    conn: &mut AnyConnection,
    except: Uuid,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM core_brand WHERE is_default = $1 AND brand_uuid <> $2",
    )
    .bind(true)
    .bind(except.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Whether another brand than `except` uses `domain`.
pub async fn domain_taken(
    conn: &mut AnyConnection,
    domain: &str,
    except: Uuid,
) -> Result<bool, StoreError> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM core_brand WHERE domain = $1 AND brand_uuid <> $2")
            .bind(domain.to_string())
            .bind(except.to_string())
            .fetch_one(&mut *conn)
            .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Columns `list_exact` filters on by exact (text) value, beyond [`BrandFilter`]'s.
pub const EXACT_FILTER_COLUMNS: [&str; 10] = [
    "brand_uuid",
    "branding_logo",
    "branding_favicon",
    "flow_authentication",
    "flow_invalidation",
    "flow_recovery",
    "flow_unenrollment",
    "flow_user_settings",
    "flow_device_code",
    "web_certificate",
];

/// Lists brands like [`list`], with exact matches on some of [`EXACT_FILTER_COLUMNS`]
/// (`(column, value)`; other columns are ignored).
pub async fn list_exact(
    conn: &mut AnyConnection,
    f: &BrandFilter,
    exact: &[(&str, String)],
    page: Page,
) -> Result<(Vec<Brand>, i64), StoreError> {
    let mut q = ListQuery::new(f.order_by.as_deref().unwrap_or("domain ASC"));
    if let Some(v) = &f.domain {
        q.eq("domain", Param::Text(v.clone()));
    }
    if let Some(v) = f.default {
        q.eq("is_default", Param::Bool(v));
    }
    if let Some(v) = &f.branding_title {
        q.eq("branding_title", Param::Text(v.clone()));
    }
    for (column, value) in exact {
        if let Some(col) = EXACT_FILTER_COLUMNS.iter().find(|c| *c == column) {
            q.eq(col, Param::Text(value.clone()));
        }
    }
    if let Some(s) = &f.search {
        q.search(&["domain", "branding_title"], s);
    }
    let (rows, count) = q.fetch(conn, COLUMNS, "core_brand", page).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}

/// Orderings the API accepts: [`ordering`]'s plus the branding fields.
pub fn ordering_all(field: &str) -> Option<&'static str> {
    ordering(field).or_else(|| {
        Some(match field {
            "branding_title" => "branding_title ASC, domain ASC",
            "-branding_title" => "branding_title DESC, domain ASC",
            "brand_uuid" => "brand_uuid ASC",
            "-brand_uuid" => "brand_uuid DESC",
            _ => return None,
        })
    })
}
