//! `/api/v3/policies/bindings/` (spec §6.1): a policy, group or user bound to a flow, stage
//! binding or application (`target` is its `pbm_uuid`). Exactly one of `policy`, `group`, `user`.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use castellan_core::policy::{BindingSubject, PolicyBinding};
use castellan_store::list::Param;
use castellan_store::policy_bindings::{self, PolicyBindingFilter};
use castellan_store::{AnyConnection, groups, policies, users};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::user_json::GroupIndex;
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

fn model_ref(b: &PolicyBinding) -> Value {
    audit::model_ref(
        "authentik_policies",
        "policybinding",
        b.pk,
        &format!("Binding from {} #{}", b.target, b.order),
    )
}

/// `GET /policies/bindings/`.
pub async fn list(
    State(state): State<AppState>,
    AdminDb(_, Db(mut conn)): AdminDb,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    let page = params.page()?;
    let mut f = PolicyBindingFilter {
        order_by: params.ordering(policy_bindings::ordering),
        ..Default::default()
    };
    for key in ["policy", "target"] {
        if let Some(u) = params.uuid(key)? {
            f.exact.push((key, Param::Text(u.to_string())));
        }
    }
    if let Some(v) = params.boolean("enabled")? {
        f.exact.push(("enabled", Param::Bool(v)));
    }
    if let Some(v) = params.integer("order")? {
        f.exact.push(("\"order\"", Param::Int(v)));
    }
    if let Some(v) = params.integer("timeout")? {
        f.exact.push(("timeout", Param::Int(v)));
    }
    f.policy_isnull = params.boolean("policy__isnull")?;
    let target_in: Vec<String> = params
        .all("target_in")
        .iter()
        .flat_map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|v| !v.is_empty())
        .collect();
    if !target_in.is_empty() {
        let parsed: Result<Vec<Uuid>, _> = target_in
            .iter()
            .map(|t| Uuid::parse_str(t.trim()))
            .collect();
        f.target_in =
            Some(parsed.map_err(|_| ApiError::field("target_in", "Enter a valid UUID."))?);
    }
    let (rows, count) = policy_bindings::list(&mut conn, &f, page).await?;
    let index = GroupIndex::load(&mut conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for b in rows {
        out.push(super::policies_schema::binding_json(&mut conn, &state, b, &index).await?);
    }
    Ok(Json(Paginated::new(out, count, page)?))
}

async fn load(conn: &mut AnyConnection, pk: &str) -> ApiResult<PolicyBinding> {
    let pk = Uuid::parse_str(pk).map_err(|_| ApiError::NotFound)?;
    policy_bindings::get(conn, pk)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn one_json(
    conn: &mut AnyConnection,
    state: &AppState,
    b: PolicyBinding,
) -> ApiResult<Value> {
    let index = GroupIndex::load(conn).await?;
    super::policies_schema::binding_json(conn, state, b, &index).await
}

/// `GET /policies/bindings/{policy_binding_uuid}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    AdminDb(_, Db(mut conn)): AdminDb,
    Path(pk): Path<String>,
) -> ApiResult<Json<Value>> {
    let b = load(&mut conn, &pk).await?;
    Ok(Json(one_json(&mut conn, &state, b).await?))
}

fn missing(f: &mut Fields<'_>, field: &str, v: impl std::fmt::Display) {
    f.error(
        field,
        format!("Invalid pk \"{v}\" - object does not exist."),
    );
}

/// Validates a body into a policy binding (exactly one subject, target exists); shared with
/// blueprints.
pub async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut b: PolicyBinding,
    existing: bool,
) -> ApiResult<PolicyBinding> {
    let mut f = Fields::new(body, partial);
    let (mut policy, mut group, mut user) = match b.subject {
        BindingSubject::Policy(p) => (Some(p), None, None),
        BindingSubject::Group(g) => (None, Some(g), None),
        BindingSubject::User(u) => (None, None, Some(u)),
    };
    if !existing {
        (policy, group, user) = (None, None, None);
    }
    if let Some(v) = f.nullable_uuid("policy", false) {
        if let Some(p) = v
            && policies::get(conn, p).await?.is_none()
        {
            missing(&mut f, "policy", p);
        }
        policy = v;
    }
    if let Some(v) = f.nullable_uuid("group", false) {
        if let Some(g) = v
            && groups::get(conn, g).await?.is_none()
        {
            missing(&mut f, "group", g);
        }
        group = v;
    }
    if let Some(v) = f.nullable_integer("user") {
        if let Some(u) = v
            && users::get(conn, u).await?.is_none()
        {
            missing(&mut f, "user", u);
        }
        user = v;
    }
    if let Some(v) = f.uuid("target", true) {
        if !policy_bindings::target_exists(conn, v).await? {
            missing(&mut f, "target", v);
        }
        b.target = v;
    }
    for (field, slot) in [
        ("negate", &mut b.negate),
        ("enabled", &mut b.enabled),
        ("failure_result", &mut b.failure_result),
    ] {
        if let Some(v) = f.boolean(field) {
            *slot = v;
        }
    }
    if let Some(v) = f.integer("order", true) {
        b.order = v;
    }
    if let Some(v) = f.integer("timeout", false) {
        if v < 0 {
            f.error(
                "timeout",
                "Ensure this value is greater than or equal to 0.",
            );
        }
        b.timeout = v;
    }
    let set = [policy.is_some(), group.is_some(), user.is_some()]
        .iter()
        .filter(|s| **s)
        .count();
    if set > 1 {
        f.error(
            "non_field_errors",
            "Only one of 'policy', 'group' or 'user' can be set.",
        );
    } else if set == 0 {
        f.error(
            "non_field_errors",
            "One of 'policy', 'group' or 'user' must be set.",
        );
    } else {
        b.subject = match (policy, group, user) {
            (Some(p), _, _) => BindingSubject::Policy(p),
            (_, Some(g), _) => BindingSubject::Group(g),
            (_, _, Some(u)) => BindingSubject::User(u),
            _ => b.subject,
        };
    }
    if !f.has_error("non_field_errors")
        && policy_bindings::duplicate(conn, &b, existing.then_some(b.pk)).await?
    {
        f.error(
            "non_field_errors",
            "The fields policy, target, order must make a unique set.",
        );
    }
    f.finish()?;
    Ok(b)
}

/// `POST /policies/bindings/`.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut tx = Write::begin(&state.store).await?;
    let blank = PolicyBinding {
        pk: Uuid::new_v4(),
        target: Uuid::nil(),
        subject: BindingSubject::User(0),
        negate: false,
        enabled: true,
        order: 0,
        timeout: 30,
        failure_result: false,
    };
    let b = validate(&mut tx, &body, false, blank, false).await?;
    policy_bindings::create(&mut tx, &b).await?;
    tx.event(&ctx, &admin.user, "model_created", model_ref(&b))
        .await?;
    let out = one_json(&mut tx, &state, b).await?;
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
    policy_bindings::update(&mut tx, &b).await?;
    tx.event(ctx, &admin.0.user, "model_updated", model_ref(&b))
        .await?;
    let out = one_json(&mut tx, state, b).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// `PUT /policies/bindings/{policy_binding_uuid}/`.
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    write(&state, &admin, &ctx, &pk, &body, false).await
}

/// `PATCH /policies/bindings/{policy_binding_uuid}/`.
pub async fn partial_update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    write(&state, &admin, &ctx, &pk, &body, true).await
}

/// `DELETE /policies/bindings/{policy_binding_uuid}/`.
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let b = load(&mut tx, &pk).await?;
    policy_bindings::delete(&mut tx, b.pk).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&b))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/policies/bindings/", get(list).post(create))
        .route(
            "/policies/bindings/{policy_binding_uuid}/",
            get(retrieve)
                .put(update)
                .patch(partial_update)
                .delete(destroy),
        )
}

const ONE: &str = "/policies/bindings/{policy_binding_uuid}/";

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/policies/bindings/",
        "policies_bindings_list",
        "policies",
        Some("PaginatedPolicyBindingList"),
        200,
    ),
    (
        "post",
        "/policies/bindings/",
        "policies_bindings_create",
        "policies",
        Some("PolicyBinding"),
        201,
    ),
    (
        "get",
        ONE,
        "policies_bindings_retrieve",
        "policies",
        Some("PolicyBinding"),
        200,
    ),
    (
        "put",
        ONE,
        "policies_bindings_update",
        "policies",
        Some("PolicyBinding"),
        200,
    ),
    (
        "patch",
        ONE,
        "policies_bindings_partial_update",
        "policies",
        Some("PolicyBinding"),
        200,
    ),
    (
        "delete",
        ONE,
        "policies_bindings_destroy",
        "policies",
        None,
        204,
    ),
];

/// Request bodies of this resource.
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", "/policies/bindings/", "PolicyBindingRequest", true),
    ("put", ONE, "PolicyBindingRequest", true),
    ("patch", ONE, "PatchedPolicyBindingRequest", false),
];
