//! User login stage (spec §4.11): logs the pending user in, with session duration, optional
//! remember-me and terminating other sessions. Inactive users are refused (⚠ 2024.10 logged
//! them in "successfully" and then treated every request as anonymous). The session records the
//! login IP and the network/GeoIP binding modes (checked on later requests, see
//! [`crate::session_binding`]).
use std::time::Duration;

use async_trait::async_trait;
use castellan_core::timedelta::parse_timedelta;
use castellan_flows::context::{AUTH_METHOD, AUTH_METHOD_ARGS, PENDING_USER, pending_user_pk};
use castellan_flows::{
    Challenge, EnvError, LoginOptions, ResponseErrors, StageContext, StageView, Step,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::response::required_bool;
use crate::session_binding::{SESSION_BINDING_GEO, SESSION_BINDING_NET, SESSION_LAST_IP};

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_user_login.userloginstage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-user-login";

/// User login settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct UserLoginSettings {
    /// Session lifetime (`seconds=0`: until the browser closes).
    pub session_duration: String,
    /// Added when "remember me" is ticked (`seconds=0`: no checkbox).
    pub remember_me_offset: String,
    /// Delete the user's other sessions.
    pub terminate_other_sessions: bool,
    /// Network binding of the session (`no_binding`, `bind_asn`, …).
    pub network_binding: String,
    /// GeoIP binding of the session (`no_binding`, `bind_continent`, …).
    pub geoip_binding: String,
}

impl Default for UserLoginSettings {
    fn default() -> Self {
        Self {
            session_duration: "seconds=0".into(),
            remember_me_offset: "seconds=0".into(),
            terminate_other_sessions: false,
            network_binding: "no_binding".into(),
            geoip_binding: "no_binding".into(),
        }
    }
}

fn secs(spec: &str) -> u64 {
    parse_timedelta(spec)
        .map(|d| d.num_seconds().max(0) as u64)
        .unwrap_or(0)
}

/// The user login stage.
pub struct UserLoginStage;

async fn login(
    cx: &mut StageContext<'_>,
    s: &UserLoginSettings,
    remember: bool,
) -> Result<Step, EnvError> {
    let Some(pk) = pending_user_pk(&cx.plan.context) else {
        return Ok(Step::Deny(Some("No Pending user to login.".into())));
    };
    let active = cx
        .plan
        .context
        .get(PENDING_USER)
        .and_then(|u| u.get("is_active"))
        .and_then(Value::as_bool);
    if active == Some(false) {
        return Ok(Step::Deny(Some("This user account is inactive.".into())));
    }
    let mut total = secs(&s.session_duration);
    if remember {
        total += secs(&s.remember_me_offset);
    }
    let mut event_context = Map::new();
    for key in [AUTH_METHOD, AUTH_METHOD_ARGS, "source", "outpost"] {
        if let Some(v) = cx.plan.context.get(key) {
            event_context.insert(key.into(), v.clone());
        }
    }
    // The session remembers where it was logged in from and how it is bound to it.
    let data = &mut cx.session.data;
    data.insert(
        SESSION_LAST_IP.into(),
        Value::String(cx.request.client_ip.clone()),
    );
    data.insert(
        SESSION_BINDING_NET.into(),
        Value::String(s.network_binding.clone()),
    );
    data.insert(
        SESSION_BINDING_GEO.into(),
        Value::String(s.geoip_binding.clone()),
    );
    let options = LoginOptions {
        duration: (total > 0).then(|| Duration::from_secs(total)),
        terminate_other_sessions: s.terminate_other_sessions,
        event_context,
    };
    cx.env.login(cx.session, pk, options, cx.request).await?;
    Ok(Step::Next)
}

#[async_trait]
impl StageView for UserLoginStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let s: UserLoginSettings = cx.settings();
        if secs(&s.remember_me_offset) > 0 {
            if pending_user_pk(&cx.plan.context).is_none() {
                return Ok(Step::Deny(Some("No Pending user to login.".into())));
            }
            return Ok(Step::Show(Challenge::with_user(COMPONENT)));
        }
        login(cx, &s, false).await
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        body: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        let s: UserLoginSettings = cx.settings();
        if secs(&s.remember_me_offset) == 0 {
            return login(cx, &s, false).await;
        }
        let mut errors = ResponseErrors::default();
        match required_bool(body, "remember_me", &mut errors) {
            Some(remember) => login(cx, &s, remember).await,
            None => Ok(Step::Invalid(Challenge::with_user(COMPONENT), errors)),
        }
    }
}
