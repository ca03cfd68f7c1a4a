//! `POST /api/v3/core/users/{id}/recovery/` (spec §3 users, "recovery"): plans the brand's
//! recovery flow with the user as the pending user, stores the plan as a flow token
//! `<uid>-password-reset` (replacing an earlier one) and answers with the absolute link that
//! resumes it, `{"link": "https://host/if/flow/<slug>/?flow_token=<key>"}`.
use axum::Json;
use axum::extract::{Path, State};
use axum::routing::post;
use castellan_core::brand::match_brand;
use castellan_core::user::user_uid;
use castellan_flows::{FlowRequest, planner};
use castellan_store::flowtokens::{self, FlowToken};
use castellan_store::{brands, flows};
use serde_json::{Map, Value, json};

use crate::auth::Admin;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::flow::env::StoreFlowEnv;
use crate::flow::user_json;
use crate::openapi::Operation;
use crate::state::AppState;

const PATH: &str = "/core/users/{id}/recovery/";
/// Lifetime of the link (authentik's default token duration).
const VALIDITY_MINUTES: i64 = 30;

/// The recovery operation.
pub const OPERATIONS: &[Operation] = &[(
    "post",
    PATH,
    "core_users_recovery_create",
    "core",
    Some("Link"),
    200,
)];

/// Creates the recovery link of user `pk` for the brand serving `ctx`; also used to mail it.
pub async fn recovery_link(state: &AppState, ctx: RequestContext, pk: i64) -> ApiResult<String> {
    let mut conn = state.store.conn().await?;
    let brand = match_brand(&brands::all(&mut conn).await?, &ctx.host);
    let flow = match brand.flow_recovery {
        Some(id) => flows::get(&mut conn, id).await?,
        None => None,
    };
    let Some(flow) = flow else {
        return Err(ApiError::field("non_field_errors", "No recovery flow set."));
    };
    let user = user_json::load(state, &mut conn, pk)
        .await?
        .ok_or(ApiError::NotFound)?;
    // Planned for the user, not for the administrator asking.
    let request = FlowRequest {
        client_ip: ctx.client_ip.clone(),
        user_agent: ctx.user_agent.clone(),
        request_id: ctx.request_id.clone(),
        ..FlowRequest::default()
    };
    let host = ctx.host.clone();
    let mut context = Map::new();
    context.insert("pending_user".into(), user);
    let mut env = StoreFlowEnv::new(state.clone(), conn, ctx);
    let Ok(plan) = planner::plan(&flow, &mut env, &request, context).await? else {
        return Err(ApiError::field(
            "non_field_errors",
            "Recovery flow not applicable to user",
        ));
    };
    let plan = serde_json::to_value(&plan).map_err(|e| ApiError::Internal(e.to_string()))?;
    let identifier = format!("{}-password-reset", user_uid(pk, &state.install_id));
    let key = castellan_crypto::token::generate_key(64);
    let now = state.store.now();
    let token = FlowToken {
        key: key.clone(),
        identifier: identifier.clone(),
        flow: flow.pk,
        plan,
        user: Some(pk),
        expires: now + chrono::Duration::minutes(VALIDITY_MINUTES),
    };
    let mut conn = env.conn;
    flowtokens::delete_identifier(&mut conn, &identifier).await?;
    flowtokens::create(&mut conn, &token).await?;
    let scheme = if state.settings.debug {
        "http"
    } else {
        "https"
    };
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("flow_token", &key)
        .finish();
    Ok(format!("{scheme}://{host}/if/flow/{}/?{query}", flow.slug))
}

/// `POST /core/users/{id}/recovery/`.
pub async fn recovery(
    State(state): State<AppState>,
    _: Admin,
    ctx: RequestContext,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let link = recovery_link(&state, ctx, id).await?;
    Ok(Json(json!({ "link": link })))
}

/// The route, relative to `/api/v3`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route(PATH, post(recovery))
}
