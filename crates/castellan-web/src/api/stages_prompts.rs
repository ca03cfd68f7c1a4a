//! `/api/v3/stages/prompt/prompts/` (spec §4.9): prompt fields, stored in the generic object
//! table and validated by their spec. `promptstage_set` lists the prompt stages using a prompt
//! (accepted and ignored in requests, as authentik does); `preview/` renders an unsaved prompt
//! as its challenge.
pub mod preview;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::model_spec::{FieldType, ModelSpec};
use castellan_stages::specs::prompt_field::SPEC;
use castellan_store::AnyConnection;
use castellan_store::objects::{self, Object};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::model_api;
use crate::audit;
use crate::auth::{Admin, AdminDb, Db};
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

const BASE: &str = "/stages/prompt/prompts/";
const ONE: &str = "/stages/prompt/prompts/{prompt_uuid}/";

fn model_ref(o: &Object) -> Value {
    audit::model_ref(SPEC.app_label(), SPEC.model_name(), o.pk, &o.name)
}

/// Serialises objects of `spec`: `pk`, `name`, then the spec's fields (computed ones by `computed`).
pub async fn objects_json(
    conn: &mut AnyConnection,
    spec: &ModelSpec,
    list: Vec<Object>,
) -> ApiResult<Vec<Map<String, Value>>> {
    let mut out = Vec::with_capacity(list.len());
    for o in list {
        let mut m = Map::new();
        m.insert("pk".into(), json!(o.pk));
        m.insert("name".into(), json!(o.name));
        for f in spec.fields.iter().filter(|f| !f.write_only) {
            let v = match f.ty {
                FieldType::Computed { .. } if f.name == "promptstage_set" => {
                    Value::Array(super::stages::prompt_stages_of(conn, o.pk).await?)
                }
                FieldType::Computed { .. } => model_api::empty_list(),
                _ => o
                    .config
                    .get(f.name)
                    .cloned()
                    .or_else(|| f.default.value())
                    .unwrap_or(Value::Null),
            };
            m.insert(f.name.into(), v);
        }
        out.push(m);
    }
    Ok(out)
}

async fn one_json(conn: &mut AnyConnection, o: Object) -> ApiResult<Value> {
    objects_json(conn, &SPEC, vec![o])
        .await?
        .pop()
        .map(Value::Object)
        .ok_or_else(|| ApiError::Internal("prompt vanished".into()))
}

async fn load(conn: &mut AnyConnection, pk: &str) -> ApiResult<Object> {
    let pk = Uuid::parse_str(pk).map_err(|_| ApiError::NotFound)?;
    objects::get(conn, SPEC.model, pk)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `GET /stages/prompt/prompts/`.
pub async fn list(
    AdminDb(_, Db(mut conn)): AdminDb,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    let all = objects::list(&mut conn, SPEC.model).await?;
    let items = objects_json(&mut conn, &SPEC, all).await?;
    let fields = ["name", "field_key", "label", "type", "placeholder", "order"];
    Ok(Json(model_api::filter_page(
        items,
        &params,
        &fields,
        "prompt_uuid",
    )?))
}

/// `GET /stages/prompt/prompts/{prompt_uuid}/`.
pub async fn retrieve(
    AdminDb(_, Db(mut conn)): AdminDb,
    Path(pk): Path<String>,
) -> ApiResult<Json<Value>> {
    let o = load(&mut conn, &pk).await?;
    Ok(Json(one_json(&mut conn, o).await?))
}

/// Validates a body into a prompt (name unique, fields per the spec); shared with blueprints.
pub async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut o: Object,
    existing: bool,
) -> ApiResult<Object> {
    let (config, errors) = model_api::object_fields(
        conn,
        &SPEC,
        body,
        partial,
        &mut o,
        existing,
        "prompt with this name already exists.",
    )
    .await?;
    model_api::finish(errors)?;
    o.config = config;
    Ok(o)
}

/// `POST /stages/prompt/prompts/`.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut tx = Write::begin(&state.store).await?;
    let blank = Object {
        pk: Uuid::new_v4(),
        model: SPEC.model.into(),
        name: String::new(),
        config: Map::new(),
    };
    let o = validate(&mut tx, &body, false, blank, false).await?;
    objects::create(&mut tx, &o).await?;
    tx.event(&ctx, &admin.user, "model_created", model_ref(&o))
        .await?;
    let out = one_json(&mut tx, o).await?;
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
    let o = validate(&mut tx, body, partial, before, true).await?;
    objects::update(&mut tx, &o).await?;
    tx.event(ctx, &admin.0.user, "model_updated", model_ref(&o))
        .await?;
    let out = one_json(&mut tx, o).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// `PUT /stages/prompt/prompts/{prompt_uuid}/`.
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    write(&state, &admin, &ctx, &pk, &body, false).await
}

/// `PATCH /stages/prompt/prompts/{prompt_uuid}/`.
pub async fn partial_update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    write(&state, &admin, &ctx, &pk, &body, true).await
}

/// `DELETE /stages/prompt/prompts/{prompt_uuid}/`: prompt stages drop it from their `fields`.
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let o = load(&mut tx, &pk).await?;
    objects::delete(&mut tx, o.pk).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&o))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(
            ONE,
            get(retrieve)
                .put(update)
                .patch(partial_update)
                .delete(destroy),
        )
        .merge(preview::routes())
}
