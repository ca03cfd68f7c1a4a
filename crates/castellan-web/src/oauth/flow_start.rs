//! Starting a flow from a provider endpoint (spec §7 step 5): the flow request of the logged-in
//! user, and storing a ready plan in the session before sending the browser to the flow page.
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use castellan_flows::plan::SESSION_HISTORY;
use castellan_flows::{FlowPlan, FlowRequest, SessionState};
use castellan_store::AnyConnection;
use http::request::Parts;
use serde_json::Value;

use crate::context::{RequestContext, base_url};
use crate::error::ApiResult;
use crate::flow::pages::redirect;
use crate::flow::session;
use crate::state::AppState;

/// The request facts and the flow request of `user` (tagged user JSON).
pub fn flow_request(
    state: &AppState,
    parts: &Parts,
    user: &Value,
) -> (RequestContext, FlowRequest) {
    let ctx = RequestContext::of(parts, state);
    let request = FlowRequest {
        client_ip: ctx.client_ip.clone(),
        user_agent: ctx.user_agent.clone(),
        request_id: ctx.request_id.clone(),
        is_superuser: user.get("is_superuser").and_then(Value::as_bool) == Some(true),
        user: Some(user.clone()),
        base_url: base_url(parts, state),
        ..FlowRequest::default()
    };
    (ctx, request)
}

/// Stores `plan` in the session and redirects to the flow page of `slug`.
pub async fn save_and_go(
    state: &AppState,
    conn: &mut AnyConnection,
    sess: &mut SessionState,
    plan: &FlowPlan,
    slug: &str,
) -> ApiResult<Response> {
    plan.to_session(&mut sess.data);
    sess.data
        .insert(SESSION_HISTORY.into(), Value::Array(Vec::new()));
    let mut headers = HeaderMap::new();
    if let Some(c) = session::save(state, conn, sess, state.store.now()).await?
        && let Ok(v) = HeaderValue::from_str(&c)
    {
        headers.append(header::SET_COOKIE, v);
    }
    Ok(redirect(headers, &format!("/if/flow/{slug}/")))
}
