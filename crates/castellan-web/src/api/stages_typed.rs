//! The per-type stage endpoints (`/stages/identification/`, `/stages/password/`, …): CRUD
//! generated from each type's [`ModelSpec`]; every field is validated by the spec, references to
//! other objects must exist, and `name` is unique across all stages.
use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::model_spec::ModelSpec;
use castellan_core::stage::Stage;
use castellan_store::{AnyConnection, stages};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::model_api;
use super::stages::{delete_stage, load, model_ref, stages_json};
use crate::auth::{Admin, AdminDb, Db};
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

async fn one_json(conn: &mut AnyConnection, spec: &ModelSpec, s: Stage) -> ApiResult<Value> {
    stages_json(conn, spec, vec![s])
        .await?
        .pop()
        .map(Value::Object)
        .ok_or_else(|| ApiError::Internal("stage vanished".into()))
}

async fn list(
    spec: &'static ModelSpec,
    mut conn: Db,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    let all = stages::all(&mut conn, Some(spec.model)).await?;
    let items = stages_json(&mut conn, spec, all).await?;
    let fields: Vec<&str> = std::iter::once("name")
        .chain(spec.fields.iter().filter(|f| !f.write_only).map(|f| f.name))
        .collect();
    Ok(Json(model_api::filter_page(
        items,
        &params,
        &fields,
        "stage_uuid",
    )?))
}

async fn retrieve(spec: &'static ModelSpec, mut conn: Db, pk: String) -> ApiResult<Json<Value>> {
    let s = load(&mut conn, &pk, Some(spec.model)).await?;
    Ok(Json(one_json(&mut conn, spec, s).await?))
}

/// Validates a body into a stage (name unique across stages, settings per the spec).
pub async fn validate(
    conn: &mut AnyConnection,
    spec: &ModelSpec,
    body: &Map<String, Value>,
    partial: bool,
    mut stage: Stage,
    existing: bool,
) -> ApiResult<Stage> {
    let mut errors = BTreeMap::new();
    if let Some(name) = model_api::name_field(body, partial, &mut errors) {
        if stages::name_taken(conn, &name, existing.then_some(stage.pk)).await? {
            errors
                .entry("name".into())
                .or_insert_with(Vec::new)
                .push("stage with this name already exists.".into());
        }
        stage.name = name;
    }
    let current = existing.then(|| stage.config.clone());
    let config =
        model_api::validate_config(conn, spec, body, partial, current.as_ref(), &mut errors)
            .await?;
    model_api::finish(errors)?;
    stage.config = config;
    Ok(stage)
}

async fn create(
    spec: &'static ModelSpec,
    state: AppState,
    admin: Admin,
    ctx: RequestContext,
    body: Map<String, Value>,
) -> ApiResult<Response> {
    let mut tx = Write::begin(&state.store).await?;
    let blank = Stage {
        pk: Uuid::new_v4(),
        name: String::new(),
        kind: spec.model.to_string(),
        config: Map::new(),
    };
    let s = validate(&mut tx, spec, &body, false, blank, false).await?;
    stages::create(&mut tx, &s).await?;
    tx.event(&ctx, &admin.0.user, "model_created", model_ref(&s))
        .await?;
    let out = one_json(&mut tx, spec, s).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn write(
    spec: &'static ModelSpec,
    state: AppState,
    admin: Admin,
    ctx: RequestContext,
    pk: String,
    body: Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, &pk, Some(spec.model)).await?;
    let s = validate(&mut tx, spec, &body, partial, before, true).await?;
    stages::update(&mut tx, &s).await?;
    tx.event(&ctx, &admin.0.user, "model_updated", model_ref(&s))
        .await?;
    let out = one_json(&mut tx, spec, s).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// The CRUD routes of one stage type, relative to `/api/v3`.
pub fn routes(spec: &'static ModelSpec) -> Router<AppState> {
    let base = format!("/{}/", spec.api);
    let one = format!("/{}/{{stage_uuid}}/", spec.api);
    Router::new()
        .route(
            &base,
            get(move |AdminDb(_, conn): AdminDb, params: Params| list(spec, conn, params)).post(
                move |State(state): State<AppState>,
                      admin: Admin,
                      ctx: RequestContext,
                      JsonBody(body): JsonBody| {
                    create(spec, state, admin, ctx, body)
                },
            ),
        )
        .route(
            &one,
            get(move |AdminDb(_, conn): AdminDb, Path(pk): Path<String>| retrieve(spec, conn, pk))
                .put(
                    move |State(state): State<AppState>,
                          admin: Admin,
                          ctx: RequestContext,
                          Path(pk): Path<String>,
                          JsonBody(body): JsonBody| {
                        write(spec, state, admin, ctx, pk, body, false)
                    },
                )
                .patch(
                    move |State(state): State<AppState>,
                          admin: Admin,
                          ctx: RequestContext,
                          Path(pk): Path<String>,
                          JsonBody(body): JsonBody| {
                        write(spec, state, admin, ctx, pk, body, true)
                    },
                )
                .delete(
                    move |State(state): State<AppState>,
                          admin: Admin,
                          ctx: RequestContext,
                          Path(pk): Path<String>| async move {
                        delete_stage(&state, &admin, &ctx, &pk, Some(spec.model)).await
                    },
                ),
        )
}

/// Component schemas shared by the stage APIs.
pub fn extra_schemas() -> Vec<(String, Value)> {
    let obj = |props: Vec<(&str, Value, bool)>| {
        let mut required: Vec<&str> = props.iter().filter(|p| p.2).map(|p| p.0).collect();
        required.sort();
        let properties: Map<String, Value> = props
            .into_iter()
            .map(|(k, v, _)| (k.to_string(), v))
            .collect();
        json!({"type": "object", "properties": properties, "required": required})
    };
    let s = || json!({"type": "string"});
    vec![
        ("Stage".into(), obj(super::stages::stage_base())),
        (
            "StageRequest".into(),
            obj(super::stages::stage_request_base()),
        ),
        (
            "TypeCreate".into(),
            obj(vec![
                ("name", s(), true),
                ("description", s(), true),
                ("component", s(), true),
                ("model_name", s(), true),
                ("icon_url", s(), false),
                ("requires_enterprise", json!({"type": "boolean"}), false),
            ]),
        ),
        (
            "UserSetting".into(),
            obj(vec![
                ("object_uid", s(), true),
                ("component", s(), true),
                ("title", s(), true),
                ("configure_url", s(), false),
                ("icon_url", s(), false),
            ]),
        ),
        (
            "WebAuthnDeviceType".into(),
            obj(vec![
                ("aaguid", json!({"type": "string", "format": "uuid"}), true),
                ("description", s(), true),
            ]),
        ),
    ]
}
