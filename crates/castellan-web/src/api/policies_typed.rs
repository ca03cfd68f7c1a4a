//! The per-type policy endpoints (`/policies/expression/`, `/policies/password/`, …): CRUD
//! generated from each type's [`ModelSpec`]; `name` is unique across all policies and
//! `execution_logging` is common to every type.
use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::model_spec::ModelSpec;
use castellan_core::policy::Policy;
use castellan_store::{AnyConnection, policies};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::model_api;
use super::policies::{delete_policy, load, model_ref, policies_json};
use crate::auth::{Admin, AdminDb, Db};
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

async fn one_json(conn: &mut AnyConnection, p: Policy) -> ApiResult<Value> {
    policies_json(conn, vec![p], true)
        .await?
        .pop()
        .map(Value::Object)
        .ok_or_else(|| ApiError::Internal("policy vanished".into()))
}

async fn list(
    spec: &'static ModelSpec,
    mut conn: Db,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    let all = policies::all(&mut conn, Some(spec.model)).await?;
    let items = policies_json(&mut conn, all, true).await?;
    let fields: Vec<&str> = ["name", "execution_logging"]
        .into_iter()
        .chain(spec.fields.iter().filter(|f| !f.write_only).map(|f| f.name))
        .collect();
    Ok(Json(model_api::filter_page(
        items,
        &params,
        &fields,
        "policy_uuid",
    )?))
}

async fn retrieve(spec: &'static ModelSpec, mut conn: Db, pk: String) -> ApiResult<Json<Value>> {
    let p = load(&mut conn, &pk, Some(spec.model)).await?;
    Ok(Json(one_json(&mut conn, p).await?))
}

/// Validates a body into a policy (name unique across policies, settings per the spec).
pub async fn validate(
    conn: &mut AnyConnection,
    spec: &ModelSpec,
    body: &Map<String, Value>,
    partial: bool,
    mut policy: Policy,
    existing: bool,
) -> ApiResult<Policy> {
    let mut errors = BTreeMap::new();
    if let Some(name) = model_api::name_field(body, partial, &mut errors) {
        if policies::name_taken(conn, &name, existing.then_some(policy.pk)).await? {
            errors
                .entry("name".into())
                .or_insert_with(Vec::new)
                .push("policy with this name already exists.".into());
        }
        policy.name = name;
    }
    let mut f = crate::fields::Fields::new(body, partial);
    if let Some(v) = f.boolean("execution_logging") {
        policy.execution_logging = v;
    }
    if let Err(ApiError::Validation(e)) = f.finish() {
        errors.extend(e);
    }
    let current = existing.then(|| policy.config.clone());
    let config =
        model_api::validate_config(conn, spec, body, partial, current.as_ref(), &mut errors)
            .await?;
    if spec.model == castellan_policy::specs::expression::SPEC.model {
        model_api::check_expression(&config, &mut errors);
    }
    model_api::finish(errors)?;
    policy.config = config;
    Ok(policy)
}

async fn create(
    spec: &'static ModelSpec,
    state: AppState,
    admin: Admin,
    ctx: RequestContext,
    body: Map<String, Value>,
) -> ApiResult<Response> {
    let mut tx = Write::begin(&state.store).await?;
    let now = tx.now();
    let blank = Policy {
        pk: Uuid::new_v4(),
        name: String::new(),
        kind: spec.model.to_string(),
        execution_logging: false,
        created: now,
        last_updated: now,
        config: Map::new(),
    };
    let p = validate(&mut tx, spec, &body, false, blank, false).await?;
    policies::create(&mut tx, &p).await?;
    tx.event(&ctx, &admin.0.user, "model_created", model_ref(&p))
        .await?;
    let out = one_json(&mut tx, p).await?;
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
    let mut p = validate(&mut tx, spec, &body, partial, before, true).await?;
    p.last_updated = tx.now();
    policies::update(&mut tx, &p).await?;
    tx.event(&ctx, &admin.0.user, "model_updated", model_ref(&p))
        .await?;
    let out = one_json(&mut tx, p).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// The CRUD routes of one policy type, relative to `/api/v3`.
pub fn routes(spec: &'static ModelSpec) -> Router<AppState> {
    let base = format!("/{}/", spec.api);
    let one = format!("/{}/{{policy_uuid}}/", spec.api);
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
                        delete_policy(&state, &admin, &ctx, &pk, Some(spec.model)).await
                    },
                ),
        )
}
