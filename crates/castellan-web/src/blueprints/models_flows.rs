//! Flows, stage bindings and policy bindings for blueprints: validated by the same functions as
//! the REST API and serialized as the API shows them.
use castellan_core::flow::{Flow, FlowDesignation, FlowStageBinding};
use castellan_core::policy::{BindingSubject, PolicyBinding};
use castellan_store::flow_bindings::{self, BindingFilter};
use castellan_store::list::{Page, Param};
use castellan_store::policy_bindings::{self, PolicyBindingFilter};
use castellan_store::{AnyConnection, flows};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::api;
use crate::error::{ApiError, ApiResult};

/// A page holding every row (blueprints read whole tables of configuration).
pub const ALL: Page = Page {
    page: 1,
    page_size: 1_000_000,
};

/// A candidate object: its pk and serialized fields.
pub type Candidate = (Value, Map<String, Value>);

/// The UUID a JSON value holds, if any.
pub fn uuid_of(v: Option<&Value>) -> Option<Uuid> {
    v.and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Flows matching the narrowing `hint` (slug or pk when given), serialized.
pub async fn flow_candidates(
    conn: &mut AnyConnection,
    hint: &Map<String, Value>,
) -> ApiResult<Vec<Candidate>> {
    let found: Vec<Flow> = if let Some(slug) = hint.get("slug").and_then(Value::as_str) {
        flows::get_by_slug(conn, slug).await?.into_iter().collect()
    } else if let Some(pk) = uuid_of(hint.get("pk")) {
        flows::get(conn, pk).await?.into_iter().collect()
    } else {
        flows::list(conn, &flows::FlowFilter::default(), ALL)
            .await?
            .0
    };
    let mut out = Vec::with_capacity(found.len());
    for f in found {
        let json = api::flows::flow_json(conn, &f).await?;
        out.push((json!(f.pk), object(json)));
    }
    Ok(out)
}

/// Creates a flow.
pub async fn flow_create(conn: &mut AnyConnection, attrs: &Map<String, Value>) -> ApiResult<Value> {
    let mut blank = Flow::new("", "", FlowDesignation::Authentication);
    blank.pbm_uuid = blank.pk;
    let flow = api::flows::validate(conn, attrs, false, blank, false).await?;
    flows::insert(conn, &flow).await?;
    Ok(json!(flow.pk))
}

async fn flow_load(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<Flow> {
    flows::get(conn, pk).await?.ok_or(ApiError::NotFound)
}

/// Updates a flow.
pub async fn flow_update(
    conn: &mut AnyConnection,
    pk: Uuid,
    attrs: &Map<String, Value>,
) -> ApiResult<()> {
    let before = flow_load(conn, pk).await?;
    let flow = api::flows::validate(conn, attrs, true, before, true).await?;
    flows::update(conn, &flow).await?;
    Ok(())
}

/// Deletes a flow with its bindings.
pub async fn flow_delete(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<()> {
    let flow = flow_load(conn, pk).await?;
    flows::delete(conn, &flow).await?;
    Ok(())
}

/// A flow's `pbm_uuid`.
pub async fn flow_pbm(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<Uuid> {
    Ok(flow_load(conn, pk).await?.pbm_uuid)
}

/// Stage bindings matching `hint` (of one flow when `target` is given), serialized.
pub async fn fsb_candidates(
    conn: &mut AnyConnection,
    hint: &Map<String, Value>,
) -> ApiResult<Vec<Candidate>> {
    let mut f = BindingFilter::default();
    if let Some(target) = uuid_of(hint.get("target")) {
        f.exact.push(("target", Param::Text(target.to_string())));
    }
    let rows = flow_bindings::list(conn, &f, ALL).await?.0;
    Ok(api::flow_bindings::bindings_json(conn, rows)
        .await?
        .into_iter()
        .map(|v| (v.get("pk").cloned().unwrap_or(Value::Null), object(v)))
        .collect())
}

/// Creates a stage binding.
pub async fn fsb_create(conn: &mut AnyConnection, attrs: &Map<String, Value>) -> ApiResult<Value> {
    let blank = FlowStageBinding::new(Uuid::nil(), Uuid::nil(), 0);
    let b = api::flow_bindings::validate(conn, attrs, false, blank, false).await?;
    flow_bindings::create(conn, &b).await?;
    Ok(json!(b.pk))
}

async fn fsb_load(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<FlowStageBinding> {
    flow_bindings::get(conn, pk)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Updates a stage binding.
pub async fn fsb_update(
    conn: &mut AnyConnection,
    pk: Uuid,
    attrs: &Map<String, Value>,
) -> ApiResult<()> {
    let before = fsb_load(conn, pk).await?;
    let b = api::flow_bindings::validate(conn, attrs, true, before, true).await?;
    flow_bindings::update(conn, &b).await?;
    Ok(())
}

/// Deletes a stage binding (with its policy bindings).
pub async fn fsb_delete(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<()> {
    let b = fsb_load(conn, pk).await?;
    flow_bindings::delete(conn, &b).await?;
    Ok(())
}

/// A stage binding's `pbm_uuid`.
pub async fn fsb_pbm(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<Uuid> {
    Ok(fsb_load(conn, pk).await?.pbm_uuid)
}

/// A policy binding's fields as the API shows them (without the `*_obj` expansions).
pub fn pb_json(b: &PolicyBinding) -> Map<String, Value> {
    let (policy, group, user) = match b.subject {
        BindingSubject::Policy(p) => (json!(p), Value::Null, Value::Null),
        BindingSubject::Group(g) => (Value::Null, json!(g), Value::Null),
        BindingSubject::User(u) => (Value::Null, Value::Null, json!(u)),
    };
    object(json!({
        "pk": b.pk,
        "policy": policy,
        "group": group,
        "user": user,
        "target": b.target,
        "negate": b.negate,
        "enabled": b.enabled,
        "order": b.order,
        "timeout": b.timeout,
        "failure_result": b.failure_result,
    }))
}

/// Policy bindings matching `hint` (of one target when given), serialized.
pub async fn pb_candidates(
    conn: &mut AnyConnection,
    hint: &Map<String, Value>,
) -> ApiResult<Vec<Candidate>> {
    let mut f = PolicyBindingFilter::default();
    if let Some(target) = uuid_of(hint.get("target")) {
        f.exact.push(("target", Param::Text(target.to_string())));
    }
    let rows = policy_bindings::list(conn, &f, ALL).await?.0;
    Ok(rows.iter().map(|b| (json!(b.pk), pb_json(b))).collect())
}

/// Creates a policy binding.
pub async fn pb_create(conn: &mut AnyConnection, attrs: &Map<String, Value>) -> ApiResult<Value> {
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
    let b = api::policy_bindings::validate(conn, attrs, false, blank, false).await?;
    policy_bindings::create(conn, &b).await?;
    Ok(json!(b.pk))
}

async fn pb_load(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<PolicyBinding> {
    policy_bindings::get(conn, pk)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Updates a policy binding.
pub async fn pb_update(
    conn: &mut AnyConnection,
    pk: Uuid,
    attrs: &Map<String, Value>,
) -> ApiResult<()> {
    let before = pb_load(conn, pk).await?;
    let b = api::policy_bindings::validate(conn, attrs, true, before, true).await?;
    policy_bindings::update(conn, &b).await?;
    Ok(())
}

/// Deletes a policy binding.
pub async fn pb_delete(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<()> {
    policy_bindings::delete(conn, pk).await?;
    Ok(())
}
