//! `/api/v3/sources/oauth/` (spec §9.2): OAuth / OpenID Connect sources, kept in the generic
//! object table, addressed by slug. Saving one fetches its well-known document and JWKS
//! (`sources::oauth_discovery`); `source_types/` lists the types with their fixed endpoints.
//! OAuth2 providers name sources in `jwks_sources` to accept client assertions they signed.
//! (Logging in through a source is not served yet.)
use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::model_spec::output;
use castellan_core::source_oauth::{MODEL, SOURCE_TYPES, SPEC, SourceType, source_type};
use castellan_store::objects::{self, Object};
use castellan_store::{AnyConnection, oauth2_providers};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::model_api::{self, Family};
use super::used_by::{UsedBy, UsedByActionEnum};
use crate::audit;
use crate::auth::{Admin, AdminDb, Db};
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};
use crate::sources::oauth_discovery;
use crate::state::AppState;
use crate::write::Write;

const BASE: &str = "/sources/oauth/";
const ONE: &str = "/sources/oauth/{slug}/";
const USED_BY: &str = "/sources/oauth/{slug}/used_by/";
const TYPES: &str = "/sources/oauth/source_types/";

/// The `SourceType` JSON of a type.
pub fn type_json(t: &SourceType) -> Value {
    json!({
        "name": t.name,
        "verbose_name": t.verbose_name,
        "urls_customizable": t.urls_customizable,
        "request_token_url": t.request_token_url,
        "authorization_url": t.authorization_url,
        "access_token_url": t.access_token_url,
        "profile_url": t.profile_url,
        "oidc_well_known_url": t.oidc_well_known_url,
        "oidc_jwks_url": t.oidc_jwks_url,
    })
}

fn slug_of(o: &Object) -> &str {
    o.config
        .get("slug")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The `OAuthSource` JSON of a source (`base`: `scheme://host` for its callback URL).
pub fn source_json(o: &Object, base: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("pk".into(), json!(o.pk));
    m.insert("name".into(), json!(o.name));
    m.extend(output(&SPEC, &o.config));
    m.insert("component".into(), json!(SPEC.component));
    m.insert("verbose_name".into(), json!(SPEC.verbose_name));
    m.insert(
        "verbose_name_plural".into(),
        json!(SPEC.verbose_name_plural),
    );
    m.insert("meta_model_name".into(), json!(MODEL));
    m.insert("managed".into(), Value::Null);
    // No icon is uploaded, and authentik's per-type icons are not served.
    m.insert("icon".into(), Value::Null);
    m.insert(
        "callback_url".into(),
        json!(format!("{base}/source/oauth/callback/{}/", slug_of(o))),
    );
    let t = m
        .get("provider_type")
        .and_then(Value::as_str)
        .and_then(source_type);
    m.insert("type".into(), t.map_or(Value::Null, type_json));
    m
}

fn model_ref(o: &Object) -> Value {
    audit::model_ref(SPEC.app_label(), SPEC.model_name(), o.pk, &o.name)
}

/// Loads a source by slug.
pub async fn load(conn: &mut AnyConnection, slug: &str) -> ApiResult<Object> {
    objects::list(conn, MODEL)
        .await?
        .into_iter()
        .find(|o| slug_of(o) == slug)
        .ok_or(ApiError::NotFound)
}

/// Validates a request body (already completed by discovery) over `o`: name and slug unique
/// among OAuth sources, every field per the spec, references existing. Shared with blueprints.
pub async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut o: Object,
    existing: bool,
) -> ApiResult<Object> {
    let (config, mut errors) = model_api::object_fields(
        conn,
        &SPEC,
        body,
        partial,
        &mut o,
        existing,
        "source with this name already exists.",
    )
    .await?;
    let except = existing.then_some(o.pk);
    if let Some(slug) = config.get("slug").and_then(Value::as_str) {
        let taken = objects::list(conn, MODEL)
            .await?
            .iter()
            .any(|other| Some(other.pk) != except && slug_of(other) == slug);
        if taken {
            errors
                .entry("slug".into())
                .or_insert_with(Vec::new)
                .push("source with this slug already exists.".into());
        }
    }
    model_api::finish(errors)?;
    o.config = config;
    Ok(o)
}

/// A new, empty source object.
pub fn blank() -> Object {
    Object {
        pk: Uuid::new_v4(),
        model: MODEL.into(),
        name: String::new(),
        config: Map::new(),
    }
}

async fn list(
    AdminDb(_, Db(mut conn)): AdminDb,
    ctx: RequestContext,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    let mut items: Vec<Map<String, Value>> = objects::list(&mut conn, MODEL)
        .await?
        .iter()
        .map(|o| source_json(o, &ctx.base_url))
        .collect();
    if let Some(wanted) = params.boolean("has_jwks")? {
        items.retain(|m| {
            let has = m
                .get("oidc_jwks")
                .and_then(Value::as_object)
                .is_some_and(|j| !j.is_empty());
            has == wanted
        });
    }
    let fields = [
        "name",
        "slug",
        "enabled",
        "authentication_flow",
        "enrollment_flow",
        "policy_engine_mode",
        "user_matching_mode",
        "group_matching_mode",
        "provider_type",
        "request_token_url",
        "authorization_url",
        "access_token_url",
        "profile_url",
        "consumer_key",
        "additional_scopes",
    ];
    Ok(Json(model_api::filter_page(
        items, &params, &fields, "pbm_uuid",
    )?))
}

async fn retrieve(
    AdminDb(_, Db(mut conn)): AdminDb,
    ctx: RequestContext,
    Path(slug): Path<String>,
) -> ApiResult<Json<Value>> {
    let o = load(&mut conn, &slug).await?;
    Ok(Json(Value::Object(source_json(&o, &ctx.base_url))))
}

async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(mut body): JsonBody,
) -> ApiResult<Response> {
    // The documents are fetched before the write transaction opens.
    oauth_discovery::complete(&mut body, None).await?;
    let mut tx = Write::begin(&state.store).await?;
    let o = validate(&mut tx, &body, false, blank(), false).await?;
    objects::create(&mut tx, &o).await?;
    tx.event(&ctx, &admin.user, "model_created", model_ref(&o))
        .await?;
    tx.commit().await?;
    let out = Value::Object(source_json(&o, &ctx.base_url));
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn write(
    state: AppState,
    admin: Admin,
    ctx: RequestContext,
    slug: String,
    mut body: Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let stored = {
        let mut conn = state.store.conn().await?;
        load(&mut conn, &slug).await?
    };
    oauth_discovery::complete(&mut body, Some(&stored.config)).await?;
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, &slug).await?;
    let o = validate(&mut tx, &body, partial, before, true).await?;
    objects::update(&mut tx, &o).await?;
    tx.event(&ctx, &admin.0.user, "model_updated", model_ref(&o))
        .await?;
    tx.commit().await?;
    Ok(Json(Value::Object(source_json(&o, &ctx.base_url))))
}

async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let o = load(&mut tx, &slug).await?;
    oauth2_providers::remove_jwks_source(&mut tx, o.pk).await?;
    objects::delete(&mut tx, o.pk).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&o))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `used_by`: the OAuth2 providers trusting the source's keys (the reference goes with it).
async fn used_by(
    AdminDb(_, Db(mut conn)): AdminDb,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<UsedBy>>> {
    let o = load(&mut conn, &slug).await?;
    let out = oauth2_providers::with_jwks_source(&mut conn, o.pk)
        .await?
        .into_iter()
        .map(|(pk, name)| UsedBy {
            app: "authentik_providers_oauth2".into(),
            model_name: "oauth2provider".into(),
            pk: pk.to_string(),
            name,
            action: UsedByActionEnum::CascadeMany,
        })
        .collect();
    Ok(Json(out))
}

/// `source_types/`: every type, or with `?name=` only that type (none when unknown).
async fn source_types(_: Admin, Query(q): Query<BTreeMap<String, String>>) -> Json<Vec<Value>> {
    Json(match q.get("name") {
        Some(name) => source_type(name).map(type_json).into_iter().collect(),
        None => SOURCE_TYPES.iter().map(type_json).collect(),
    })
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(TYPES, get(source_types))
        .route(
            ONE,
            super::put_patch::put_and_patch!(get(retrieve), write, Admin).delete(destroy),
        )
        .route(USED_BY, get(used_by))
}

fn base() -> Vec<(&'static str, Value, bool)> {
    let ro = |t: &str| json!({"type": t, "readOnly": true});
    let mut managed = ro("string");
    managed["nullable"] = json!(true);
    vec![
        (
            "pk",
            json!({"type": "string", "format": "uuid", "readOnly": true, "title": "Pbm uuid"}),
            true,
        ),
        ("name", json!({"type": "string"}), true),
        ("component", ro("string"), true),
        ("verbose_name", ro("string"), true),
        ("verbose_name_plural", ro("string"), true),
        ("meta_model_name", ro("string"), true),
        ("managed", managed.clone(), true),
        ("icon", managed, true),
        ("callback_url", ro("string"), true),
        (
            "type",
            json!({"allOf": [{"$ref": "#/components/schemas/SourceType"}], "readOnly": true}),
            true,
        ),
    ]
}

fn request_base() -> Vec<(&'static str, Value, bool)> {
    vec![("name", json!({"type": "string", "minLength": 1}), true)]
}

static SOURCE: Family = Family {
    tag: "sources",
    param: "slug",
    base,
    request_base,
};

/// Component schemas: `OAuthSource`, its requests, `SourceType` and the enums.
pub fn schemas() -> Vec<(String, Value)> {
    let mut out = model_api::spec_schemas(&SPEC, &SOURCE);
    out.extend(
        model_api::spec_enums(&SPEC)
            .into_iter()
            .filter(|(name, _)| name != "PolicyEngineMode"),
    );
    let url = json!({"type": "string", "readOnly": true, "nullable": true});
    out.push((
        "SourceType".into(),
        json!({"type": "object", "description": "Serializer for SourceType",
               "properties": {
                   "name": {"type": "string"},
                   "verbose_name": {"type": "string"},
                   "urls_customizable": {"type": "boolean"},
                   "request_token_url": url,
                   "authorization_url": url,
                   "access_token_url": url,
                   "profile_url": url,
                   "oidc_well_known_url": url,
                   "oidc_jwks_url": url,
               },
               "required": ["access_token_url", "authorization_url", "name", "oidc_jwks_url",
                            "oidc_well_known_url", "profile_url", "request_token_url",
                            "urls_customizable", "verbose_name"]}),
    ));
    out
}

const TAG: &str = "sources";
const ONE_SOURCE: Option<&str> = Some("OAuthSource");

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        BASE,
        "sources_oauth_list",
        TAG,
        Some("PaginatedOAuthSourceList"),
        200,
    ),
    ("post", BASE, "sources_oauth_create", TAG, ONE_SOURCE, 201),
    ("get", ONE, "sources_oauth_retrieve", TAG, ONE_SOURCE, 200),
    ("put", ONE, "sources_oauth_update", TAG, ONE_SOURCE, 200),
    (
        "patch",
        ONE,
        "sources_oauth_partial_update",
        TAG,
        ONE_SOURCE,
        200,
    ),
    ("delete", ONE, "sources_oauth_destroy", TAG, None, 204),
    (
        "get",
        USED_BY,
        "sources_oauth_used_by_list",
        TAG,
        Some("[UsedBy]"),
        200,
    ),
    (
        "get",
        TYPES,
        "sources_oauth_source_types_list",
        TAG,
        Some("[SourceType]"),
        200,
    ),
];

/// Request bodies of this resource.
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", BASE, "OAuthSourceRequest", true),
    ("put", ONE, "OAuthSourceRequest", true),
    ("patch", ONE, "PatchedOAuthSourceRequest", false),
];
