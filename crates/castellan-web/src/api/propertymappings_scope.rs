//! `/api/v3/propertymappings/provider/scope/` (spec §7.1.6): CRUD of scope mappings, kept in
//! the generic object table. The expression must compile; `name` and `managed` are unique among
//! scope mappings. Deleting a mapping removes it from every OAuth2 provider.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::oauth2::{SCOPE_MAPPING_MODEL, ScopeMapping};
use castellan_store::objects::{self, Object};
use castellan_store::{AnyConnection, oauth2_providers, scope_mappings};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::model_api;
use super::property_mapping_fields::name_and_expression;
use super::used_by::UsedBy;
use crate::auth::{Admin, AdminDb};
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Fields, TEXT_MAX};
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// The `ScopeMapping` JSON of a mapping.
pub fn mapping_json(m: &ScopeMapping) -> Map<String, Value> {
    let v = json!({
        "pk": m.pk,
        "managed": m.managed,
        "name": m.name,
        "expression": m.expression,
        "component": "ak-property-mapping-provider-scope-form",
        "verbose_name": "Scope Mapping",
        "verbose_name_plural": "Scope Mappings",
        "meta_model_name": SCOPE_MAPPING_MODEL,
        "scope_name": m.scope_name,
        "description": m.description,
    });
    v.as_object().cloned().unwrap_or_default()
}

fn model_ref(m: &ScopeMapping) -> Value {
    crate::audit::model_ref("authentik_providers_oauth2", "scopemapping", m.pk, &m.name)
}

async fn load(conn: &mut AnyConnection, id: &str) -> ApiResult<ScopeMapping> {
    let pk = Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    objects::get(conn, SCOPE_MAPPING_MODEL, pk)
        .await?
        .map(|o| scope_mappings::from_object(&o))
        .ok_or(ApiError::NotFound)
}

/// Validates a body over `m` (`existing`: an update).
async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut m: ScopeMapping,
    existing: bool,
) -> ApiResult<ScopeMapping> {
    let mut f = Fields::new(body, partial);
    let except = existing.then_some(m.pk);
    let (name, expression) = (&mut m.name, &mut m.expression);
    name_and_expression(conn, &mut f, SCOPE_MAPPING_MODEL, except, name, expression).await?;
    if let Some(v) = f.string("scope_name", true, false, TEXT_MAX) {
        m.scope_name = v;
    }
    if let Some(v) = f.string("description", false, true, TEXT_MAX) {
        m.description = v;
    }
    if let Some(v) = f.nullable_string("managed", TEXT_MAX) {
        if let Some(key) = &v
            && scope_mappings::by_managed(conn, key)
                .await?
                .is_some_and(|other| Some(other.pk) != except)
        {
            f.error(
                "managed",
                "Property Mapping with this Managed by authentik already exists.",
            );
        }
        m.managed = v;
    }
    f.finish()?;
    Ok(m)
}

fn to_object(m: &ScopeMapping) -> Object {
    let mut config = Map::new();
    config.insert("managed".into(), json!(m.managed));
    config.insert("expression".into(), json!(m.expression));
    config.insert("scope_name".into(), json!(m.scope_name));
    config.insert("description".into(), json!(m.description));
    Object {
        pk: m.pk,
        model: SCOPE_MAPPING_MODEL.into(),
        name: m.name.clone(),
        config,
    }
}

async fn list(AdminDb(_, mut conn): AdminDb, params: Params) -> ApiResult<Json<Paginated<Value>>> {
    let mut items: Vec<Map<String, Value>> = scope_mappings::all(&mut conn)
        .await?
        .iter()
        .map(mapping_json)
        .collect();
    match params.boolean("managed__isnull")? {
        Some(true) => items.retain(|m| m["managed"].is_null()),
        Some(false) => items.retain(|m| !m["managed"].is_null()),
        None => {}
    }
    let managed = params.all("managed");
    if !managed.is_empty() {
        items.retain(|m| {
            m["managed"]
                .as_str()
                .is_some_and(|v| managed.iter().any(|w| w == v))
        });
    }
    let fields = ["name", "scope_name", "expression", "description"];
    Ok(Json(model_api::filter_page(
        items, &params, &fields, "pm_uuid",
    )?))
}

async fn retrieve(AdminDb(_, mut conn): AdminDb, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let m = load(&mut conn, &id).await?;
    Ok(Json(Value::Object(mapping_json(&m))))
}

async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let blank = ScopeMapping {
        pk: Uuid::new_v4(),
        name: String::new(),
        scope_name: String::new(),
        description: String::new(),
        expression: String::new(),
        managed: None,
    };
    let mut tx = Write::begin(&state.store).await?;
    let m = validate(&mut tx, &body, false, blank, false).await?;
    objects::create(&mut tx, &to_object(&m)).await?;
    tx.event(&ctx, &admin.user, "model_created", model_ref(&m))
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Value::Object(mapping_json(&m)))).into_response())
}

async fn write(
    state: AppState,
    admin: Admin,
    ctx: RequestContext,
    id: String,
    body: Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, &id).await?;
    let m = validate(&mut tx, &body, partial, before, true).await?;
    objects::update(&mut tx, &to_object(&m)).await?;
    tx.event(&ctx, &admin.0.user, "model_updated", model_ref(&m))
        .await?;
    tx.commit().await?;
    Ok(Json(Value::Object(mapping_json(&m))))
}

/// Removes mapping `pk` from every OAuth2 provider that offers it.
pub async fn detach(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<()> {
    for mut p in oauth2_providers::all(conn).await? {
        if p.property_mappings.contains(&pk) {
            p.property_mappings.retain(|m| *m != pk);
            oauth2_providers::update(conn, &p).await?;
        }
    }
    Ok(())
}

async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let m = load(&mut tx, &id).await?;
    detach(&mut tx, m.pk).await?;
    objects::delete(&mut tx, m.pk).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&m))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `used_by`: the OAuth2 providers offering the mapping (deleting it removes the link).
async fn used_by(
    AdminDb(_, mut conn): AdminDb,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<UsedBy>>> {
    let m = load(&mut conn, &id).await?;
    Ok(Json(
        oauth2_providers::all(&mut conn)
            .await?
            .into_iter()
            .filter(|p| p.property_mappings.contains(&m.pk))
            .map(|p| UsedBy {
                app: "authentik_providers_oauth2".into(),
                model_name: "oauth2provider".into(),
                pk: p.base.pk.to_string(),
                name: p.base.name,
                action: super::used_by::UsedByActionEnum::CascadeMany,
            })
            .collect(),
    ))
}

const BASE: &str = "/propertymappings/provider/scope/";
const ONE: &str = "/propertymappings/provider/scope/{pm_uuid}/";

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(
            ONE,
            super::put_patch::put_and_patch!(get(retrieve), write, Admin).delete(destroy),
        )
        .route(
            "/propertymappings/provider/scope/{pm_uuid}/used_by/",
            get(used_by),
        )
}

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        BASE,
        "propertymappings_provider_scope_list",
        "propertymappings",
        Some("PaginatedScopeMappingList"),
        200,
    ),
    (
        "post",
        BASE,
        "propertymappings_provider_scope_create",
        "propertymappings",
        Some("ScopeMapping"),
        201,
    ),
    (
        "get",
        ONE,
        "propertymappings_provider_scope_retrieve",
        "propertymappings",
        Some("ScopeMapping"),
        200,
    ),
    (
        "put",
        ONE,
        "propertymappings_provider_scope_update",
        "propertymappings",
        Some("ScopeMapping"),
        200,
    ),
    (
        "patch",
        ONE,
        "propertymappings_provider_scope_partial_update",
        "propertymappings",
        Some("ScopeMapping"),
        200,
    ),
    (
        "delete",
        ONE,
        "propertymappings_provider_scope_destroy",
        "propertymappings",
        None,
        204,
    ),
    (
        "get",
        "/propertymappings/provider/scope/{pm_uuid}/used_by/",
        "propertymappings_provider_scope_used_by_list",
        "propertymappings",
        Some("[UsedBy]"),
        200,
    ),
];

/// Request bodies of this resource.
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", BASE, "ScopeMappingRequest", true),
    ("put", ONE, "ScopeMappingRequest", true),
    ("patch", ONE, "PatchedScopeMappingRequest", false),
];
