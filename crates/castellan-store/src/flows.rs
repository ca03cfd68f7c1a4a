//! The flow identities brands and providers reference (the flow engine adds the rest).
use castellan_core::flow::FlowRef;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{text, uuid};
use crate::list::{ListQuery, Param};

fn from_row(row: &AnyRow) -> Result<FlowRef, StoreError> {
    Ok(FlowRef {
        flow_uuid: uuid(row, "flow_uuid")?,
        slug: text(row, "slug")?,
        name: text(row, "name")?,
        title: text(row, "title")?,
        designation: text(row, "designation")?,
    })
}

/// Inserts a flow.
pub async fn create(conn: &mut AnyConnection, flow: &FlowRef) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO flows_flow (flow_uuid, name, slug, title, designation) VALUES ($1, $2, $3, $4, $5)")
        .bind(flow.flow_uuid.to_string())
        .bind(flow.name.clone())
        .bind(flow.slug.clone())
        .bind(flow.title.clone())
        .bind(flow.designation.clone())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Loads flows by id.
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
    .map(from_row)
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
