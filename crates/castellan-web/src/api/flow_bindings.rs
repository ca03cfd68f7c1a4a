//! `/api/v3/flows/bindings/` (spec §3.2): a stage's place in a flow. Deleting a binding deletes
//! the policy bindings that target it.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use castellan_core::application::PolicyEngineMode;
use castellan_core::flow::{FlowStageBinding, InvalidResponseAction};
use castellan_store::flow_bindings::{self, BindingFilter};
use castellan_store::list::Param;
use castellan_store::{AnyConnection, flows, stages};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::audit;
use crate::auth::{Admin, AdminDb, Db};
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

fn model_ref(b: &FlowStageBinding) -> Value {
    audit::model_ref(
        "authentik_flows",
        "flowstagebinding",
        b.pk,
        &format!("Flow-stage binding #{} to {}", b.order, b.target),
    )
}

/// Serialises bindings with their `stage_obj`.
pub async fn bindings_json(
    conn: &mut AnyConnection,
    list: Vec<FlowStageBinding>,
) -> ApiResult<Vec<Value>> {
    let ids: Vec<Uuid> = list.iter().map(|b| b.stage).collect();
    let found = stages::get_many(conn, &ids).await?;
    let objs = super::stages::stages_base_json(conn, found).await?;
    Ok(list
        .into_iter()
        .map(|b| {
            let stage_obj = objs
                .iter()
                .find(|o| o["pk"] == json!(b.stage))
                .cloned()
                .map(Value::Object)
                .unwrap_or(Value::Null);
            json!({
                "pk": b.pk,
                "policybindingmodel_ptr_id": b.pbm_uuid,
                "target": b.target,
                "stage": b.stage,
                "stage_obj": stage_obj,
                "evaluate_on_plan": b.evaluate_on_plan,
                "re_evaluate_policies": b.re_evaluate_policies,
                "order": b.order,
                "policy_engine_mode": b.policy_engine_mode.as_str(),
                "invalid_response_action": b.invalid_response_action.as_str(),
            })
        })
        .collect())
}

async fn one_json(conn: &mut AnyConnection, b: FlowStageBinding) -> ApiResult<Value> {
    bindings_json(conn, vec![b])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("binding vanished".into()))
}

/// `GET /flows/bindings/`.
pub async fn list(
    AdminDb(_, Db(mut conn)): AdminDb,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    let page = params.page()?;
    let mut f = BindingFilter {
        search: params.search(),
        order_by: params.ordering(flow_bindings::ordering),
        ..Default::default()
    };
    for (key, col) in [
        ("target", "target"),
        ("stage", "stage"),
        ("fsb_uuid", "fsb_uuid"),
        ("pbm_uuid", "pbm_uuid"),
    ] {
        if let Some(u) = params.uuid(key)? {
            f.exact.push((col, Param::Text(u.to_string())));
        }
    }
    for key in ["invalid_response_action", "policy_engine_mode"] {
        if let Some(v) = params.text(key) {
            f.exact.push((key, Param::Text(v)));
        }
    }
    for key in ["evaluate_on_plan", "re_evaluate_policies"] {
        if let Some(v) = params.boolean(key)? {
            f.exact.push((key, Param::Bool(v)));
        }
    }
    if let Some(v) = params.integer("order")? {
        f.exact.push(("\"order\"", Param::Int(v)));
    }
    let (rows, count) = flow_bindings::list(&mut conn, &f, page).await?;
    let out = bindings_json(&mut conn, rows).await?;
    Ok(Json(Paginated::new(out, count, page)?))
}

async fn load(conn: &mut AnyConnection, pk: &str) -> ApiResult<FlowStageBinding> {
    let pk = Uuid::parse_str(pk).map_err(|_| ApiError::NotFound)?;
    flow_bindings::get(conn, pk)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `GET /flows/bindings/{fsb_uuid}/`.
pub async fn retrieve(
    AdminDb(_, Db(mut conn)): AdminDb,
    Path(pk): Path<String>,
) -> ApiResult<Json<Value>> {
    let b = load(&mut conn, &pk).await?;
    Ok(Json(one_json(&mut conn, b).await?))
}

/// Validates a body into a stage binding (target and stage exist, unique set); shared with
/// blueprints.
pub async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut b: FlowStageBinding,
    existing: bool,
) -> ApiResult<FlowStageBinding> {
    let mut f = Fields::new(body, partial);
    if let Some(v) = f.uuid("target", true) {
        if flows::get(conn, v).await?.is_none() {
            f.error(
                "target",
                format!("Invalid pk \"{v}\" - object does not exist."),
            );
        }
        b.target = v;
    }
    if let Some(v) = f.uuid("stage", true) {
        if stages::get(conn, v).await?.is_none() {
            f.error(
                "stage",
                format!("Invalid pk \"{v}\" - object does not exist."),
            );
        }
        b.stage = v;
    }
    if let Some(v) = f.boolean("evaluate_on_plan") {
        b.evaluate_on_plan = v;
    }
    if let Some(v) = f.boolean("re_evaluate_policies") {
        b.re_evaluate_policies = v;
    }
    if let Some(v) = f.integer("order", true) {
        if !(i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(&v) {
            f.error(
                "order",
                "Ensure this value is less than or equal to 2147483647.",
            );
        }
        b.order = v;
    }
    if let Some(v) = f.choice("policy_engine_mode", &["all", "any"]) {
        b.policy_engine_mode = PolicyEngineMode::parse(&v).unwrap_or_default();
    }
    if let Some(v) = f.choice("invalid_response_action", InvalidResponseAction::NAMES) {
        b.invalid_response_action = InvalidResponseAction::parse(&v).unwrap_or_default();
    }
    let clean = !["target", "stage", "order"].iter().any(|k| f.has_error(k));
    if clean && flow_bindings::duplicate(conn, &b, existing.then_some(b.pk)).await? {
        f.error(
            "non_field_errors",
            "The fields target, stage, order must make a unique set.",
        );
    }
    f.finish()?;
    Ok(b)
}

/// `POST /flows/bindings/`.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut tx = Write::begin(&state.store).await?;
    let blank = FlowStageBinding::new(Uuid::nil(), Uuid::nil(), 0);
    let b = validate(&mut tx, &body, false, blank, false).await?;
    flow_bindings::create(&mut tx, &b).await?;
    tx.event(&ctx, &admin.user, "model_created", model_ref(&b))
        .await?;
    let out = one_json(&mut tx, b).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn write(
    state: &AppState,
    admin: &Admin,
    ctx: &RequestContext,
    pk: &str,
    body: &Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, pk).await?;
    let b = validate(&mut tx, body, partial, before, true).await?;
    flow_bindings::update(&mut tx, &b).await?;
    tx.event(ctx, &admin.0.user, "model_updated", model_ref(&b))
        .await?;
    let out = one_json(&mut tx, b).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// `PUT /flows/bindings/{fsb_uuid}/`.
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    write(&state, &admin, &ctx, &pk, &body, false).await
}

/// `PATCH /flows/bindings/{fsb_uuid}/`.
pub async fn partial_update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    write(&state, &admin, &ctx, &pk, &body, true).await
}

/// `DELETE /flows/bindings/{fsb_uuid}/`.
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let b = load(&mut tx, &pk).await?;
    flow_bindings::delete(&mut tx, &b).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&b))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/flows/bindings/", get(list).post(create))
        .route(
            "/flows/bindings/{fsb_uuid}/",
            get(retrieve)
                .put(update)
                .patch(partial_update)
                .delete(destroy),
        )
}

const ONE: &str = "/flows/bindings/{fsb_uuid}/";

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/flows/bindings/",
        "flows_bindings_list",
        "flows",
        Some("PaginatedFlowStageBindingList"),
        200,
    ),
    (
        "post",
        "/flows/bindings/",
        "flows_bindings_create",
        "flows",
        Some("FlowStageBinding"),
        201,
    ),
    (
        "get",
        ONE,
        "flows_bindings_retrieve",
        "flows",
        Some("FlowStageBinding"),
        200,
    ),
    (
        "put",
        ONE,
        "flows_bindings_update",
        "flows",
        Some("FlowStageBinding"),
        200,
    ),
    (
        "patch",
        ONE,
        "flows_bindings_partial_update",
        "flows",
        Some("FlowStageBinding"),
        200,
    ),
    ("delete", ONE, "flows_bindings_destroy", "flows", None, 204),
];

/// Request bodies of this resource.
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", "/flows/bindings/", "FlowStageBindingRequest", true),
    ("put", ONE, "FlowStageBindingRequest", true),
    ("patch", ONE, "PatchedFlowStageBindingRequest", false),
];

/// Component schemas of this resource.
pub fn schemas() -> Vec<(String, Value)> {
    let r = |n: &str| json!({"$ref": format!("#/components/schemas/{n}")});
    let uuid = json!({"type": "string", "format": "uuid"});
    let ro_uuid = json!({"type": "string", "format": "uuid", "readOnly": true});
    let order = json!({"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX});
    let writable = json!({
        "target": uuid, "stage": uuid,
        "evaluate_on_plan": {"type": "boolean"}, "re_evaluate_policies": {"type": "boolean"},
        "order": order, "policy_engine_mode": r("PolicyEngineMode"),
        "invalid_response_action": r("InvalidResponseActionEnum"),
    });
    let mut full = Map::new();
    full.insert("pk".into(), ro_uuid.clone());
    full.insert("policybindingmodel_ptr_id".into(), ro_uuid);
    for (k, v) in writable.as_object().cloned().unwrap_or_default() {
        full.insert(k.clone(), v);
        if k == "stage" {
            full.insert(
                "stage_obj".into(),
                json!({"allOf": [r("Stage")], "readOnly": true}),
            );
        }
    }
    vec![
        (
            "FlowStageBinding".into(),
            json!({"type": "object", "properties": full, "required": ["order", "pk", "policybindingmodel_ptr_id", "stage", "stage_obj", "target"]}),
        ),
        (
            "FlowStageBindingRequest".into(),
            json!({"type": "object", "properties": writable, "required": ["order", "stage", "target"]}),
        ),
        (
            "PatchedFlowStageBindingRequest".into(),
            json!({"type": "object", "properties": writable}),
        ),
        (
            "InvalidResponseActionEnum".into(),
            json!({"type": "string", "enum": InvalidResponseAction::NAMES}),
        ),
    ]
}
