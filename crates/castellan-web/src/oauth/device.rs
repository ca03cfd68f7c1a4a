//! The device authorization grant's endpoints (RFC 8628 §3.1–3.3; spec §7.1.10): `POST
//! /application/o/device/` starts an authorization (throttled per client IP), `GET /device` is
//! where the user enters the code and approves the device through the provider's authorization
//! flow, whose in-memory finish stage marks the device token approved.
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use castellan_core::oauth2::DeviceToken;
use castellan_core::timedelta::parse_timedelta;
use castellan_flows::context::{APPLICATION, CONSENT_HEADER, CONSENT_PERMISSIONS, IS_SSO};
use castellan_flows::plan::PlanEntry;
use castellan_flows::{Challenge, EnvError, StageContext, StageView, Step, planner};
use castellan_oauth::device::{new_device_code, new_user_code};
use castellan_oauth::scope;
use castellan_store::{flows, oauth2_providers, oauth2_tokens};
use http::request::Parts;
use serde_json::{Map, Value, json};

use super::authorize::error_page;
use super::token::parse_form;
use super::{flow_start, login, provider};
use crate::context::{RequestContext, base_url};
use crate::error::{ApiError, ApiResult};
use crate::flow::env::StoreFlowEnv;
use crate::flow::pages::{redirect, secured};
use crate::flow::{session, user_json};
use crate::state::AppState;

/// In-memory finish stage kind.
pub const FINISH_KIND: &str = "authentik_providers_oauth2.views.device_finish";
/// Its challenge component.
pub const FINISH_COMPONENT: &str = "ak-provider-oauth2-device-code-finish";
/// Device authorizations allowed per client IP per hour (`throttle.providers.oauth2.device`).
pub const PER_HOUR: usize = 20;

/// A sliding one-hour window of device authorizations per client IP.
#[derive(Default)]
pub struct DeviceThrottle(Mutex<HashMap<String, VecDeque<Instant>>>);

impl DeviceThrottle {
    /// Records an attempt; `false` when the IP is over its budget.
    pub fn allow(&self, ip: &str) -> bool {
        let Ok(mut map) = self.0.lock() else {
            return true;
        };
        let now = Instant::now();
        let window = map.entry(ip.to_string()).or_default();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(3600))
        {
            window.pop_front();
        }
        if window.len() >= PER_HOUR {
            return false;
        }
        window.push_back(now);
        true
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// `POST /application/o/device/`.
pub async fn device_authorization(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let form = parse_form(&body);
    let ip = RequestContext::client_ip_of(&parts, &state);
    if !state.flows.oauth_device_throttle.allow(&ip) {
        return Ok(oauth_error(
            StatusCode::TOO_MANY_REQUESTS,
            "slow_down",
            "Too many device authorizations",
        ));
    }
    let mut conn = state.store.conn().await?;
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    let Some(p) = provider::by_client_id(&mut conn, &client_id).await? else {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "Invalid client",
        ));
    };
    if provider::application_of(&mut conn, &p).await?.is_none() {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "Provider has no application",
        ));
    }
    let validity = parse_timedelta(&p.access_code_validity)
        .map_err(|e| ApiError::Internal(format!("access_code_validity: {e}")))?;
    let token = DeviceToken {
        pk: 0,
        provider: p.base.pk,
        user: None,
        device_code: new_device_code(),
        user_code: new_user_code(),
        scope: scope::parse(form.get("scope").map(String::as_str).unwrap_or_default()),
        expires: state.store.now() + validity,
        auth_time: None,
        session: None,
    };
    oauth2_tokens::create_device(&mut conn, &token).await?;
    let uri = format!("{}/device", base_url(&parts, &state));
    Ok(axum::Json(json!({
        "device_code": token.device_code,
        "verification_uri": uri,
        "verification_uri_complete": format!("{uri}?code={}", token.user_code),
        "user_code": token.user_code,
        "expires_in": validity.num_seconds(),
        "interval": 5,
    }))
    .into_response())
}

fn code_form(message: &str) -> Response {
    let notice = if message.is_empty() {
        String::new()
    } else {
        format!("<p class=\"ak-error\" role=\"alert\">{message}</p>")
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Device code</title><link rel=\"stylesheet\" href=\"/static/dist/castellan.css\"></head>\
         <body><main class=\"ak-card\"><h1>Enter the code shown on your device</h1>{notice}\
         <form method=\"get\" action=\"/device\"><label for=\"code\">Code</label>\
         <input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required>\
         <button type=\"submit\" class=\"ak-primary\">Continue</button></form></main></body></html>"
    );
    let status = if message.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    secured(status, HeaderMap::new(), html, None)
}

/// `GET /device[?code=<user code>]` (login required).
pub async fn device_page(State(state): State<AppState>, parts: Parts) -> ApiResult<Response> {
    let params = parse_form(parts.uri.query().unwrap_or_default().as_bytes());
    let mut conn = state.store.conn().await?;
    let raw = crate::auth::cookie(&parts, crate::auth::SESSION_COOKIE);
    let mut sess = session::load(&state, &mut conn, raw.as_deref()).await?;
    let user = match sess.user {
        Some(pk) => user_json::load(&mut conn, pk, &state.install_id).await?,
        None => None,
    };
    let Some(user) = user else {
        let here = match parts.uri.query() {
            Some(q) => format!("/device?{q}"),
            None => "/device".to_string(),
        };
        let next = form_urlencoded::Serializer::new(String::new())
            .append_pair("next", &here)
            .finish();
        return Ok(redirect(
            HeaderMap::new(),
            &format!("/flows/-/default/authentication/?{next}"),
        ));
    };
    let Some(code) = params.get("code").filter(|c| !c.is_empty()) else {
        return Ok(code_form(""));
    };
    let now = state.store.now();
    let Some(device) = oauth2_tokens::device_by_user_code(&mut conn, code)
        .await?
        .filter(|d| d.expires > now && d.user.is_none())
    else {
        return Ok(code_form("Invalid code"));
    };
    let Some(p) = oauth2_providers::get(&mut conn, device.provider).await? else {
        return Ok(code_form("Invalid code"));
    };
    let Some(application) = provider::application_of(&mut conn, &p).await? else {
        return Ok(code_form("Invalid code"));
    };
    let flow = match p.base.authorization_flow {
        Some(pk) => flows::get(&mut conn, pk).await?,
        None => None,
    };
    let Some(flow) = flow else {
        return Ok(error_page(
            StatusCode::BAD_REQUEST,
            "Flow Error",
            "The provider has no authorization flow.",
        ));
    };
    let mappings = provider::mappings(&mut conn, &p).await?;
    let (ctx, request) = flow_start::flow_request(&state, &parts, &user);
    let mut env = StoreFlowEnv::new(state.clone(), conn, ctx);
    let verdict = crate::flow::policies::evaluate(
        &mut env,
        application.pk,
        application.policy_engine_mode,
        Some(&user),
        &Map::new(),
        &request,
    )
    .await?;
    if !verdict.passing {
        return Ok(error_page(
            StatusCode::FORBIDDEN,
            "Permission denied",
            &verdict.messages.join(" "),
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
    let mut plan = match planner::plan(&flow, &mut env, &request, context).await? {
        Ok(plan) => plan,
        Err(denied) => {
            return Ok(error_page(
                StatusCode::FORBIDDEN,
                "Permission denied",
                &denied.message(),
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
    let mut conn = env.conn;
    flow_start::save_and_go(&state, &mut conn, &mut sess, &plan, &flow.slug).await
}

/// The in-memory finish stage: approves the device for the logged-in user.
pub struct DeviceFinishStage;

#[async_trait]
impl StageView for DeviceFinishStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let Some(device) = cx.config().get("device").and_then(Value::as_i64) else {
            return Ok(Step::Deny(Some("Invalid code".into())));
        };
        let Some(user) = cx.session.user else {
            return Ok(Step::Deny(Some("Not logged in".into())));
        };
        let who = login::from_session_data(&cx.session.data, cx.session.key.as_deref());
        let Some(env) = cx
            .env
            .as_any()
            .and_then(|a| a.downcast_mut::<StoreFlowEnv>())
        else {
            return Err(EnvError(
                "the device finish stage needs the web environment".into(),
            ));
        };
        let now = env.state.store.now();
        let approved = oauth2_tokens::approve_device(
            &mut env.conn,
            device,
            user,
            who.auth_time,
            who.session,
            now,
        )
        .await
        .map_err(|e| EnvError(e.to_string()))?;
        if !approved {
            return Ok(Step::Deny(Some("Invalid code".into())));
        }
        Ok(Step::Show(Challenge::new(FINISH_COMPONENT)))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        _response: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        self.get(cx).await
    }
}
