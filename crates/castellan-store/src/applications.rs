//! Applications.
use castellan_core::application::{Application, PolicyEngineMode};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{boolean, opt_int, text, uuid};
use crate::list::{ListQuery, Page, Param};

const COLUMNS: &str = "pbm_uuid, name, slug, app_group, provider, meta_launch_url, meta_icon, \
                       meta_description, meta_publisher, open_in_new_tab, policy_engine_mode";

fn from_row(row: &AnyRow) -> Result<Application, StoreError> {
    let mode = text(row, "policy_engine_mode")?;
    Ok(Application {
        pk: uuid(row, "pbm_uuid")?,
        name: text(row, "name")?,
        slug: text(row, "slug")?,
        group: text(row, "app_group")?,
        provider: opt_int(row, "provider")?,
        meta_launch_url: text(row, "meta_launch_url")?,
        meta_icon: text(row, "meta_icon")?,
        meta_description: text(row, "meta_description")?,
        meta_publisher: text(row, "meta_publisher")?,
        open_in_new_tab: boolean(row, "open_in_new_tab")?,
        policy_engine_mode: PolicyEngineMode::parse(&mode)
            .ok_or_else(|| StoreError::Corrupt(format!("policy_engine_mode: {mode}")))?,
    })
}

/// Inserts an application.
pub async fn create(conn: &mut AnyConnection, a: &Application) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO core_application (pbm_uuid, name, slug, app_group, provider, meta_launch_url, meta_icon, \
         meta_description, meta_publisher, open_in_new_tab, policy_engine_mode) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(a.pk.to_string())
    .bind(a.name.clone())
    .bind(a.slug.clone())
    .bind(a.group.clone())
    .bind(a.provider)
    .bind(a.meta_launch_url.clone())
    .bind(a.meta_icon.clone())
    .bind(a.meta_description.clone())
    .bind(a.meta_publisher.clone())
    .bind(a.open_in_new_tab)
    .bind(a.policy_engine_mode.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes every mutable field.
pub async fn update(conn: &mut AnyConnection, a: &Application) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE core_application SET name = $1, slug = $2, app_group = $3, provider = $4, meta_launch_url = $5, \
         meta_icon = $6, meta_description = $7, meta_publisher = $8, open_in_new_tab = $9, \
         policy_engine_mode = $10 WHERE pbm_uuid = $11",
    )
    .bind(a.name.clone())
    .bind(a.slug.clone())
    .bind(a.group.clone())
    .bind(a.provider)
    .bind(a.meta_launch_url.clone())
    .bind(a.meta_icon.clone())
    .bind(a.meta_description.clone())
    .bind(a.meta_publisher.clone())
    .bind(a.open_in_new_tab)
    .bind(a.policy_engine_mode.as_str())
    .bind(a.pk.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes an application and the policy bindings targeting it.
pub async fn delete(conn: &mut AnyConnection, pk: Uuid) -> Result<bool, StoreError> {
    crate::policy_bindings::delete_for_targets(conn, &[pk]).await?;
    let done = sqlx::query("DELETE FROM core_application WHERE pbm_uuid = $1")
        .bind(pk.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Loads by slug.
pub async fn get_by_slug(
    conn: &mut AnyConnection,
    slug: &str,
) -> Result<Option<Application>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM core_application WHERE slug = $1");
    sqlx::query(&sql)
        .bind(slug.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Loads by primary key.
pub async fn get(conn: &mut AnyConnection, pk: Uuid) -> Result<Option<Application>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM core_application WHERE pbm_uuid = $1");
    sqlx::query(&sql)
        .bind(pk.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Loads the applications with these primary keys.
pub async fn get_many(
    conn: &mut AnyConnection,
    pks: &[Uuid],
) -> Result<Vec<Application>, StoreError> {
    let mut q = ListQuery::new("name");
    q.any_of(
        "pbm_uuid",
        pks.iter().map(|p| Param::Text(p.to_string())).collect(),
    );
    q.fetch_all(conn, COLUMNS, "core_application")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The application a provider is assigned to.
pub async fn by_provider(
    conn: &mut AnyConnection,
    providers: &[i64],
) -> Result<Vec<Application>, StoreError> {
    let mut q = ListQuery::new("name");
    q.any_of(
        "provider",
        providers.iter().map(|p| Param::Int(*p)).collect(),
    );
    q.fetch_all(conn, COLUMNS, "core_application")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Filters of `GET /core/applications/`.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    /// Exact name.
    pub name: Option<String>,
    /// Exact slug.
    pub slug: Option<String>,
    /// Exact group label.
    pub group: Option<String>,
    /// Exact launch URL.
    pub meta_launch_url: Option<String>,
    /// Exact description.
    pub meta_description: Option<String>,
    /// Exact publisher.
    pub meta_publisher: Option<String>,
    /// Only applications with a non-empty `meta_launch_url` or a provider.
    pub only_with_launch_url: bool,
    /// Search text.
    pub search: Option<String>,
    /// ORDER BY.
    pub order_by: Option<String>,
}

/// Orderings the API accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "name ASC",
        "-name" => "name DESC",
        "slug" => "slug ASC",
        "-slug" => "slug DESC",
        "group" => "app_group ASC, name ASC",
        "-group" => "app_group DESC, name ASC",
        _ => return None,
    })
}

/// Lists applications.
pub async fn list(
    conn: &mut AnyConnection,
    f: &ApplicationFilter,
    page: Page,
) -> Result<(Vec<Application>, i64), StoreError> {
    let mut q = ListQuery::new(f.order_by.as_deref().unwrap_or("name ASC"));
    for (col, v) in [
        ("name", &f.name),
        ("slug", &f.slug),
        ("app_group", &f.group),
        ("meta_launch_url", &f.meta_launch_url),
        ("meta_description", &f.meta_description),
        ("meta_publisher", &f.meta_publisher),
    ] {
        if let Some(v) = v {
            q.eq(col, Param::Text(v.clone()));
        }
    }
    if f.only_with_launch_url {
        q.raw(
            "(meta_launch_url <> {} OR provider IS NOT NULL)",
            Param::Text(String::new()),
        );
    }
    if let Some(s) = &f.search {
        q.search(
            &[
                "name",
                "slug",
                "meta_launch_url",
                "meta_description",
                "meta_publisher",
                "app_group",
            ],
            s,
        );
    }
    let (rows, count) = q.fetch(conn, COLUMNS, "core_application", page).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}

/// Whether another application than `except` uses `slug`.
pub async fn slug_taken(
    conn: &mut AnyConnection,
    slug: &str,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM core_application WHERE slug = $1 AND pbm_uuid <> $2",
    )
    .bind(slug.to_string())
    .bind(except.map(|e| e.to_string()).unwrap_or_default())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Whether another application than `except` uses `provider`.
pub async fn provider_taken(
    conn: &mut AnyConnection,
    provider: i64,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM core_application WHERE provider = $1 AND pbm_uuid <> $2",
    )
    .bind(provider)
    .bind(except.map(|e| e.to_string()).unwrap_or_default())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Orderings the API accepts: [`ordering`]'s plus the meta fields.
pub fn ordering_all(field: &str) -> Option<&'static str> {
    ordering(field).or_else(|| {
        Some(match field {
            "meta_publisher" => "meta_publisher ASC, name ASC",
            "-meta_publisher" => "meta_publisher DESC, name ASC",
            "meta_description" => "meta_description ASC, name ASC",
            "-meta_description" => "meta_description DESC, name ASC",
            "meta_launch_url" => "meta_launch_url ASC, name ASC",
            "-meta_launch_url" => "meta_launch_url DESC, name ASC",
            "open_in_new_tab" => "open_in_new_tab ASC, name ASC",
            "-open_in_new_tab" => "open_in_new_tab DESC, name ASC",
            "policy_engine_mode" => "policy_engine_mode ASC, name ASC",
            "-policy_engine_mode" => "policy_engine_mode DESC, name ASC",
            _ => return None,
        })
    })
}
