//! `/api/v3/policies/all/` (spec §6.3): every policy with its base fields and `bound_to`, the
//! creatable `types/` and the (absent) result cache; per-type endpoints are in `policies_typed`.
//! `test/` arrives with the policy engine.
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use castellan_core::model_spec::{FieldType, ModelSpec};
use castellan_core::policy::Policy;
use castellan_policy::specs::countries::country_name;
use castellan_store::{AnyConnection, policies};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::model_api::{self, Family};
use crate::audit;
use crate::auth::{Admin, AdminDb, Db};
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::openapi::Operation;
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

fn ro(t: &str) -> Value {
    json!({"type": t, "readOnly": true})
}

fn policy_base() -> Vec<(&'static str, Value, bool)> {
    vec![
        (
            "pk",
            json!({"type": "string", "format": "uuid", "readOnly": true}),
            true,
        ),
        ("name", json!({"type": "string"}), true),
        ("execution_logging", json!({"type": "boolean"}), false),
        ("component", ro("string"), true),
        ("verbose_name", ro("string"), true),
        ("verbose_name_plural", ro("string"), true),
        ("meta_model_name", ro("string"), true),
        ("bound_to", ro("integer"), true),
    ]
}

fn policy_request_base() -> Vec<(&'static str, Value, bool)> {
    vec![
        ("name", json!({"type": "string", "minLength": 1}), true),
        ("execution_logging", json!({"type": "boolean"}), false),
    ]
}

/// Policy types: base fields of `Policy`, path parameter `policy_uuid`.
pub static POLICY: Family = Family {
    tag: "policies",
    param: "policy_uuid",
    base: policy_base,
    request_base: policy_request_base,
};

/// Every policy type with its family.
pub fn spec_families() -> Vec<(&'static ModelSpec, &'static Family)> {
    castellan_policy::specs::all()
        .iter()
        .map(|s| (*s, &POLICY))
        .collect()
}

/// The verbose name of a policy kind (the kind itself when unknown).
pub fn verbose_name(kind: &str) -> String {
    castellan_policy::specs::by_model(kind)
        .map(|s| s.verbose_name.to_string())
        .unwrap_or_else(|| kind.to_string())
}

/// The audit reference of a policy.
pub fn model_ref(p: &Policy) -> Value {
    let (app, model) = p
        .kind
        .split_once('.')
        .unwrap_or(("authentik_policies", "policy"));
    audit::model_ref(app, model, p.pk, &p.name)
}

/// Serialises policies with their base fields (`Policy`); with `full`, also the type's fields.
pub async fn policies_json(
    conn: &mut AnyConnection,
    list: Vec<Policy>,
    full: bool,
) -> ApiResult<Vec<Map<String, Value>>> {
    let ids: Vec<Uuid> = list.iter().map(|p| p.pk).collect();
    let counts: HashMap<Uuid, i64> = policies::binding_counts(conn, &ids).await?;
    Ok(list
        .into_iter()
        .map(|p| {
            let spec = castellan_policy::specs::by_model(&p.kind);
            let mut m = Map::new();
            m.insert("pk".into(), json!(p.pk));
            m.insert("name".into(), json!(p.name));
            m.insert("execution_logging".into(), json!(p.execution_logging));
            m.insert(
                "component".into(),
                json!(spec.map(|s| s.component).unwrap_or_default()),
            );
            m.insert(
                "verbose_name".into(),
                json!(spec.map(|s| s.verbose_name).unwrap_or_default()),
            );
            m.insert(
                "verbose_name_plural".into(),
                json!(spec.map(|s| s.verbose_name_plural).unwrap_or_default()),
            );
            m.insert("meta_model_name".into(), json!(p.kind));
            m.insert(
                "bound_to".into(),
                json!(counts.get(&p.pk).copied().unwrap_or(0)),
            );
            if full && let Some(spec) = spec {
                for f in spec.fields.iter().filter(|f| !f.write_only) {
                    let v = match f.ty {
                        FieldType::Computed { .. } => countries_obj(&p.config),
                        _ => p
                            .config
                            .get(f.name)
                            .cloned()
                            .or_else(|| f.default.value())
                            .unwrap_or(Value::Null),
                    };
                    m.insert(f.name.into(), v);
                }
            }
            m
        })
        .collect())
}

/// `countries_obj` of a GeoIP policy: `[{code, name}]`.
fn countries_obj(config: &Map<String, Value>) -> Value {
    let codes = config
        .get("countries")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Value::Array(
        codes
            .iter()
            .filter_map(Value::as_str)
            .map(|c| json!({"code": c, "name": country_name(c).unwrap_or(c)}))
            .collect(),
    )
}

/// `GET /policies/all/` (`bindings__isnull`, `promptstage__isnull` are accepted and ignored
/// beyond `bindings__isnull`).
pub async fn all_list(
    AdminDb(_, Db(mut conn)): AdminDb,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    let mut all = policies::all(&mut conn, None).await?;
    if let Some(isnull) = params.boolean("bindings__isnull")? {
        let bound = policies::bound(&mut conn).await?;
        all.retain(|p| bound.contains(&p.pk) != isnull);
    }
    let items = policies_json(&mut conn, all, false).await?;
    Ok(Json(model_api::filter_page(
        items,
        &params,
        &["name"],
        "policy_uuid",
    )?))
}

/// Loads a policy by key (404 when absent or malformed), optionally of one kind.
pub async fn load(conn: &mut AnyConnection, pk: &str, kind: Option<&str>) -> ApiResult<Policy> {
    let pk = Uuid::parse_str(pk).map_err(|_| ApiError::NotFound)?;
    match policies::get(conn, pk).await? {
        Some(p) if kind.is_none_or(|k| k == p.kind) => Ok(p),
        _ => Err(ApiError::NotFound),
    }
}

/// `GET /policies/all/{policy_uuid}/`.
pub async fn all_retrieve(
    AdminDb(_, Db(mut conn)): AdminDb,
    Path(pk): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = load(&mut conn, &pk, None).await?;
    let mut out = policies_json(&mut conn, vec![p], false).await?;
    out.pop()
        .map(|m| Json(Value::Object(m)))
        .ok_or(ApiError::NotFound)
}

/// Deletes a policy in a write (shared with the typed endpoints); its bindings go with it.
pub async fn delete_policy(
    state: &AppState,
    admin: &Admin,
    ctx: &RequestContext,
    pk: &str,
    kind: Option<&str>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let p = load(&mut tx, pk, kind).await?;
    policies::delete(&mut tx, p.pk).await?;
    tx.event(ctx, &admin.0.user, "model_deleted", model_ref(&p))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /policies/all/{policy_uuid}/`.
pub async fn all_destroy(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
) -> ApiResult<StatusCode> {
    delete_policy(&state, &admin, &ctx, &pk, None).await
}

/// `GET /policies/all/types/`.
pub async fn types(_admin: Admin) -> Json<Vec<Value>> {
    Json(super::stages::types_json(
        castellan_policy::specs::all(),
        &[],
    ))
}

/// `GET /policies/all/cache_info/`: no result cache is kept.
pub async fn cache_info(_admin: Admin) -> Json<Value> {
    Json(json!({"count": 0}))
}

/// `POST /policies/all/cache_clear/`.
pub async fn cache_clear(_admin: Admin) -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Routes of `/policies/…`, relative to `/api/v3`.
pub fn routes() -> axum::Router<AppState> {
    let mut r = axum::Router::new()
        .route("/policies/all/", get(all_list))
        .route("/policies/all/types/", get(types))
        .route("/policies/all/cache_info/", get(cache_info))
        .route("/policies/all/cache_clear/", post(cache_clear))
        .route(
            "/policies/all/{policy_uuid}/",
            get(all_retrieve).delete(all_destroy),
        );
    for spec in castellan_policy::specs::all() {
        r = r.merge(super::policies_typed::routes(spec));
    }
    r.merge(super::policy_bindings::routes())
}

/// Documented operations of `/policies/all/` (the typed ones are generated).
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/policies/all/",
        "policies_all_list",
        "policies",
        Some("PaginatedPolicyList"),
        200,
    ),
    (
        "get",
        "/policies/all/{policy_uuid}/",
        "policies_all_retrieve",
        "policies",
        Some("Policy"),
        200,
    ),
    (
        "delete",
        "/policies/all/{policy_uuid}/",
        "policies_all_destroy",
        "policies",
        None,
        204,
    ),
    (
        "get",
        "/policies/all/types/",
        "policies_all_types_list",
        "policies",
        Some("[TypeCreate]"),
        200,
    ),
    (
        "get",
        "/policies/all/cache_info/",
        "policies_all_cache_info_retrieve",
        "policies",
        Some("Cache"),
        200,
    ),
    (
        "post",
        "/policies/all/cache_clear/",
        "policies_all_cache_clear_create",
        "policies",
        None,
        204,
    ),
];

/// Component schemas shared by the policy APIs.
pub fn extra_schemas() -> Vec<(String, Value)> {
    let props: Map<String, Value> = policy_base()
        .into_iter()
        .map(|(k, v, _)| (k.to_string(), v))
        .collect();
    let mut required: Vec<&str> = policy_base().iter().filter(|p| p.2).map(|p| p.0).collect();
    required.sort();
    vec![
        (
            "Policy".into(),
            json!({"type": "object", "properties": props, "required": required}),
        ),
        (
            "DetailedCountryField".into(),
            json!({"type": "object", "properties": {"code": {"$ref": "#/components/schemas/CountryCodeEnum"}, "name": {"type": "string"}}, "required": ["code", "name"]}),
        ),
    ]
}
