//! `POST /api/v3/stages/prompt/prompts/preview/` (spec §4.9): one prompt definition (a
//! `PromptRequest`, not saved) rendered as the `PromptChallenge` a flow would show the caller,
//! its expressions evaluated for them; an expression that fails is a validation error.
use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use castellan_flows::FlowRequest;
use castellan_stages::specs::prompt_field::SPEC;
use serde_json::{Value, json};

use crate::api::model_api;
use crate::auth::Admin;
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::flow::env::StoreFlowEnv;
use crate::flow::user_json;
use crate::openapi::{Operation, RequestBody};
use crate::state::AppState;

const PATH: &str = "/stages/prompt/prompts/preview/";

/// The preview operation.
pub const OPERATIONS: &[Operation] = &[(
    "post",
    PATH,
    "stages_prompt_prompts_preview_create",
    "stages",
    Some("PromptChallenge"),
    200,
)];

/// Its request body.
pub const REQUEST_BODIES: &[RequestBody] = &[("post", PATH, "PromptRequest", true)];

/// Renders the prompt in the body for the caller.
pub async fn preview(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let mut conn = state.store.conn().await?;
    // As a create would validate it, except for the name, which authentik replaces with a
    // random one (the admin interface previews saved prompts and unnamed drafts).
    let mut errors = BTreeMap::new();
    let config =
        model_api::validate_config(&mut conn, &SPEC, &body, false, None, &mut errors).await?;
    model_api::finish(errors)?;
    let user = user_json::load(&state, &mut conn, admin.user.pk).await?;
    let request = FlowRequest {
        client_ip: ctx.client_ip.clone(),
        user_agent: ctx.user_agent.clone(),
        request_id: ctx.request_id.clone(),
        user: user.clone(),
        is_superuser: admin.is_superuser,
        ..FlowRequest::default()
    };
    let mut env = StoreFlowEnv::new(state.clone(), conn, ctx);
    let challenge = castellan_stages::prompt::preview(&mut env, &request, &config, user.as_ref())
        .await
        .map_err(|message| ApiError::field("non_field_errors", message))?;
    let mut out = serde_json::Map::new();
    out.insert("component".into(), json!(challenge.component));
    out.extend(challenge.fields);
    Ok(Json(Value::Object(out)))
}

/// The route, relative to `/api/v3`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route(PATH, post(preview))
}
