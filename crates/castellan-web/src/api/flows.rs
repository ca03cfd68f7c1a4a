//! `/api/v3/flows/instances/` (lookup `slug`, spec §3.1): CRUD, `diagram/`, and the plan cache
//! endpoints (`cache_info` counts the flows in the executor's configuration cache, `cache_clear`
//! empties it).
//! `export/` and `import/` are in `flows_transfer`; `execute/` and the background uploads arrive
//! with their features.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use castellan_core::application::{PolicyEngineMode, validate_slug};
use castellan_core::flow::{DeniedAction, Flow, FlowAuthentication, FlowDesignation, FlowLayout};
use castellan_store::flows::{self, FlowFilter};
use castellan_store::{AnyConnection, flow_bindings, policy_bindings};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::audit;
use crate::auth::{Admin, AdminDb, Db};
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Fields, TEXT_MAX};
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// `FlowSet`: the stripped-down flow embedded in stages' `flow_set`.
pub fn flow_set_json(f: &Flow) -> Value {
    json!({
        "pk": f.pk,
        "policybindingmodel_ptr_id": f.pbm_uuid,
        "name": f.name,
        "slug": f.slug,
        "title": f.title,
        "designation": f.designation.as_str(),
        "background": f.background_url(),
        "policy_engine_mode": f.policy_engine_mode.as_str(),
        "compatibility_mode": f.compatibility_mode,
        "export_url": format!("/api/v3/flows/instances/{}/export/", f.slug),
        "layout": f.layout.as_str(),
        "denied_action": f.denied_action.as_str(),
    })
}

/// `Flow` with its bound stages and policies.
pub async fn flow_json(conn: &mut AnyConnection, f: &Flow) -> ApiResult<Value> {
    let stages: Vec<Uuid> = flow_bindings::stages_of_flows(conn, &[f.pk])
        .await?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    let policies = policy_bindings::policies_of_target(conn, f.pbm_uuid).await?;
    Ok(json!({
        "pk": f.pk,
        "policybindingmodel_ptr_id": f.pbm_uuid,
        "name": f.name,
        "slug": f.slug,
        "title": f.title,
        "designation": f.designation.as_str(),
        "background": f.background_url(),
        "stages": stages,
        "policies": policies,
        "cache_count": 0,
        "policy_engine_mode": f.policy_engine_mode.as_str(),
        "compatibility_mode": f.compatibility_mode,
        "export_url": format!("/api/v3/flows/instances/{}/export/", f.slug),
        "layout": f.layout.as_str(),
        "denied_action": f.denied_action.as_str(),
        "authentication": f.authentication.as_str(),
    }))
}

/// The audit reference of a flow.
pub fn model_ref(f: &Flow) -> Value {
    audit::model_ref("authentik_flows", "flow", f.pk, &f.name)
}

/// `GET /flows/instances/`.
pub async fn list(
    AdminDb(_, Db(mut conn)): AdminDb,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    let page = params.page()?;
    let f = FlowFilter {
        designation: params.text("designation"),
        denied_action: params.text("denied_action"),
        flow_uuid: params.uuid("flow_uuid")?,
        name: params.text("name"),
        slug: params.text("slug"),
        search: params.search(),
        order_by: params.ordering(flows::ordering),
    };
    let (rows, count) = flows::list(&mut conn, &f, page).await?;
    let mut out = Vec::with_capacity(rows.len());
    for flow in &rows {
        out.push(flow_json(&mut conn, flow).await?);
    }
    Ok(Json(Paginated::new(out, count, page)?))
}

/// Loads a flow by slug (404 when absent).
pub async fn load(conn: &mut AnyConnection, slug: &str) -> ApiResult<Flow> {
    flows::get_by_slug(conn, slug)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `GET /flows/instances/{slug}/`.
pub async fn retrieve(
    AdminDb(_, Db(mut conn)): AdminDb,
    Path(slug): Path<String>,
) -> ApiResult<Json<Value>> {
    let flow = load(&mut conn, &slug).await?;
    Ok(Json(flow_json(&mut conn, &flow).await?))
}

fn choice<T>(
    f: &mut Fields<'_>,
    field: &str,
    names: &[&str],
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    f.choice(field, names).and_then(|v| parse(&v))
}

/// Validates a body into a flow (slug unique, enums checked); shared with blueprints.
pub async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut flow: Flow,
    existing: bool,
) -> ApiResult<Flow> {
    let mut f = Fields::new(body, partial);
    if let Some(v) = f.string("name", true, false, TEXT_MAX) {
        flow.name = v;
    }
    if let Some(v) = f.string("slug", true, false, 50) {
        if let Err(e) = validate_slug("slug", &v, 50) {
            f.error("slug", e.message);
        }
        flow.slug = v;
    }
    if let Some(v) = f.string("title", true, false, TEXT_MAX) {
        flow.title = v;
    }
    if !f.present("designation") && !partial {
        f.error("designation", "This field is required.");
    }
    if let Some(v) = choice(
        &mut f,
        "designation",
        FlowDesignation::NAMES,
        FlowDesignation::parse,
    ) {
        flow.designation = v;
    }
    if let Some(v) = choice(
        &mut f,
        "policy_engine_mode",
        &["all", "any"],
        PolicyEngineMode::parse,
    ) {
        flow.policy_engine_mode = v;
    }
    if let Some(v) = f.boolean("compatibility_mode") {
        flow.compatibility_mode = v;
    }
    if let Some(v) = choice(&mut f, "layout", FlowLayout::NAMES, FlowLayout::parse) {
        flow.layout = v;
    }
    if let Some(v) = choice(
        &mut f,
        "denied_action",
        DeniedAction::NAMES,
        DeniedAction::parse,
    ) {
        flow.denied_action = v;
    }
    if let Some(v) = choice(
        &mut f,
        "authentication",
        FlowAuthentication::NAMES,
        FlowAuthentication::parse,
    ) {
        flow.authentication = v;
    }
    if !f.has_error("slug")
        && flows::slug_taken(conn, &flow.slug, existing.then_some(flow.pk)).await?
    {
        f.error("slug", "flow with this slug already exists.");
    }
    f.finish()?;
    Ok(flow)
}

/// `POST /flows/instances/`.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut tx = Write::begin(&state.store).await?;
    let mut blank = Flow::new("", "", FlowDesignation::Authentication);
    blank.pbm_uuid = blank.pk;
    let flow = validate(&mut tx, &body, false, blank, false).await?;
    flows::insert(&mut tx, &flow).await?;
    tx.event(&ctx, &admin.user, "model_created", model_ref(&flow))
        .await?;
    let out = flow_json(&mut tx, &flow).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn write(
    state: &AppState,
    admin: &Admin,
    ctx: &RequestContext,
    slug: &str,
    body: &Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, slug).await?;
    let flow = validate(&mut tx, body, partial, before, true).await?;
    flows::update(&mut tx, &flow).await?;
    tx.event(ctx, &admin.0.user, "model_updated", model_ref(&flow))
        .await?;
    let out = flow_json(&mut tx, &flow).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// `PUT /flows/instances/{slug}/`.
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    write(&state, &admin, &ctx, &slug, &body, false).await
}

/// `PATCH /flows/instances/{slug}/`.
pub async fn partial_update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    write(&state, &admin, &ctx, &slug, &body, true).await
}

/// `DELETE /flows/instances/{slug}/`: the flow's bindings and policy bindings go with it.
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let flow = load(&mut tx, &slug).await?;
    flows::delete(&mut tx, &flow).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&flow))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /flows/instances/{slug}/diagram/`.
pub async fn diagram(
    AdminDb(_, Db(mut conn)): AdminDb,
    Path(slug): Path<String>,
) -> ApiResult<Json<Value>> {
    let flow = load(&mut conn, &slug).await?;
    Ok(Json(
        json!({"diagram": super::flows_diagram::diagram_text(&mut conn, &flow).await?}),
    ))
}

/// `GET /flows/instances/cache_info/`: flows held in the executor's configuration cache.
pub async fn cache_info(State(state): State<AppState>, _admin: Admin) -> Json<Value> {
    Json(json!({"count": state.flows.config.cached_flows()}))
}

/// `POST /flows/instances/cache_clear/`: empties the executor's configuration cache.
pub async fn cache_clear(State(state): State<AppState>, _admin: Admin) -> StatusCode {
    state.flows.config.clear();
    StatusCode::NO_CONTENT
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/flows/instances/", get(list).post(create))
        .route("/flows/instances/cache_info/", get(cache_info))
        .route("/flows/instances/cache_clear/", post(cache_clear))
        .route(
            "/flows/instances/{slug}/",
            get(retrieve)
                .put(update)
                .patch(partial_update)
                .delete(destroy),
        )
        .route("/flows/instances/{slug}/diagram/", get(diagram))
}

const ONE: &str = "/flows/instances/{slug}/";

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/flows/instances/",
        "flows_instances_list",
        "flows",
        Some("PaginatedFlowList"),
        200,
    ),
    (
        "post",
        "/flows/instances/",
        "flows_instances_create",
        "flows",
        Some("Flow"),
        201,
    ),
    (
        "get",
        ONE,
        "flows_instances_retrieve",
        "flows",
        Some("Flow"),
        200,
    ),
    (
        "put",
        ONE,
        "flows_instances_update",
        "flows",
        Some("Flow"),
        200,
    ),
    (
        "patch",
        ONE,
        "flows_instances_partial_update",
        "flows",
        Some("Flow"),
        200,
    ),
    ("delete", ONE, "flows_instances_destroy", "flows", None, 204),
    (
        "get",
        "/flows/instances/{slug}/diagram/",
        "flows_instances_diagram_retrieve",
        "flows",
        Some("FlowDiagram"),
        200,
    ),
    (
        "get",
        "/flows/instances/cache_info/",
        "flows_instances_cache_info_retrieve",
        "flows",
        Some("Cache"),
        200,
    ),
    (
        "post",
        "/flows/instances/cache_clear/",
        "flows_instances_cache_clear_create",
        "flows",
        None,
        204,
    ),
];

/// Request bodies of this resource.
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", "/flows/instances/", "FlowRequest", true),
    ("put", ONE, "FlowRequest", true),
    ("patch", ONE, "PatchedFlowRequest", false),
];
