//! Flows (spec §3.1): the full model for the API and the planner, and the [`FlowRef`] identities
//! brands and providers reference.
use castellan_core::application::PolicyEngineMode;
use castellan_core::flow::{
    DeniedAction, Flow, FlowAuthentication, FlowDesignation, FlowLayout, FlowRef,
};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{boolean, text, uuid};
use crate::list::{ListQuery, Page, Param};

/// Columns of a full flow row.
pub const COLUMNS: &str = "flow_uuid, pbm_uuid, name, slug, title, designation, background, layout, \
                           denied_action, authentication, policy_engine_mode, compatibility_mode";

fn ref_from_row(row: &AnyRow) -> Result<FlowRef, StoreError> {
    Ok(FlowRef {
        flow_uuid: uuid(row, "flow_uuid")?,
        slug: text(row, "slug")?,
        name: text(row, "name")?,
        title: text(row, "title")?,
        designation: text(row, "designation")?,
    })
}

fn parsed<T>(row: &AnyRow, col: &str, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    let raw = text(row, col)?;
    parse(&raw).ok_or_else(|| StoreError::Corrupt(format!("{col}: {raw}")))
}

/// Decodes a full flow row (also used by joined queries).
pub fn from_row(row: &AnyRow) -> Result<Flow, StoreError> {
    Ok(Flow {
        pk: uuid(row, "flow_uuid")?,
        pbm_uuid: uuid(row, "pbm_uuid")?,
        name: text(row, "name")?,
        slug: text(row, "slug")?,
        title: text(row, "title")?,
        designation: parsed(row, "designation", FlowDesignation::parse)?,
        background: text(row, "background")?,
        layout: parsed(row, "layout", FlowLayout::parse)?,
        denied_action: parsed(row, "denied_action", DeniedAction::parse)?,
        authentication: parsed(row, "authentication", FlowAuthentication::parse)?,
        policy_engine_mode: parsed(row, "policy_engine_mode", PolicyEngineMode::parse)?,
        compatibility_mode: boolean(row, "compatibility_mode")?,
    })
}

/// Inserts a flow given by its identity (authentik's defaults for the rest; `pbm_uuid` =
/// `flow_uuid`).
pub async fn create(conn: &mut AnyConnection, flow: &FlowRef) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO flows_flow (flow_uuid, pbm_uuid, name, slug, title, designation) VALUES ($1, $1, $2, $3, $4, $5)")
        .bind(flow.flow_uuid.to_string())
        .bind(flow.name.clone())
        .bind(flow.slug.clone())
        .bind(flow.title.clone())
        .bind(flow.designation.clone())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Inserts a full flow.
pub async fn insert(conn: &mut AnyConnection, f: &Flow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO flows_flow (flow_uuid, pbm_uuid, name, slug, title, designation, background, layout, \
         denied_action, authentication, policy_engine_mode, compatibility_mode) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(f.pk.to_string())
    .bind(f.pbm_uuid.to_string())
    .bind(f.name.clone())
    .bind(f.slug.clone())
    .bind(f.title.clone())
    .bind(f.designation.as_str())
    .bind(f.background.clone())
    .bind(f.layout.as_str())
    .bind(f.denied_action.as_str())
    .bind(f.authentication.as_str())
    .bind(f.policy_engine_mode.as_str())
    .bind(f.compatibility_mode)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes every mutable field.
pub async fn update(conn: &mut AnyConnection, f: &Flow) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE flows_flow SET name = $1, slug = $2, title = $3, designation = $4, background = $5, \
         layout = $6, denied_action = $7, authentication = $8, policy_engine_mode = $9, \
         compatibility_mode = $10 WHERE flow_uuid = $11",
    )
    .bind(f.name.clone())
    .bind(f.slug.clone())
    .bind(f.title.clone())
    .bind(f.designation.as_str())
    .bind(f.background.clone())
    .bind(f.layout.as_str())
    .bind(f.denied_action.as_str())
    .bind(f.authentication.as_str())
    .bind(f.policy_engine_mode.as_str())
    .bind(f.compatibility_mode)
    .bind(f.pk.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes a flow with its stage bindings, the policy bindings of the flow and of its stage
/// bindings, and clears references to it in stage and object settings.
pub async fn delete(conn: &mut AnyConnection, flow: &Flow) -> Result<bool, StoreError> {
    let mut targets: Vec<Uuid> = crate::flow_bindings::pbm_uuids_of_flow(conn, flow.pk).await?;
    targets.push(flow.pbm_uuid);
    crate::policy_bindings::delete_for_targets(conn, &targets).await?;
    let done = sqlx::query("DELETE FROM flows_flow WHERE flow_uuid = $1")
        .bind(flow.pk.to_string())
        .execute(&mut *conn)
        .await?;
    crate::refs::scrub(conn, flow.pk).await?;
    Ok(done.rows_affected() > 0)
}

async fn one(
    conn: &mut AnyConnection,
    column: &str,
    value: String,
) -> Result<Option<Flow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM flows_flow WHERE {column} = $1");
    sqlx::query(&sql)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Loads by primary key.
pub async fn get(conn: &mut AnyConnection, pk: Uuid) -> Result<Option<Flow>, StoreError> {
    one(conn, "flow_uuid", pk.to_string()).await
}

/// Loads by slug (the login hot path).
pub async fn get_by_slug(conn: &mut AnyConnection, slug: &str) -> Result<Option<Flow>, StoreError> {
    one(conn, "slug", slug.to_string()).await
}

/// The first flow (by slug) with `designation`.
pub async fn first_by_designation(
    conn: &mut AnyConnection,
    designation: &str,
) -> Result<Option<Flow>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM flows_flow WHERE designation = $1 ORDER BY slug LIMIT 1");
    sqlx::query(&sql)
        .bind(designation.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Loads full flows by id, ordered by slug.
pub async fn get_full(conn: &mut AnyConnection, ids: &[Uuid]) -> Result<Vec<Flow>, StoreError> {
    let mut q = ListQuery::new("slug");
    q.any_of(
        "flow_uuid",
        ids.iter().map(|i| Param::Text(i.to_string())).collect(),
    );
    q.fetch_all(conn, COLUMNS, "flows_flow")
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Loads flow identities by id.
pub async fn get_many(conn: &mut AnyConnection, ids: &[Uuid]) -> Result<Vec<FlowRef>, StoreError> {
    let mut q = ListQuery::new("slug");
    q.any_of(
        "flow_uuid",
        ids.iter().map(|i| Param::Text(i.to_string())).collect(),
    );
    q.fetch_all(
        conn,
        "flow_uuid, name, slug, title, designation",
        "flows_flow",
    )
    .await?
    .iter()
    .map(ref_from_row)
    .collect()
}

/// Which of `ids` exist.
pub async fn existing(conn: &mut AnyConnection, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
    Ok(get_many(conn, ids)
        .await?
        .into_iter()
        .map(|f| f.flow_uuid)
        .collect())
}

/// Filters of `GET /flows/instances/`.
#[derive(Debug, Clone, Default)]
pub struct FlowFilter {
    /// Exact designation.
    pub designation: Option<String>,
    /// Exact denied action.
    pub denied_action: Option<String>,
    /// Exact primary key.
    pub flow_uuid: Option<Uuid>,
    /// Exact name.
    pub name: Option<String>,
    /// Exact slug.
    pub slug: Option<String>,
    /// Search text (name, slug, designation, title).
    pub search: Option<String>,
    /// ORDER BY.
    pub order_by: Option<String>,
}

/// Orderings the API accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "slug" => "slug ASC",
        "-slug" => "slug DESC",
        "title" => "title ASC, slug ASC",
        "-title" => "title DESC, slug ASC",
        "name" => "name ASC, slug ASC",
        "-name" => "name DESC, slug ASC",
        "designation" => "designation ASC, slug ASC",
        "-designation" => "designation DESC, slug ASC",
        _ => return None,
    })
}

/// Lists flows.
pub async fn list(
    conn: &mut AnyConnection,
    f: &FlowFilter,
    page: Page,
) -> Result<(Vec<Flow>, i64), StoreError> {
    let mut q = ListQuery::new(f.order_by.as_deref().unwrap_or("slug ASC"));
    for (col, v) in [
        ("designation", &f.designation),
        ("denied_action", &f.denied_action),
        ("name", &f.name),
        ("slug", &f.slug),
    ] {
        if let Some(v) = v {
            q.eq(col, Param::Text(v.clone()));
        }
    }
    if let Some(pk) = f.flow_uuid {
        q.eq("flow_uuid", Param::Text(pk.to_string()));
    }
    if let Some(s) = &f.search {
        q.search(&["name", "slug", "designation", "title"], s);
    }
    let (rows, count) = q.fetch(conn, COLUMNS, "flows_flow", page).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}

/// Whether another flow than `except` uses `slug`.
pub async fn slug_taken(
    conn: &mut AnyConnection,
    slug: &str,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    use sqlx::Row;
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM flows_flow WHERE slug = $1 AND flow_uuid <> $2")
            .bind(slug.to_string())
            .bind(except.map(|e| e.to_string()).unwrap_or_default())
            .fetch_one(&mut *conn)
            .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}
