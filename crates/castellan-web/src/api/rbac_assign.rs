//! Permission assignment (spec §12): `POST /rbac/permissions/assigned_by_roles/{uuid}/assign/`
//! and `PATCH …/unassign/`, and the same under `assigned_by_users/{id}/`. With `model` and
//! `object_pk` the permissions hold on that object only, else globally (then every codename must
//! carry its app label). Unknown permissions are refused; an object grant never widens to a
//! global one.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{patch, post};
use axum::{Json, Router};
use castellan_core::user::UserType;
use castellan_store::objects;
use castellan_store::rbac::{self, ROLE_MODEL};
use castellan_store::users;
use serde_json::{Map, Value, json};

use super::rbac_permissions;
use super::rbac_roles;
use crate::auth::Principal;
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::openapi::{Operation, RequestBody};
use crate::state::AppState;
use crate::write::Write;

/// A checked assignment body.
struct Assignment {
    /// `app_label.codename` each.
    permissions: Vec<String>,
    /// `(model, object_pk)` for object grants.
    object: Option<(String, String)>,
}

fn parse(body: &Map<String, Value>, partial: bool) -> ApiResult<Assignment> {
    let mut f = Fields::new(body, partial);
    let model = f.string("model", false, false, 255);
    let object_pk = f.string("object_pk", false, false, 255);
    if let Some(m) = &model
        && !rbac_permissions::is_model(m)
    {
        f.error("model", format!("\"{m}\" is not a valid choice."));
    }
    // Keys are compared as text: a UUID is kept in its canonical (lower-case, hyphenated) form.
    let object_pk = object_pk.map(|pk| uuid::Uuid::parse_str(&pk).map_or(pk, |u| u.to_string()));
    let object = match (model, object_pk) {
        (Some(m), Some(pk)) => Some((m, pk)),
        (None, None) => None,
        (Some(_), None) => {
            f.error("object_pk", "Required together with model.");
            None
        }
        (None, Some(_)) => {
            f.error("model", "Required together with object_pk.");
            None
        }
    };
    let mut permissions = Vec::new();
    match body.get("permissions") {
        Some(Value::Array(items)) => {
            for item in items {
                let Some(p) = item.as_str().filter(|p| !p.is_empty()) else {
                    f.error("permissions", "Not a valid string.");
                    continue;
                };
                match rbac_permissions::check(p, object.as_ref().map(|(m, _)| m.as_str())) {
                    Ok(p) => permissions.push(p),
                    Err(message) => f.error("permissions", message),
                }
            }
        }
        Some(_) => f.error("permissions", "Expected a list of items."),
        None if !partial => f.error("permissions", "This field is required."),
        None => {}
    }
    f.finish()?;
    Ok(Assignment {
        permissions,
        object,
    })
}

fn denied() -> ApiError {
    ApiError::Forbidden("You do not have permission to perform this action.".into())
}

/// Adds or removes the assignment in a role's settings.
fn edit_role(config: &mut Map<String, Value>, a: &Assignment, add: bool) {
    let (key, entries): (&str, Vec<Value>) = match &a.object {
        None => (
            "permissions",
            a.permissions.iter().map(|p| json!(p)).collect(),
        ),
        Some((model, pk)) => (
            "object_permissions",
            a.permissions
                .iter()
                .map(|p| json!({"permission": castellan_core::rbac::codename(p), "model": model, "object_pk": pk}))
                .collect(),
        ),
    };
    let list = config.entry(key).or_insert_with(|| json!([]));
    if !list.is_array() {
        *list = json!([]);
    }
    if let Value::Array(items) = list {
        for entry in entries {
            if add && !items.contains(&entry) {
                items.push(entry);
            } else if !add {
                items.retain(|i| i != &entry);
            }
        }
    }
}

async fn role_assign(
    State(state): State<AppState>,
    p: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Vec<Value>>> {
    let a = role_change(state, p, ctx, id, body, true).await?;
    // Role grants live in the role's settings: each is identified by what it grants.
    Ok(Json(
        a.permissions
            .iter()
            .map(|perm| match &a.object {
                None => json!({"id": perm}),
                Some((model, pk)) => json!({"id": format!("{perm}:{model}:{pk}")}),
            })
            .collect(),
    ))
}

async fn role_unassign(
    State(state): State<AppState>,
    p: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    role_change(state, p, ctx, id, body, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn role_change(
    state: AppState,
    p: Principal,
    ctx: RequestContext,
    id: String,
    body: Map<String, Value>,
    add: bool,
) -> ApiResult<Assignment> {
    let mut tx = Write::begin(&state.store).await?;
    let mut role = rbac_roles::load(&mut tx, &id).await?;
    let action = if add {
        "assign_role_permissions"
    } else {
        "unassign_role_permissions"
    };
    if !p.has_perm_on(
        &format!("authentik_rbac.{action}"),
        ROLE_MODEL,
        &role.pk.to_string(),
    ) {
        return Err(denied());
    }
    let a = parse(&body, !add)?;
    edit_role(&mut role.config, &a, add);
    objects::update(&mut tx, &role).await?;
    let model = crate::audit::model_ref("authentik_rbac", "role", role.pk, &role.name);
    tx.event(&ctx, &p.user, "model_updated", model).await?;
    tx.commit().await?;
    Ok(a)
}

async fn user_change(
    state: &AppState,
    p: &Principal,
    ctx: &RequestContext,
    id: &str,
    body: &Map<String, Value>,
    add: bool,
) -> ApiResult<Vec<i64>> {
    let pk: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let action = if add {
        "authentik_core.assign_user_permissions"
    } else {
        "authentik_core.unassign_user_permissions"
    };
    let mut tx = Write::begin(&state.store).await?;
    let user = users::get(&mut tx, pk).await?.ok_or(ApiError::NotFound)?;
    if !p.has_perm_on(action, "authentik_core.user", &user.pk.to_string()) {
        return Err(denied());
    }
    if user.user_type == UserType::InternalServiceAccount {
        return Err(ApiError::field(
            "non_field_errors",
            "Cannot modify internal service accounts.",
        ));
    }
    let a = parse(body, !add)?;
    let (model, object_pk) = a.object.clone().unwrap_or_default();
    let mut ids = Vec::new();
    for perm in &a.permissions {
        // Object grants keep the bare codename, as role grants do.
        let stored = if model.is_empty() {
            perm.as_str()
        } else {
            castellan_core::rbac::codename(perm)
        };
        if add {
            ids.push(rbac::grant_user(&mut tx, user.pk, stored, &model, &object_pk).await?);
        } else {
            rbac::revoke_user(&mut tx, user.pk, stored, &model, &object_pk).await?;
        }
    }
    let model_ref = crate::audit::model_ref("authentik_core", "user", user.pk, &user.username);
    tx.event(ctx, &p.user, "model_updated", model_ref).await?;
    tx.commit().await?;
    Ok(ids)
}

async fn user_assign(
    State(state): State<AppState>,
    p: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Vec<Value>>> {
    let ids = user_change(&state, &p, &ctx, &id, &body, true).await?;
    Ok(Json(
        ids.into_iter()
            .map(|id| json!({"id": id.to_string()}))
            .collect(),
    ))
}

async fn user_unassign(
    State(state): State<AppState>,
    p: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    user_change(&state, &p, &ctx, &id, &body, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

const ROLE_ASSIGN: &str = "/rbac/permissions/assigned_by_roles/{uuid}/assign/";
const ROLE_UNASSIGN: &str = "/rbac/permissions/assigned_by_roles/{uuid}/unassign/";
const USER_ASSIGN: &str = "/rbac/permissions/assigned_by_users/{id}/assign/";
const USER_UNASSIGN: &str = "/rbac/permissions/assigned_by_users/{id}/unassign/";

/// Routes, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ROLE_ASSIGN, post(role_assign))
        .route(ROLE_UNASSIGN, patch(role_unassign))
        .route(USER_ASSIGN, post(user_assign))
        .route(USER_UNASSIGN, patch(user_unassign))
}

/// Documented operations.
pub const OPERATIONS: &[Operation] = &[
    (
        "post",
        ROLE_ASSIGN,
        "rbac_permissions_assigned_by_roles_assign",
        "rbac",
        Some("[PermissionAssignResult]"),
        200,
    ),
    (
        "patch",
        ROLE_UNASSIGN,
        "rbac_permissions_assigned_by_roles_unassign_partial_update",
        "rbac",
        None,
        204,
    ),
    (
        "post",
        USER_ASSIGN,
        "rbac_permissions_assigned_by_users_assign",
        "rbac",
        Some("[PermissionAssignResult]"),
        200,
    ),
    (
        "patch",
        USER_UNASSIGN,
        "rbac_permissions_assigned_by_users_unassign_partial_update",
        "rbac",
        None,
        204,
    ),
];

/// Documented request bodies.
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", ROLE_ASSIGN, "PermissionAssignRequest", true),
    (
        "patch",
        ROLE_UNASSIGN,
        "PatchedPermissionAssignRequest",
        false,
    ),
    ("post", USER_ASSIGN, "PermissionAssignRequest", true),
    (
        "patch",
        USER_UNASSIGN,
        "PatchedPermissionAssignRequest",
        false,
    ),
];
