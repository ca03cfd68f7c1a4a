//! The device authorization endpoint (RFC 8628 §3.1–3.2; spec §7.1.10): `POST
//! /application/o/device/` starts an authorization (throttled per client IP) and names `/device`
//! (`device_entry`) as the page where the user enters the code.
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use castellan_core::oauth2::DeviceToken;
use castellan_core::timedelta::parse_timedelta;
use castellan_oauth::device::{new_device_code, new_user_code};
use castellan_oauth::scope;
use castellan_store::oauth2_tokens;
use http::request::Parts;
use serde_json::json;

use super::provider;
use super::token::parse_form;
use crate::context::{RequestContext, base_url};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

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
