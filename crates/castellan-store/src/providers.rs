//! The provider base table (concrete provider types add their own tables).
use castellan_core::provider::{Provider, ProviderType};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{boolean, int, opt_uuid, text};
use crate::list::{ListQuery, Page, Param};

const COLUMNS: &str = "id, name, provider_type, authentication_flow, authorization_flow, \
                       invalidation_flow, backchannel_application, is_backchannel";

fn from_row(row: &AnyRow) -> Result<Provider, StoreError> {
    let kind = text(row, "provider_type")?;
    Ok(Provider {
        pk: int(row, "id")?,
        name: text(row, "name")?,
        provider_type: ProviderType::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("provider_type: {kind}")))?,
        authentication_flow: opt_uuid(row, "authentication_flow")?,
        authorization_flow: opt_uuid(row, "authorization_flow")?,
        invalidation_flow: opt_uuid(row, "invalidation_flow")?,
        backchannel_application: opt_uuid(row, "backchannel_application")?,
        is_backchannel: boolean(row, "is_backchannel")?,
    })
}

fn s(v: Option<Uuid>) -> Option<String> {
    v.map(|u| u.to_string())
}

/// Inserts a provider and returns its primary key.
pub async fn create(conn: &mut AnyConnection, p: &Provider) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO core_provider (name, provider_type, authentication_flow, authorization_flow, \
         invalidation_flow, backchannel_application, is_backchannel) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(p.name.clone())
    .bind(p.provider_type.as_str())
    .bind(s(p.authentication_flow))
    .bind(s(p.authorization_flow))
    .bind(s(p.invalidation_flow))
    .bind(s(p.backchannel_application))
    .bind(p.is_backchannel)
    .fetch_one(&mut *conn)
    .await?;
    int(&row, "id")
}

/// Loads a provider.
pub async fn get(conn: &mut AnyConnection, pk: i64) -> Result<Option<Provider>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM core_provider WHERE id = $1");
    sqlx::query(&sql)
        .bind(pk)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Loads several providers.
pub async fn get_many(conn: &mut AnyConnection, pks: &[i64]) -> Result<Vec<Provider>, StoreError> {
    let mut q = ListQuery::new("id");
    q.any_of("id", pks.iter().map(|p| Param::Int(*p)).collect());
    q.fetch_all(conn, COLUMNS, "core_provider")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Backchannel providers attached to these applications.
pub async fn backchannel_of(
    conn: &mut AnyConnection,
    apps: &[Uuid],
) -> Result<Vec<Provider>, StoreError> {
    let mut q = ListQuery::new("id");
    q.any_of(
        "backchannel_application",
        apps.iter().map(|p| Param::Text(p.to_string())).collect(),
    );
    q.fetch_all(conn, COLUMNS, "core_provider")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Attaches (or detaches with `None`) backchannel providers to an application.
pub async fn set_backchannel_application(
    conn: &mut AnyConnection,
    app: Uuid,
    providers: &[i64],
) -> Result<(), StoreError> {
    sqlx::query("UPDATE core_provider SET backchannel_application = NULL WHERE backchannel_application = $1")
        .bind(app.to_string())
        .execute(&mut *conn)
        .await?;
    for p in providers {
        sqlx::query("UPDATE core_provider SET backchannel_application = $1 WHERE id = $2")
            .bind(app.to_string())
            .bind(*p)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Deletes a provider.
pub async fn delete(conn: &mut AnyConnection, pk: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM core_provider WHERE id = $1")
        .bind(pk)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Filters of `GET /providers/all/`.
#[derive(Debug, Clone, Default)]
pub struct ProviderFilter {
    /// `application__isnull`.
    pub application_isnull: Option<bool>,
    /// `backchannel`.
    pub backchannel: Option<bool>,
    /// Search over name.
    pub search: Option<String>,
    /// ORDER BY.
    pub order_by: Option<String>,
}

/// Orderings the API accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "pk" | "id" => "id ASC",
        "-pk" | "-id" => "id DESC",
        "name" => "name ASC",
        "-name" => "name DESC",
        _ => return None,
    })
}

/// Lists providers.
pub async fn list(
    conn: &mut AnyConnection,
    f: &ProviderFilter,
    page: Page,
) -> Result<(Vec<Provider>, i64), StoreError> {
    let mut q = ListQuery::new(f.order_by.as_deref().unwrap_or("id ASC"));
    match f.application_isnull {
        Some(true) => {
            q.raw("id NOT IN (SELECT provider FROM core_application WHERE provider IS NOT NULL) AND 1 = {}", Param::Int(1));
        }
        Some(false) => {
            q.raw("id IN (SELECT provider FROM core_application WHERE provider IS NOT NULL) AND 1 = {}", Param::Int(1));
        }
        None => {}
    }
    if let Some(b) = f.backchannel {
        q.eq("is_backchannel", Param::Bool(b));
    }
    if let Some(s) = &f.search {
        q.search(&["name"], s);
    }
    let (rows, count) = q.fetch(conn, COLUMNS, "core_provider", page).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}
