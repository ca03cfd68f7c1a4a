//! `GET /api/v3/flows/inspector/{flow_slug}/` (spec §3.9) and
//! `GET /api/v3/flows/instances/{slug}/execute/` (§3.1): the caller's running plan for
//! debugging, and planning a flow into the caller's session with them as the pending user.
use axum::extract::{FromRequestParts, Path, State};
use axum::response::{IntoResponse, Response};
use castellan_core::event::cleanse;
use castellan_core::flow::FlowStageBinding;
use castellan_flows::plan::FlowPlan;
use castellan_flows::{FlowRequest, planner};
use castellan_store::{flow_bindings, flows};
use http::StatusCode;
use http::request::Parts;
use serde_json::{Value, json};
use sha2::Digest;

use crate::api::flow_bindings::bindings_json;
use crate::auth::{AuthMethod, Principal, SESSION_COOKIE, cookie};
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::flow::env::StoreFlowEnv;
use crate::flow::{session, user_json};
use crate::state::AppState;

async fn binding_json(env: &mut StoreFlowEnv, plan: &FlowPlan, index: usize) -> ApiResult<Value> {
    let Some(pk) = plan.entries.get(index).and_then(|e| e.binding) else {
        return Ok(Value::Null);
    };
    let list: Vec<FlowStageBinding> = flow_bindings::for_flow(&mut env.conn, plan.flow_pk)
        .await?
        .into_iter()
        .map(|(b, _)| b)
        .filter(|b| b.pk == pk)
        .collect();
    Ok(bindings_json(&mut env.conn, list)
        .await?
        .into_iter()
        .next()
        .unwrap_or(Value::Null))
}

/// The current plan of the caller's session for a flow.
pub async fn inspect(
    State(state): State<AppState>,
    principal: Principal,
    Path(slug): Path<String>,
    mut parts: Parts,
) -> ApiResult<Response> {
    if !principal.is_superuser {
        return Err(ApiError::Forbidden(
            "You do not have permission to perform this action.".into(),
        ));
    }
    let ctx = RequestContext::from_request_parts(&mut parts, &state)
        .await
        .unwrap_or_else(|e| match e {});
    let mut conn = state.store.conn().await?;
    let flow = flows::get_by_slug(&mut conn, &slug)
        .await?
        .ok_or(ApiError::NotFound)?;
    let raw = cookie(&parts, SESSION_COOKIE);
    let sess = session::load(&state, &mut conn, raw.as_deref()).await?;
    let plan = FlowPlan::from_session(&sess.data).filter(|p| p.flow_pk == flow.pk);
    let Some(plan) = plan else {
        return Ok((
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"detail": "No flow plan in session."})),
        )
            .into_response());
    };
    let mut env = StoreFlowEnv::new(state.clone(), conn, ctx);
    let mut context = Value::Object(plan.context.clone());
    cleanse(&mut context);
    let current = json!({
        "current_stage": binding_json(&mut env, &plan, 0).await?,
        "next_planned_stage": binding_json(&mut env, &plan, 1).await?,
        "plan_context": context,
        "session_id": hex::encode(sha2::Sha256::digest(sess.key.as_deref().unwrap_or_default().as_bytes())),
    });
    Ok(axum::Json(
        json!({"plans": [], "current_plan": current, "is_completed": plan.entries.is_empty()}),
    )
    .into_response())
}

/// Plans a flow into the caller's browser session, the caller being the pending user.
pub async fn execute(
    State(state): State<AppState>,
    principal: Principal,
    Path(slug): Path<String>,
    mut parts: Parts,
) -> ApiResult<Response> {
    let AuthMethod::Session(_) = principal.method else {
        return Err(ApiError::field(
            "non_field_errors",
            "Flows can only be executed from a browser session.",
        ));
    };
    let ctx = RequestContext::from_request_parts(&mut parts, &state)
        .await
        .unwrap_or_else(|e| match e {});
    let mut conn = state.store.conn().await?;
    let flow = flows::get_by_slug(&mut conn, &slug)
        .await?
        .ok_or(ApiError::NotFound)?;
    let raw = cookie(&parts, SESSION_COOKIE);
    let mut sess = session::load(&state, &mut conn, raw.as_deref()).await?;
    let user = user_json::load(&state, &mut conn, principal.user.pk).await?;
    let request = FlowRequest {
        client_ip: ctx.client_ip.clone(),
        user_agent: ctx.user_agent.clone(),
        request_id: ctx.request_id.clone(),
        user: user.clone(),
        is_superuser: principal.is_superuser,
        ..FlowRequest::default()
    };
    let mut context = serde_json::Map::new();
    context.insert("pending_user".into(), user.unwrap_or(Value::Null));
    let mut env = StoreFlowEnv::new(state.clone(), conn, ctx);
    let plan = planner::plan(&flow, &mut env, &request, context).await?;
    let Ok(plan) = plan else {
        return Ok((
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"detail": "Flow not applicable"})),
        )
            .into_response());
    };
    plan.to_session(&mut sess.data);
    let mut conn = env.conn;
    session::save(&state, &mut conn, &mut sess, state.store.now()).await?;
    Ok(axum::Json(json!({"link": format!("/if/flow/{}/", flow.slug)})).into_response())
}
