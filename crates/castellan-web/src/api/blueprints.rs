//! `/api/v3/managed/blueprints/` (lookup `instance_uuid`, spec §11.2): blueprint instances —
//! CRUD, `available/` (the files of the blueprints directory), `{uuid}/apply/` (applies now and
//! records the outcome) and `used_by/`.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use castellan_store::AnyConnection;
use castellan_store::blueprints::{self as store, BlueprintInstance, InstanceFilter};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::blueprints_json::{BlueprintFile, BlueprintInstanceJson};
use super::used_by::UsedBy;
use crate::audit;
use crate::auth::Admin;
use crate::blueprints;
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Fields, TEXT_MAX};
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

const BASE: &str = "/managed/blueprints/";
const ONE: &str = "/managed/blueprints/{instance_uuid}/";

fn model_ref(b: &BlueprintInstance) -> Value {
    audit::model_ref("authentik_blueprints", "blueprintinstance", b.pk, &b.name)
}

/// `GET /managed/blueprints/`.
pub async fn list(
    State(state): State<AppState>,
    _a: Admin,
    params: Params,
) -> ApiResult<Json<Paginated<BlueprintInstanceJson>>> {
    let page = params.page()?;
    let f = InstanceFilter {
        name: params.text("name"),
        path: params.text("path"),
        search: params.search(),
        order_by: params.ordering(store::ordering),
    };
    let mut conn = state.store.conn().await?;
    let (rows, count) = store::list(&mut conn, &f, page).await?;
    let out = rows.into_iter().map(BlueprintInstanceJson::from).collect();
    Ok(Json(Paginated::new(out, count, page)?))
}

async fn load(conn: &mut AnyConnection, id: &str) -> ApiResult<BlueprintInstance> {
    let id = Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    store::get(conn, id).await?.ok_or(ApiError::NotFound)
}

/// `GET /managed/blueprints/{instance_uuid}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<BlueprintInstanceJson>> {
    let mut conn = state.store.conn().await?;
    Ok(Json(load(&mut conn, &id).await?.into()))
}

/// The dry-run problem of a body's `content`, if any: every error the blueprint has, with its
/// position (run before the write's transaction opens).
async fn content_problem(
    state: &AppState,
    body: &Map<String, Value>,
    current_context: Option<&Value>,
) -> ApiResult<Option<String>> {
    let Some(content) = body.get("content").and_then(Value::as_str) else {
        return Ok(None);
    };
    if content.is_empty() {
        return Ok(None);
    }
    let context = body
        .get("context")
        .or(current_context)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let dir = state.settings.blueprints_dir.as_deref();
    let set = blueprints::instance_set(&state.store, dir).await?;
    let opts = blueprints::options(context, &state.settings.blueprint_env.0);
    Ok(blueprints::plan_text(&state.store, content, &opts, &set)
        .await
        .err()
        .map(|e| {
            let lines: Vec<String> = e.errors().iter().map(ToString::to_string).collect();
            format!("Failed to validate blueprint: {}", lines.join("\n"))
        }))
}

/// Validates a body into an instance: a unique name, a `path` that is one of the available
/// files, `content` that passed a dry run (`content_error`), and one of the two set.
async fn validate(
    state: &AppState,
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut b: BlueprintInstance,
    existing: bool,
    content_error: Option<String>,
) -> ApiResult<BlueprintInstance> {
    let mut f = Fields::new(body, partial);
    if let Some(v) = f.string("name", true, false, TEXT_MAX) {
        b.name = v;
    }
    if let Some(v) = f.string("path", false, true, TEXT_MAX) {
        let dir = state.settings.blueprints_dir.as_deref();
        let known = dir.is_some_and(|d| blueprints::available(d).iter().any(|x| x.path == v));
        if !v.is_empty() && !known {
            f.error("path", "Blueprint file does not exist");
        }
        b.path = v;
    }
    if let Some(v) = f.object("context") {
        b.context = v;
    }
    if let Some(v) = f.boolean("enabled") {
        b.enabled = v;
    }
    if let Some(v) = f.string("content", false, true, TEXT_MAX * 16) {
        b.content = v;
    }
    if let Some(e) = content_error {
        f.error("content", e);
    }
    if !f.has_error("name") && store::name_taken(conn, &b.name, existing.then_some(b.pk)).await? {
        f.error("name", "blueprint instance with this name already exists.");
    }
    if b.path.is_empty() && b.content.is_empty() && !f.has_error("path") {
        f.error("non_field_errors", "Either path or content must be set.");
    }
    f.finish()?;
    Ok(b)
}

/// `POST /managed/blueprints/`.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let blank = BlueprintInstance::new("", state.store.now());
    let content_error = content_problem(&state, &body, None).await?;
    let mut tx = Write::begin(&state.store).await?;
    let mut b = validate(&state, &mut tx, &body, false, blank, false, content_error).await?;
    b.metadata = match state.settings.blueprints_dir.as_deref() {
        Some(dir) if !b.path.is_empty() => blueprints::available(dir)
            .into_iter()
            .find(|f| f.path == b.path)
            .map_or_else(|| serde_json::json!({}), |f| f.meta),
        _ => blueprints::metadata_json(&b.content),
    };
    store::save(&mut tx, &b, true).await?;
    tx.event(&ctx, &admin.user, "model_created", model_ref(&b))
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(BlueprintInstanceJson::from(b))).into_response())
}

async fn write(
    state: &AppState,
    admin: &Admin,
    ctx: &RequestContext,
    id: &str,
    body: &Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<BlueprintInstanceJson>> {
    let current = {
        let mut conn = state.store.conn().await?;
        load(&mut conn, id).await?
    };
    let content_error = content_problem(state, body, Some(&current.context)).await?;
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, id).await?;
    let mut b = validate(state, &mut tx, body, partial, before, true, content_error).await?;
    b.last_updated = tx.now();
    store::save(&mut tx, &b, false).await?;
    tx.event(ctx, &admin.0.user, "model_updated", model_ref(&b))
        .await?;
    tx.commit().await?;
    Ok(Json(b.into()))
}

/// `PUT /managed/blueprints/{instance_uuid}/`.
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<BlueprintInstanceJson>> {
    write(&state, &admin, &ctx, &id, &body, false).await
}

/// `PATCH /managed/blueprints/{instance_uuid}/`.
pub async fn partial_update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<BlueprintInstanceJson>> {
    write(&state, &admin, &ctx, &id, &body, true).await
}

/// `DELETE /managed/blueprints/{instance_uuid}/` (the objects it created stay).
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let b = load(&mut tx, &id).await?;
    store::delete(&mut tx, b.pk).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&b))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /managed/blueprints/{instance_uuid}/apply/`: applies the instance now (one
/// transaction) and answers it with the recorded outcome (status `error` when it failed).
pub async fn apply(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<BlueprintInstanceJson>> {
    let mut b = {
        let mut conn = state.store.conn().await?;
        load(&mut conn, &id).await?
    };
    let dir = state.settings.blueprints_dir.as_deref();
    let env = &state.settings.blueprint_env.0;
    if let Err(blueprints::RunError::Store(e)) =
        blueprints::apply_instance(&state.store, &mut b, dir, env).await
    {
        return Err(e.into());
    }
    Ok(Json(b.into()))
}

/// `GET /managed/blueprints/{instance_uuid}/used_by/`: nothing references an instance.
pub async fn used_by(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<UsedBy>>> {
    let mut conn = state.store.conn().await?;
    load(&mut conn, &id).await?;
    Ok(Json(Vec::new()))
}

/// `GET /managed/blueprints/available/`: the blueprint files of the blueprints directory.
pub async fn available(State(state): State<AppState>, _a: Admin) -> Json<Vec<BlueprintFile>> {
    let files = match state.settings.blueprints_dir.as_deref() {
        Some(dir) => blueprints::available(dir),
        None => Vec::new(),
    };
    Json(files.into_iter().map(BlueprintFile::from).collect())
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route("/managed/blueprints/available/", get(available))
        .route(
            ONE,
            get(retrieve)
                .put(update)
                .patch(partial_update)
                .delete(destroy),
        )
        .route("/managed/blueprints/{instance_uuid}/apply/", post(apply))
        .route("/managed/blueprints/{instance_uuid}/used_by/", get(used_by))
}

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        BASE,
        "managed_blueprints_list",
        "managed",
        Some("PaginatedBlueprintInstanceList"),
        200,
    ),
    (
        "post",
        BASE,
        "managed_blueprints_create",
        "managed",
        Some("BlueprintInstance"),
        201,
    ),
    (
        "get",
        ONE,
        "managed_blueprints_retrieve",
        "managed",
        Some("BlueprintInstance"),
        200,
    ),
    (
        "put",
        ONE,
        "managed_blueprints_update",
        "managed",
        Some("BlueprintInstance"),
        200,
    ),
    (
        "patch",
        ONE,
        "managed_blueprints_partial_update",
        "managed",
        Some("BlueprintInstance"),
        200,
    ),
    (
        "delete",
        ONE,
        "managed_blueprints_destroy",
        "managed",
        None,
        204,
    ),
    (
        "post",
        "/managed/blueprints/{instance_uuid}/apply/",
        "managed_blueprints_apply_create",
        "managed",
        Some("BlueprintInstance"),
        200,
    ),
    (
        "get",
        "/managed/blueprints/{instance_uuid}/used_by/",
        "managed_blueprints_used_by_list",
        "managed",
        Some("[UsedBy]"),
        200,
    ),
    (
        "get",
        "/managed/blueprints/available/",
        "managed_blueprints_available_list",
        "managed",
        Some("[BlueprintFile]"),
        200,
    ),
];

/// Request bodies of this resource.
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", BASE, "BlueprintInstanceRequest", true),
    ("put", ONE, "BlueprintInstanceRequest", true),
    ("patch", ONE, "PatchedBlueprintInstanceRequest", false),
];
