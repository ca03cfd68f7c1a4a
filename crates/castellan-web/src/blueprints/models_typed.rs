//! Stage types, policy types and prompts for blueprints: validated by their [`ModelSpec`]
//! through the same functions as the REST API, serialized as the API shows them.
use castellan_core::model_spec::ModelSpec;
use castellan_core::policy::Policy;
use castellan_core::stage::Stage;
use castellan_stages::specs::prompt_field::SPEC as PROMPT;
use castellan_store::objects::{self, Object};
use castellan_store::{AnyConnection, policies, stages};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::models_flows::{Candidate, uuid_of};
use crate::api;
use crate::error::{ApiError, ApiResult};

/// Stages of `spec`, serialized.
pub async fn stage_candidates(
    conn: &mut AnyConnection,
    spec: &ModelSpec,
) -> ApiResult<Vec<Candidate>> {
    let all = stages::all(conn, Some(spec.model)).await?;
    Ok(api::stages::stages_json(conn, spec, all)
        .await?
        .into_iter()
        .map(|m| (m.get("pk").cloned().unwrap_or(Value::Null), m))
        .collect())
}

/// Creates a stage of `spec`.
pub async fn stage_create(
    conn: &mut AnyConnection,
    spec: &ModelSpec,
    attrs: &Map<String, Value>,
) -> ApiResult<Value> {
    let blank = Stage {
        pk: Uuid::new_v4(),
        name: String::new(),
        kind: spec.model.to_owned(),
        config: Map::new(),
    };
    let s = api::stages_typed::validate(conn, spec, attrs, false, blank, false).await?;
    stages::create(conn, &s).await?;
    Ok(json!(s.pk))
}

async fn stage_load(conn: &mut AnyConnection, spec: &ModelSpec, pk: Uuid) -> ApiResult<Stage> {
    stages::get(conn, pk)
        .await?
        .filter(|s| s.kind == spec.model)
        .ok_or(ApiError::NotFound)
}

/// Updates a stage of `spec`.
pub async fn stage_update(
    conn: &mut AnyConnection,
    spec: &ModelSpec,
    pk: Uuid,
    attrs: &Map<String, Value>,
) -> ApiResult<()> {
    let before = stage_load(conn, spec, pk).await?;
    let s = api::stages_typed::validate(conn, spec, attrs, true, before, true).await?;
    stages::update(conn, &s).await?;
    Ok(())
}

/// Deletes a stage.
pub async fn stage_delete(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<()> {
    stages::delete(conn, pk).await?;
    Ok(())
}

/// Policies of `spec`, serialized with their type's fields.
pub async fn policy_candidates(
    conn: &mut AnyConnection,
    spec: &ModelSpec,
) -> ApiResult<Vec<Candidate>> {
    let all = policies::all(conn, Some(spec.model)).await?;
    Ok(api::policies::policies_json(conn, all, true)
        .await?
        .into_iter()
        .map(|m| (m.get("pk").cloned().unwrap_or(Value::Null), m))
        .collect())
}

/// Creates a policy of `spec`.
pub async fn policy_create(
    conn: &mut AnyConnection,
    spec: &ModelSpec,
    attrs: &Map<String, Value>,
    now: DateTime<Utc>,
) -> ApiResult<Value> {
    let blank = Policy {
        pk: Uuid::new_v4(),
        name: String::new(),
        kind: spec.model.to_owned(),
        execution_logging: false,
        created: now,
        last_updated: now,
        config: Map::new(),
    };
    let p = api::policies_typed::validate(conn, spec, attrs, false, blank, false).await?;
    policies::create(conn, &p).await?;
    Ok(json!(p.pk))
}

/// Updates a policy of `spec`.
pub async fn policy_update(
    conn: &mut AnyConnection,
    spec: &ModelSpec,
    pk: Uuid,
    attrs: &Map<String, Value>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let before = policies::get(conn, pk)
        .await?
        .filter(|p| p.kind == spec.model)
        .ok_or(ApiError::NotFound)?;
    let mut p = api::policies_typed::validate(conn, spec, attrs, true, before, true).await?;
    p.last_updated = now;
    policies::update(conn, &p).await?;
    Ok(())
}

/// Deletes a policy (its bindings go with it).
pub async fn policy_delete(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<()> {
    policies::delete(conn, pk).await?;
    Ok(())
}

/// Prompts, serialized.
pub async fn prompt_candidates(conn: &mut AnyConnection) -> ApiResult<Vec<Candidate>> {
    let all = objects::list(conn, PROMPT.model).await?;
    Ok(api::stages_prompts::objects_json(conn, &PROMPT, all)
        .await?
        .into_iter()
        .map(|m| (m.get("pk").cloned().unwrap_or(Value::Null), m))
        .collect())
}

/// Creates a prompt.
pub async fn prompt_create(
    conn: &mut AnyConnection,
    attrs: &Map<String, Value>,
) -> ApiResult<Value> {
    let blank = Object {
        pk: Uuid::new_v4(),
        model: PROMPT.model.to_owned(),
        name: String::new(),
        config: Map::new(),
    };
    let o = api::stages_prompts::validate(conn, attrs, false, blank, false).await?;
    objects::create(conn, &o).await?;
    Ok(json!(o.pk))
}

/// Updates a prompt.
pub async fn prompt_update(
    conn: &mut AnyConnection,
    pk: Uuid,
    attrs: &Map<String, Value>,
) -> ApiResult<()> {
    let before = objects::get(conn, PROMPT.model, pk)
        .await?
        .ok_or(ApiError::NotFound)?;
    let o = api::stages_prompts::validate(conn, attrs, true, before, true).await?;
    objects::update(conn, &o).await?;
    Ok(())
}

/// OAuth sources, serialized (the callback URL relative, as authentik's without a request).
pub async fn oauth_source_candidates(conn: &mut AnyConnection) -> ApiResult<Vec<Candidate>> {
    Ok(objects::list(conn, castellan_core::source_oauth::MODEL)
        .await?
        .iter()
        .map(|o| (json!(o.pk), api::sources_oauth::source_json(o, "")))
        .collect())
}

/// Creates an OAuth source (its well-known document and JWKS fetched as the API does).
pub async fn oauth_source_create(
    conn: &mut AnyConnection,
    attrs: &Map<String, Value>,
) -> ApiResult<Value> {
    let mut body = attrs.clone();
    crate::sources::oauth_discovery::complete(&mut body, None).await?;
    let blank = api::sources_oauth::blank();
    let o = api::sources_oauth::validate(conn, &body, false, blank, false).await?;
    objects::create(conn, &o).await?;
    Ok(json!(o.pk))
}

/// Updates an OAuth source.
pub async fn oauth_source_update(
    conn: &mut AnyConnection,
    pk: Uuid,
    attrs: &Map<String, Value>,
) -> ApiResult<()> {
    let before = objects::get(conn, castellan_core::source_oauth::MODEL, pk)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut body = attrs.clone();
    crate::sources::oauth_discovery::complete(&mut body, Some(&before.config)).await?;
    let o = api::sources_oauth::validate(conn, &body, true, before, true).await?;
    objects::update(conn, &o).await?;
    Ok(())
}

/// A pk given as a JSON value, as a UUID (404 otherwise).
pub fn pk_uuid(pk: &Value) -> ApiResult<Uuid> {
    uuid_of(Some(pk)).ok_or(ApiError::NotFound)
}
