//! `POST /api/v3/policies/all/{policy_uuid}/test/` (spec §6.2): runs one policy for a user with
//! a context, in debug mode (no events), and returns the result with its log.
use axum::extract::{FromRequestParts, Path, State};
use axum::response::{IntoResponse, Response};
use castellan_policy::engine::test_policy;
use castellan_policy::request::{HttpFacts, PolicyRequest};
use castellan_store::policies;
use http::request::Parts;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::Admin;
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::flow::env::StoreFlowEnv;
use crate::flow::policies::{FlowPolicyHost, user_facts};
use crate::flow::user_json;
use crate::state::AppState;

/// Tests a policy.
pub async fn test(
    State(state): State<AppState>,
    _admin: Admin,
    Path(pk): Path<Uuid>,
    mut parts: Parts,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let ctx = RequestContext::from_request_parts(&mut parts, &state)
        .await
        .unwrap_or_else(|e| match e {});
    let mut conn = state.store.conn().await?;
    let policy = policies::get(&mut conn, pk)
        .await?
        .ok_or(ApiError::NotFound)?;
    let user_pk = match body.get("user") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    let Some(user_pk) = user_pk else {
        return Err(ApiError::field("user", "This field is required."));
    };
    let Some(user) = user_json::load(&state, &mut conn, user_pk).await? else {
        return Err(ApiError::field(
            "user",
            format!("Invalid pk \"{user_pk}\" - object does not exist."),
        ));
    };
    let context = match body.get("context") {
        None | Some(Value::Null) => Default::default(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(ApiError::field(
                "context",
                "Expected a dictionary of items but got type \"str\".",
            ));
        }
    };
    let request = PolicyRequest {
        user: user_facts(Some(&user)),
        http: Some(HttpFacts {
            client_ip: ctx.client_ip.clone(),
            path: ctx.path.clone(),
            method: ctx.method.clone(),
            user_agent: ctx.user_agent.clone(),
            headers: vec![],
        }),
        obj: Value::Null,
        context,
        debug: true,
    };
    let mut env = StoreFlowEnv::new(state.clone(), conn, ctx);
    let mut host = FlowPolicyHost { env: &mut env };
    let result = test_policy(&policy, &request, &mut host).await;
    let now = state.store.now().to_rfc3339();
    let log: Vec<Value> = result
        .log_messages
        .iter()
        .map(|line| json!({"timestamp": now, "log_level": "debug", "logger": "authentik.policies.engine", "event": line, "attributes": {}}))
        .collect();
    Ok(axum::Json(
        json!({"passing": result.passing, "messages": result.messages, "log_messages": log}),
    )
    .into_response())
}
