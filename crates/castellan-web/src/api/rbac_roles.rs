//! `/api/v3/rbac/roles/` (spec §12): CRUD of roles, kept in the generic object table (their
//! permissions live in the same object's settings and are changed through the assignment API).
//! Each action needs its `authentik_rbac.<action>_role` permission, globally or on the role.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::rbac::model_permission;
use castellan_store::AnyConnection;
use castellan_store::objects::{self, Object};
use castellan_store::rbac::ROLE_MODEL;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::model_api;
use crate::auth::Principal;
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// Longest role name (authentik's column).
const NAME_MAX: usize = 150;

fn role_json(o: &Object) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("pk".into(), json!(o.pk));
    m.insert("name".into(), json!(o.name));
    m
}

fn model_ref(o: &Object) -> Value {
    crate::audit::model_ref("authentik_rbac", "role", o.pk, &o.name)
}

fn denied() -> ApiError {
    ApiError::Forbidden("You do not have permission to perform this action.".into())
}

/// Requires `action` on the role (globally or on this role).
pub fn require(p: &Principal, action: &str, role: Uuid) -> ApiResult<()> {
    let perm = model_permission(action, ROLE_MODEL);
    if p.has_perm_on(&perm, ROLE_MODEL, &role.to_string()) {
        Ok(())
    } else {
        Err(denied())
    }
}

/// Loads a role by its path key (404 when unknown or not a key).
pub async fn load(conn: &mut AnyConnection, id: &str) -> ApiResult<Object> {
    let pk = Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    objects::get(conn, ROLE_MODEL, pk)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn list(
    State(state): State<AppState>,
    p: Principal,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    let view = model_permission("view", ROLE_MODEL);
    if !p.has_perm_on_any(&view, ROLE_MODEL) {
        return Err(denied());
    }
    let mut conn = state.store.conn().await?;
    let items: Vec<Map<String, Value>> = objects::list(&mut conn, ROLE_MODEL)
        .await?
        .iter()
        .filter(|o| p.has_perm_on(&view, ROLE_MODEL, &o.pk.to_string()))
        .map(role_json)
        .collect();
    Ok(Json(model_api::filter_page(
        items,
        &params,
        &["name"],
        "pk",
    )?))
}

async fn retrieve(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut conn = state.store.conn().await?;
    let o = load(&mut conn, &id).await?;
    require(&p, "view", o.pk)?;
    Ok(Json(Value::Object(role_json(&o))))
}

async fn validate_name(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    o: &mut Object,
    existing: bool,
) -> ApiResult<()> {
    let mut f = Fields::new(body, partial);
    if let Some(name) = f.string("name", true, false, NAME_MAX) {
        let except = existing.then_some(o.pk);
        if objects::name_taken(conn, ROLE_MODEL, &name, except).await? {
            f.error("name", "role with this name already exists.");
        }
        o.name = name;
    }
    f.finish()
}

async fn create(
    State(state): State<AppState>,
    p: Principal,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    if !p.has_perm(&model_permission("add", ROLE_MODEL)) {
        return Err(denied());
    }
    let mut o = Object {
        pk: Uuid::new_v4(),
        model: ROLE_MODEL.into(),
        name: String::new(),
        config: Map::new(),
    };
    let mut tx = Write::begin(&state.store).await?;
    validate_name(&mut tx, &body, false, &mut o, false).await?;
    o.config.insert("permissions".into(), json!([]));
    objects::create(&mut tx, &o).await?;
    tx.event(&ctx, &p.user, "model_created", model_ref(&o))
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Value::Object(role_json(&o)))).into_response())
}

async fn write(
    state: AppState,
    p: Principal,
    ctx: RequestContext,
    id: String,
    body: Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let mut tx = Write::begin(&state.store).await?;
    let mut o = load(&mut tx, &id).await?;
    require(&p, "change", o.pk)?;
    validate_name(&mut tx, &body, partial, &mut o, true).await?;
    objects::update(&mut tx, &o).await?;
    tx.event(&ctx, &p.user, "model_updated", model_ref(&o))
        .await?;
    tx.commit().await?;
    Ok(Json(Value::Object(role_json(&o))))
}

async fn destroy(
    State(state): State<AppState>,
    p: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let o = load(&mut tx, &id).await?;
    require(&p, "delete", o.pk)?;
    // The group attachment goes with the role (foreign key), and with it the permissions.
    objects::delete(&mut tx, o.pk).await?;
    tx.event(&ctx, &p.user, "model_deleted", model_ref(&o))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

const BASE: &str = "/rbac/roles/";
const ONE: &str = "/rbac/roles/{uuid}/";

/// Routes, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new().route(BASE, get(list).post(create)).route(
        ONE,
        super::put_patch::put_and_patch!(get(retrieve), write, Principal).delete(destroy),
    )
}

/// Component schemas: `Role`, its request forms and the assignment bodies.
pub fn schemas() -> Vec<(String, Value)> {
    let name = |min: bool| {
        if min {
            json!({"type": "string", "minLength": 1, "maxLength": NAME_MAX})
        } else {
            json!({"type": "string", "maxLength": NAME_MAX})
        }
    };
    let d = "Role serializer";
    let assign = |required: bool| {
        let mut s = json!({"type": "object", "description": "Request to assign a new permission",
        "properties": {
            "permissions": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "model": {"$ref": "#/components/schemas/ModelEnum"},
            "object_pk": {"type": "string", "minLength": 1},
        }});
        if required {
            s["required"] = json!(["permissions"]);
        }
        s
    };
    vec![
        (
            "Role".into(),
            json!({"type": "object", "description": d, "properties": {
                "pk": {"type": "string", "format": "uuid", "readOnly": true, "title": "Uuid"},
                "name": name(false)}, "required": ["name", "pk"]}),
        ),
        (
            "RoleRequest".into(),
            json!({"type": "object", "description": d, "properties": {"name": name(true)},
                   "required": ["name"]}),
        ),
        (
            "PatchedRoleRequest".into(),
            json!({"type": "object", "description": d, "properties": {"name": name(true)}}),
        ),
        ("PermissionAssignRequest".into(), assign(true)),
        ("PatchedPermissionAssignRequest".into(), assign(false)),
        (
            "PermissionAssignResult".into(),
            json!({"type": "object", "description": "Result from assigning permissions to a user/role",
                   "properties": {"id": {"type": "string"}}, "required": ["id"]}),
        ),
    ]
}

/// Documented operations.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        BASE,
        "rbac_roles_list",
        "rbac",
        Some("PaginatedRoleList"),
        200,
    ),
    ("post", BASE, "rbac_roles_create", "rbac", Some("Role"), 201),
    ("get", ONE, "rbac_roles_retrieve", "rbac", Some("Role"), 200),
    ("put", ONE, "rbac_roles_update", "rbac", Some("Role"), 200),
    (
        "patch",
        ONE,
        "rbac_roles_partial_update",
        "rbac",
        Some("Role"),
        200,
    ),
    ("delete", ONE, "rbac_roles_destroy", "rbac", None, 204),
];

/// Documented request bodies.
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", BASE, "RoleRequest", true),
    ("put", ONE, "RoleRequest", true),
    ("patch", ONE, "PatchedRoleRequest", false),
];
