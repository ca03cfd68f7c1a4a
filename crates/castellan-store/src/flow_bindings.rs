//! Flow-stage bindings (spec §3.2): a stage's place in a flow.
use castellan_core::application::PolicyEngineMode;
use castellan_core::flow::{Flow, FlowStageBinding, InvalidResponseAction};
use castellan_core::stage::Stage;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{boolean, int, text, uuid};
use crate::list::{ListQuery, Page, Param};

/// Columns of a binding row.
pub const COLUMNS: &str = "fsb_uuid, pbm_uuid, target, stage, \"order\", evaluate_on_plan, \
                           re_evaluate_policies, invalid_response_action, policy_engine_mode";

/// Decodes a binding row.
pub fn from_row(row: &AnyRow) -> Result<FlowStageBinding, StoreError> {
    let action = text(row, "invalid_response_action")?;
    let mode = text(row, "policy_engine_mode")?;
    Ok(FlowStageBinding {
        pk: uuid(row, "fsb_uuid")?,
        pbm_uuid: uuid(row, "pbm_uuid")?,
        target: uuid(row, "target")?,
        stage: uuid(row, "stage")?,
        order: int(row, "order")?,
        evaluate_on_plan: boolean(row, "evaluate_on_plan")?,
        re_evaluate_policies: boolean(row, "re_evaluate_policies")?,
        invalid_response_action: InvalidResponseAction::parse(&action)
            .ok_or_else(|| StoreError::Corrupt(format!("invalid_response_action: {action}")))?,
        policy_engine_mode: PolicyEngineMode::parse(&mode)
            .ok_or_else(|| StoreError::Corrupt(format!("policy_engine_mode: {mode}")))?,
    })
}

/// Inserts a binding.
pub async fn create(conn: &mut AnyConnection, b: &FlowStageBinding) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO flows_flowstagebinding (fsb_uuid, pbm_uuid, target, stage, \"order\", evaluate_on_plan, \
         re_evaluate_policies, invalid_response_action, policy_engine_mode) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(b.pk.to_string())
    .bind(b.pbm_uuid.to_string())
    .bind(b.target.to_string())
    .bind(b.stage.to_string())
    .bind(b.order)
    .bind(b.evaluate_on_plan)
    .bind(b.re_evaluate_policies)
    .bind(b.invalid_response_action.as_str())
    .bind(b.policy_engine_mode.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes every mutable field.
pub async fn update(conn: &mut AnyConnection, b: &FlowStageBinding) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE flows_flowstagebinding SET target = $1, stage = $2, \"order\" = $3, evaluate_on_plan = $4, \
         re_evaluate_policies = $5, invalid_response_action = $6, policy_engine_mode = $7 WHERE fsb_uuid = $8",
    )
    .bind(b.target.to_string())
    .bind(b.stage.to_string())
    .bind(b.order)
    .bind(b.evaluate_on_plan)
    .bind(b.re_evaluate_policies)
    .bind(b.invalid_response_action.as_str())
    .bind(b.policy_engine_mode.as_str())
    .bind(b.pk.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes a binding and the policy bindings targeting it.
pub async fn delete(conn: &mut AnyConnection, b: &FlowStageBinding) -> Result<bool, StoreError> {
    crate::policy_bindings::delete_for_targets(conn, &[b.pbm_uuid]).await?;
    let done = sqlx::query("DELETE FROM flows_flowstagebinding WHERE fsb_uuid = $1")
        .bind(b.pk.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Loads by primary key.
pub async fn get(
    conn: &mut AnyConnection,
    pk: Uuid,
) -> Result<Option<FlowStageBinding>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM flows_flowstagebinding WHERE fsb_uuid = $1");
    sqlx::query(&sql)
        .bind(pk.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A flow's bindings with their stages, by order: one joined query (the login hot path).
pub async fn for_flow(
    conn: &mut AnyConnection,
    flow: Uuid,
) -> Result<Vec<(FlowStageBinding, Stage)>, StoreError> {
    let sql = "SELECT b.fsb_uuid, b.pbm_uuid, b.target, b.stage, b.\"order\", b.evaluate_on_plan, \
               b.re_evaluate_policies, b.invalid_response_action, b.policy_engine_mode, \
               s.stage_uuid, s.name, s.kind, s.config \
               FROM flows_flowstagebinding b JOIN flows_stage s ON s.stage_uuid = b.stage \
               WHERE b.target = $1 ORDER BY b.\"order\", b.fsb_uuid";
    sqlx::query(sql)
        .bind(flow.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((from_row(r)?, crate::stages::from_row(r)?)))
        .collect()
}

/// `(flow, stage)` pairs of the bindings of these flows, by flow then order.
pub async fn stages_of_flows(
    conn: &mut AnyConnection,
    flows: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    let mut q = ListQuery::new("target, \"order\", fsb_uuid");
    q.any_of(
        "target",
        flows.iter().map(|f| Param::Text(f.to_string())).collect(),
    );
    q.fetch_all(conn, "target, stage", "flows_flowstagebinding")
        .await?
        .iter()
        .map(|r| Ok((uuid(r, "target")?, uuid(r, "stage")?)))
        .collect()
}

/// The flows each of these stages is bound to: `(stage, flow)`, flows by slug.
pub async fn flows_of_stages(
    conn: &mut AnyConnection,
    stages: &[Uuid],
) -> Result<Vec<(Uuid, Flow)>, StoreError> {
    let mut q = ListQuery::new("f.slug, b.\"order\"");
    q.any_of(
        "b.stage",
        stages.iter().map(|s| Param::Text(s.to_string())).collect(),
    );
    let columns = format!(
        "b.stage AS bound_stage, {}",
        prefixed("f", crate::flows::COLUMNS)
    );
    q.fetch_all(
        conn,
        &columns,
        "flows_flowstagebinding b JOIN flows_flow f ON f.flow_uuid = b.target",
    )
    .await?
    .iter()
    .map(|r| Ok((uuid(r, "bound_stage")?, crate::flows::from_row(r)?)))
    .collect()
}

fn prefixed(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `pbm_uuid`s of a flow's bindings.
pub async fn pbm_uuids_of_flow(
    conn: &mut AnyConnection,
    flow: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    pbm_uuids(conn, "target", flow).await
}

/// `pbm_uuid`s of a stage's bindings.
pub async fn pbm_uuids_of_stage(
    conn: &mut AnyConnection,
    stage: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    pbm_uuids(conn, "stage", stage).await
}

async fn pbm_uuids(
    conn: &mut AnyConnection,
    column: &str,
    value: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let sql = format!("SELECT pbm_uuid FROM flows_flowstagebinding WHERE {column} = $1");
    sqlx::query(&sql)
        .bind(value.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| uuid(r, "pbm_uuid"))
        .collect()
}

/// Whether another binding than `except` has the same (target, stage, order).
pub async fn duplicate(
    conn: &mut AnyConnection,
    b: &FlowStageBinding,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM flows_flowstagebinding WHERE target = $1 AND stage = $2 AND \"order\" = $3 \
         AND fsb_uuid <> $4",
    )
    .bind(b.target.to_string())
    .bind(b.stage.to_string())
    .bind(b.order)
    .bind(except.map(|e| e.to_string()).unwrap_or_default())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Filters of `GET /flows/bindings/`.
#[derive(Debug, Clone, Default)]
pub struct BindingFilter {
    /// Exact text/integer/boolean column filters.
    pub exact: Vec<(&'static str, Param)>,
    /// Search over the stage name.
    pub search: Option<String>,
    /// ORDER BY.
    pub order_by: Option<String>,
}

/// Orderings the API accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "order" => "b.\"order\" ASC, b.fsb_uuid",
        "-order" => "b.\"order\" DESC, b.fsb_uuid",
        "stage__name" => "s.name ASC, b.\"order\"",
        "-stage__name" => "s.name DESC, b.\"order\"",
        _ => return None,
    })
}

/// Lists bindings.
pub async fn list(
    conn: &mut AnyConnection,
    f: &BindingFilter,
    page: Page,
) -> Result<(Vec<FlowStageBinding>, i64), StoreError> {
    let mut q = ListQuery::new(
        f.order_by
            .as_deref()
            .unwrap_or("b.target, b.\"order\", b.fsb_uuid"),
    );
    for (col, v) in &f.exact {
        q.eq(&format!("b.{col}"), v.clone());
    }
    if let Some(s) = &f.search {
        q.search(&["s.name"], s);
    }
    let (rows, count) = q
        .fetch(
            conn,
            &prefixed("b", COLUMNS),
            "flows_flowstagebinding b JOIN flows_stage s ON s.stage_uuid = b.stage",
            page,
        )
        .await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}
