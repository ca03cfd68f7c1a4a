//! `/device`, where a user approves a device (RFC 8628 §3.3; spec §7.1.10). The brand's device
//! code flow (`flow_device_code`; none → 404) runs with an in-memory stage asking for the code
//! (`ak-provider-oauth2-device-code`); `?code=` skips that stage. A valid code leads into the
//! provider's authorization flow (after the application's policies pass), which ends with the
//! finish stage approving the device.
use async_trait::async_trait;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use castellan_core::brand::match_brand;
use castellan_flows::context::{APPLICATION, CONSENT_HEADER, CONSENT_PERMISSIONS, IS_SSO};
use castellan_flows::plan::{FlowPlan, PlanEntry};
use castellan_flows::{
    Challenge, EnvError, FlowRequest, ResponseErrors, StageContext, StageView, Step, planner,
};
use castellan_store::{brands, flows, oauth2_providers, oauth2_tokens};
use http::request::Parts;
use serde_json::{Map, Value, json};

use super::authorize::error_page;
use super::device_finish::FINISH_KIND;
use super::token::parse_form;
use super::{flow_start, provider};
use crate::error::ApiResult;
use crate::flow::env::StoreFlowEnv;
use crate::flow::pages::redirect;
use crate::flow::{session, user_json};
use crate::state::AppState;

/// In-memory code-entry stage kind.
pub const CODE_KIND: &str = "authentik_providers_oauth2.views.device_init.OAuthDeviceCodeStage";
/// Its challenge component.
pub const CODE_COMPONENT: &str = "ak-provider-oauth2-device-code";

/// What a user code leads to.
pub enum Authorize {
    /// No device waits for this code (unknown, expired, already approved, or its provider or
    /// application is gone).
    Invalid,
    /// The user may not continue: `(status, title, message)`.
    Refused(StatusCode, &'static str, String),
    /// The provider's authorization flow, planned with the finish stage appended.
    Plan(FlowPlan, String),
}

/// Plans the authorization flow of the provider the device `code` belongs to, for `user`.
pub async fn authorization_plan(
    env: &mut StoreFlowEnv,
    code: &str,
    user: &Value,
    request: &FlowRequest,
) -> Result<Authorize, EnvError> {
    let failed = |e: castellan_store::StoreError| EnvError(e.to_string());
    let now = env.state.store.now();
    let Some(device) = oauth2_tokens::device_by_user_code(&mut env.conn, code)
        .await
        .map_err(failed)?
        .filter(|d| d.expires > now && d.user.is_none())
    else {
        return Ok(Authorize::Invalid);
    };
    let Some(p) = oauth2_providers::get(&mut env.conn, device.provider)
        .await
        .map_err(failed)?
    else {
        return Ok(Authorize::Invalid);
    };
    let Some(application) = provider::application_of(&mut env.conn, &p)
        .await
        .map_err(|e| EnvError(format!("{e:?}")))?
    else {
        return Ok(Authorize::Invalid);
    };
    let flow = match p.base.authorization_flow {
        Some(pk) => flows::get(&mut env.conn, pk).await.map_err(failed)?,
        None => None,
    };
    let Some(flow) = flow else {
        return Ok(Authorize::Refused(
            StatusCode::BAD_REQUEST,
            "Flow Error",
            "The provider has no authorization flow.".into(),
        ));
    };
    let mappings = provider::mappings(&mut env.conn, &p)
        .await
        .map_err(|e| EnvError(format!("{e:?}")))?;
    let verdict = crate::flow::policies::evaluate(
        env,
        application.pk,
        application.policy_engine_mode,
        Some(user),
        &Map::new(),
        request,
    )
    .await?;
    if !verdict.passing {
        return Ok(Authorize::Refused(
            StatusCode::FORBIDDEN,
            "Permission denied",
            verdict.messages.join(" "),
        ));
    }
    let permissions: Vec<Value> = mappings
        .iter()
        .filter(|m| !m.description.is_empty() && device.scope.contains(&m.scope_name))
        .map(|m| json!({"id": m.scope_name, "name": m.description}))
        .collect();
    let mut context = Map::new();
    context.insert(IS_SSO.into(), Value::Bool(true));
    context.insert(
        APPLICATION.into(),
        json!({"pk": application.pk, "name": application.name, "slug": application.slug}),
    );
    context.insert(
        CONSENT_HEADER.into(),
        json!(format!("You're about to sign into {}.", application.name)),
    );
    context.insert(CONSENT_PERMISSIONS.into(), Value::Array(permissions));
    let mut plan = match planner::plan(&flow, env, request, context).await? {
        Ok(plan) => plan,
        Err(denied) => {
            return Ok(Authorize::Refused(
                StatusCode::FORBIDDEN,
                "Permission denied",
                denied.message(),
            ));
        }
    };
    let mut config = Map::new();
    config.insert("device".into(), json!(device.pk));
    plan.append_stage(PlanEntry::in_memory(
        FINISH_KIND,
        "Device code finish",
        config,
    ));
    Ok(Authorize::Plan(plan, flow.slug))
}

fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

/// `GET /device[?code=<user code>]`.
pub async fn device_page(State(state): State<AppState>, parts: Parts) -> ApiResult<Response> {
    let params = parse_form(parts.uri.query().unwrap_or_default().as_bytes());
    let mut conn = state.store.conn().await?;
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let brand = match_brand(&brands::all(&mut conn).await?, host);
    let device_flow = match brand.flow_device_code {
        Some(pk) => flows::get(&mut conn, pk).await?,
        None => None,
    };
    let Some(device_flow) = device_flow else {
        return Ok(not_found());
    };
    let raw = crate::auth::cookie(&parts, crate::auth::SESSION_COOKIE);
    let mut sess = session::load(&state, &mut conn, raw.as_deref()).await?;
    let user = match sess.user {
        Some(pk) => user_json::load(&state, &mut conn, pk).await?,
        None => None,
    };
    let code = params.get("code").filter(|c| !c.is_empty());
    if let (Some(_), None) = (code, &user) {
        // Approving needs a user: log in first, then come back with the code.
        let next = form_urlencoded::Serializer::new(String::new())
            .append_pair(
                "next",
                &format!("/device?{}", parts.uri.query().unwrap_or_default()),
            )
            .finish();
        return Ok(redirect(
            HeaderMap::new(),
            &format!("/flows/-/default/authentication/?{next}"),
        ));
    }
    let anonymous = Value::Null;
    let (ctx, request) =
        flow_start::flow_request(&state, &parts, user.as_ref().unwrap_or(&anonymous));
    let request = FlowRequest {
        user: user.clone(),
        ..request
    };
    let mut env = StoreFlowEnv::new(state.clone(), conn, ctx);
    if let (Some(code), Some(user)) = (code, &user) {
        match authorization_plan(&mut env, code, user, &request).await? {
            Authorize::Plan(plan, slug) => {
                let mut conn = env.conn;
                return flow_start::save_and_go(&state, &mut conn, &mut sess, &plan, &slug).await;
            }
            Authorize::Refused(status, title, message) => {
                return Ok(error_page(status, title, &message));
            }
            // As authentik: an unknown code falls back to asking for one.
            Authorize::Invalid => {}
        }
    }
    let mut plan = match planner::plan(&device_flow, &mut env, &request, Map::new()).await? {
        Ok(plan) => plan,
        Err(_) => return Ok(not_found()),
    };
    plan.append_stage(PlanEntry::in_memory(CODE_KIND, "Device code", Map::new()));
    let mut conn = env.conn;
    flow_start::save_and_go(&state, &mut conn, &mut sess, &plan, &device_flow.slug).await
}

/// The in-memory stage asking for the code shown on the device; a valid one replaces the running
/// plan with the provider's authorization flow and sends the browser there.
pub struct DeviceCodeStage;

fn invalid(message: &str) -> Step {
    Step::Invalid(
        Challenge::new(CODE_COMPONENT),
        ResponseErrors::field("code", message, "invalid"),
    )
}

#[async_trait]
impl StageView for DeviceCodeStage {
    async fn get(&self, _cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        Ok(Step::Show(Challenge::new(CODE_COMPONENT)))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        response: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        let code = match response.get("code") {
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Ok(invalid("Not a valid string.")),
            None => return Ok(invalid("This field is required.")),
        };
        if code.is_empty() {
            return Ok(invalid("This field may not be blank."));
        }
        let Some(user) = cx.request.user.clone().filter(|u| !u.is_null()) else {
            let next = form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &format!("/device?code={code}"))
                .finish();
            return Ok(Step::Redirect(format!(
                "/flows/-/default/authentication/?{next}"
            )));
        };
        let request = cx.request.clone();
        let env = StoreFlowEnv::of(cx.env, "device code stage")?;
        match authorization_plan(env, &code, &user, &request).await? {
            Authorize::Invalid => Ok(invalid("Invalid code")),
            Authorize::Refused(_, _, message) => Ok(Step::Deny(Some(message))),
            Authorize::Plan(plan, slug) => {
                // The executor stores the plan it hands back: the authorization flow's.
                *cx.plan = plan;
                Ok(Step::Redirect(format!("/if/flow/{slug}/")))
            }
        }
    }
}
