//! `/api/v3/stages/all/` (spec §3.3): every stage with its base fields and `flow_set`, the
//! creatable `types/` and `user_settings/`; the per-type endpoints are in `stages_typed` and the
//! prompt fields in `stages_prompts`. The types come from `castellan_stages::specs`.
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use castellan_core::model_spec::{FieldType, ModelSpec};
use castellan_core::stage::Stage;
use castellan_store::{AnyConnection, flow_bindings, stages};
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

pub(crate) fn stage_base() -> Vec<(&'static str, Value, bool)> {
    vec![
        (
            "pk",
            json!({"type": "string", "format": "uuid", "readOnly": true}),
            true,
        ),
        ("name", json!({"type": "string"}), true),
        ("component", ro("string"), true),
        ("verbose_name", ro("string"), true),
        ("verbose_name_plural", ro("string"), true),
        ("meta_model_name", ro("string"), true),
        (
            "flow_set",
            json!({"type": "array", "items": {"$ref": "#/components/schemas/FlowSet"}}),
            false,
        ),
    ]
}

pub(crate) fn stage_request_base() -> Vec<(&'static str, Value, bool)> {
    vec![
        ("name", json!({"type": "string", "minLength": 1}), true),
        (
            "flow_set",
            json!({"type": "array", "items": {"$ref": "#/components/schemas/FlowSetRequest"}}),
            false,
        ),
    ]
}

/// Stage types: base fields of `Stage`, path parameter `stage_uuid`.
pub static STAGE: Family = Family {
    tag: "stages",
    param: "stage_uuid",
    base: stage_base,
    request_base: stage_request_base,
};

fn object_base() -> Vec<(&'static str, Value, bool)> {
    vec![
        (
            "pk",
            json!({"type": "string", "format": "uuid", "readOnly": true}),
            true,
        ),
        ("name", json!({"type": "string"}), true),
    ]
}

fn object_request_base() -> Vec<(&'static str, Value, bool)> {
    vec![("name", json!({"type": "string", "minLength": 1}), true)]
}

/// Prompt fields: `pk` and `name`, path parameter `prompt_uuid`.
pub static PROMPT: Family = Family {
    tag: "stages",
    param: "prompt_uuid",
    base: object_base,
    request_base: object_request_base,
};

/// Every spec'd model of this API area with its family.
pub fn spec_families() -> Vec<(&'static ModelSpec, &'static Family)> {
    let mut out: Vec<(&'static ModelSpec, &'static Family)> = castellan_stages::specs::all()
        .iter()
        .map(|s| (*s, &STAGE))
        .collect();
    out.push((&castellan_stages::specs::prompt_field::SPEC, &PROMPT));
    out
}

/// The verbose name of a stage kind (the kind itself when unknown).
pub fn verbose_name(kind: &str) -> String {
    castellan_stages::specs::by_model(kind)
        .map(|s| s.verbose_name.to_string())
        .unwrap_or_else(|| kind.to_string())
}

/// The audit reference of a stage.
pub fn model_ref(s: &Stage) -> Value {
    let (app, model) = s
        .kind
        .split_once('.')
        .unwrap_or(("authentik_flows", "stage"));
    audit::model_ref(app, model, s.pk, &s.name)
}

/// Serialises stages with their base fields and `flow_set` (`Stage`).
pub async fn stages_base_json(
    conn: &mut AnyConnection,
    list: Vec<Stage>,
) -> ApiResult<Vec<Map<String, Value>>> {
    let ids: Vec<Uuid> = list.iter().map(|s| s.pk).collect();
    let mut flow_sets: HashMap<Uuid, Vec<Value>> = HashMap::new();
    for (stage, flow) in flow_bindings::flows_of_stages(conn, &ids).await? {
        flow_sets
            .entry(stage)
            .or_default()
            .push(super::flows::flow_set_json(&flow));
    }
    Ok(list
        .into_iter()
        .map(|s| {
            let spec = castellan_stages::specs::by_model(&s.kind);
            let mut m = Map::new();
            m.insert("pk".into(), json!(s.pk));
            m.insert("name".into(), json!(s.name));
            m.insert(
                "component".into(),
                json!(spec.map(|x| x.component).unwrap_or_default()),
            );
            m.insert(
                "verbose_name".into(),
                json!(spec.map(|x| x.verbose_name).unwrap_or_default()),
            );
            m.insert(
                "verbose_name_plural".into(),
                json!(spec.map(|x| x.verbose_name_plural).unwrap_or_default()),
            );
            m.insert("meta_model_name".into(), json!(s.kind));
            m.insert(
                "flow_set".into(),
                Value::Array(flow_sets.remove(&s.pk).unwrap_or_default()),
            );
            m
        })
        .collect())
}

/// Serialises stages of one type: base fields, then the type's own fields in spec order.
pub async fn stages_json(
    conn: &mut AnyConnection,
    spec: &ModelSpec,
    list: Vec<Stage>,
) -> ApiResult<Vec<Map<String, Value>>> {
    let configs: Vec<Map<String, Value>> = list.iter().map(|s| s.config.clone()).collect();
    let bases = stages_base_json(conn, list).await?;
    Ok(bases
        .into_iter()
        .zip(configs)
        .map(|(mut m, config)| {
            for f in spec.fields.iter().filter(|f| !f.write_only) {
                let v = match f.ty {
                    FieldType::Computed { .. } => model_api::empty_list(),
                    _ => config
                        .get(f.name)
                        .cloned()
                        .or_else(|| f.default.value())
                        .unwrap_or(Value::Null),
                };
                m.insert(f.name.into(), v);
            }
            m
        })
        .collect())
}

/// `GET /stages/all/`.
pub async fn all_list(
    AdminDb(_, Db(mut conn)): AdminDb,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    let all = stages::all(&mut conn, None).await?;
    let items = stages_base_json(&mut conn, all).await?;
    Ok(Json(model_api::filter_page(
        items,
        &params,
        &["name"],
        "stage_uuid",
    )?))
}

/// Loads a stage by key (404 when absent or malformed), optionally of one kind.
pub async fn load(conn: &mut AnyConnection, pk: &str, kind: Option<&str>) -> ApiResult<Stage> {
    let pk = Uuid::parse_str(pk).map_err(|_| ApiError::NotFound)?;
    match stages::get(conn, pk).await? {
        Some(s) if kind.is_none_or(|k| k == s.kind) => Ok(s),
        _ => Err(ApiError::NotFound),
    }
}

/// `GET /stages/all/{stage_uuid}/`.
pub async fn all_retrieve(
    AdminDb(_, Db(mut conn)): AdminDb,
    Path(pk): Path<String>,
) -> ApiResult<Json<Value>> {
    let s = load(&mut conn, &pk, None).await?;
    let mut out = stages_base_json(&mut conn, vec![s]).await?;
    out.pop()
        .map(|m| Json(Value::Object(m)))
        .ok_or(ApiError::NotFound)
}

/// Deletes a stage in a write (shared with the typed endpoints).
pub async fn delete_stage(
    state: &AppState,
    admin: &Admin,
    ctx: &RequestContext,
    pk: &str,
    kind: Option<&str>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let s = load(&mut tx, pk, kind).await?;
    stages::delete(&mut tx, s.pk).await?;
    tx.event(ctx, &admin.0.user, "model_deleted", model_ref(&s))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /stages/all/{stage_uuid}/`.
pub async fn all_destroy(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
) -> ApiResult<StatusCode> {
    delete_stage(&state, &admin, &ctx, &pk, None).await
}

/// `TypeCreate` entries for `specs`, sorted by name.
pub fn types_json(specs: &[&ModelSpec], enterprise: &[&str]) -> Vec<Value> {
    let mut out: Vec<Value> = specs
        .iter()
        .map(|s| {
            json!({
                "name": s.verbose_name,
                "description": s.description,
                "component": s.component,
                "model_name": s.model_name(),
                "requires_enterprise": enterprise.contains(&s.model),
            })
        })
        .collect();
    out.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    out
}

/// `GET /stages/all/types/`.
pub async fn types(_admin: Admin) -> Json<Vec<Value>> {
    Json(types_json(
        castellan_stages::specs::all(),
        &["authentik_stages_source.sourcestage"],
    ))
}

/// `GET /stages/all/user_settings/`: configurable stages with a `configure_flow` arrive with
/// the user settings (empty for now).
pub async fn user_settings(_admin: Admin) -> Json<Vec<Value>> {
    Json(Vec::new())
}

/// The prompt stages listing a prompt, as `Stage` objects (`promptstage_set`).
pub async fn prompt_stages_of(conn: &mut AnyConnection, prompt: Uuid) -> ApiResult<Vec<Value>> {
    let found: Vec<Stage> = stages::mentioning(conn, &prompt.to_string())
        .await?
        .into_iter()
        .filter(|s| {
            s.kind == castellan_stages::specs::prompt::SPEC.model
                && s.config
                    .get("fields")
                    .and_then(Value::as_array)
                    .is_some_and(|f| f.contains(&json!(prompt.to_string())))
        })
        .collect();
    Ok(stages_base_json(conn, found)
        .await?
        .into_iter()
        .map(Value::Object)
        .collect())
}

/// Routes of `/stages/…`, relative to `/api/v3`.
pub fn routes() -> axum::Router<AppState> {
    let mut r = axum::Router::new()
        .route("/stages/all/", get(all_list))
        .route("/stages/all/types/", get(types))
        .route("/stages/all/user_settings/", get(user_settings))
        .route(
            "/stages/all/{stage_uuid}/",
            get(all_retrieve).delete(all_destroy),
        );
    for spec in castellan_stages::specs::all() {
        r = r.merge(super::stages_typed::routes(spec));
    }
    r.merge(super::stages_prompts::routes())
        .merge(super::stages_invitations::routes())
        .merge(super::stages_email::routes())
        .merge(super::stages_authenticator_duo::routes())
}

/// Documented operations of `/stages/all/` (the typed ones are generated).
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/stages/all/",
        "stages_all_list",
        "stages",
        Some("PaginatedStageList"),
        200,
    ),
    (
        "get",
        "/stages/all/{stage_uuid}/",
        "stages_all_retrieve",
        "stages",
        Some("Stage"),
        200,
    ),
    (
        "delete",
        "/stages/all/{stage_uuid}/",
        "stages_all_destroy",
        "stages",
        None,
        204,
    ),
    (
        "get",
        "/stages/all/types/",
        "stages_all_types_list",
        "stages",
        Some("[TypeCreate]"),
        200,
    ),
    (
        "get",
        "/stages/all/user_settings/",
        "stages_all_user_settings_list",
        "stages",
        Some("[UserSetting]"),
        200,
    ),
];
