//! Consent stage (spec §4.4, `ak-stage-consent`): asks the user to allow the plan's application
//! the requested permissions, and remembers the answer permanently or until it expires. A stored,
//! unexpired consent covering exactly the requested permissions skips the stage; newly requested
//! permissions are asked for again and shown apart (`additional_permissions`). In-memory
//! instances, `always_require`, and plans without an application or a user always ask and store
//! nothing. A response whose `token` is not the one issued is answered with a response error
//! (authentik re-showed the prompt silently).
use castellan_crypto::token::constant_time_eq;
use std::collections::BTreeSet;

use async_trait::async_trait;
use castellan_core::timedelta::parse_timedelta;
use castellan_flows::context::{
    CONSENT_ADDITIONAL_PERMISSIONS, CONSENT_HEADER, CONSENT_PERMISSIONS, PENDING_USER,
    application_pk, pending_user_pk,
};
use castellan_flows::{Challenge, EnvError, ResponseErrors, StageContext, StageView, Step};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::response::required_str;

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_consent.consentstage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-consent";
/// Session key of the token the last challenge issued.
pub const SESSION_TOKEN: &str = "authentik/stages/consent/token";

/// Consent stage settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ConsentSettings {
    /// `always_require`, `permanent` or `expiring`.
    pub mode: String,
    /// How long an `expiring` consent lasts (timedelta string).
    pub consent_expire_in: String,
}

impl Default for ConsentSettings {
    fn default() -> Self {
        Self {
            mode: "expiring".into(),
            consent_expire_in: "weeks=4".into(),
        }
    }
}

/// The consent stage.
pub struct ConsentStage;

/// The consent's user: the pending user (when it is a saved user), else the logged-in user.
fn consent_user(cx: &StageContext<'_>) -> Option<i64> {
    match cx.plan.context.get(PENDING_USER) {
        Some(u) if !u.is_null() => pending_user_pk(&cx.plan.context),
        _ => cx.session.user,
    }
}

/// What the stage would record consent for; `None` when it must always ask (and store nothing).
fn recorded_target(cx: &StageContext<'_>, s: &ConsentSettings) -> Option<(i64, Uuid)> {
    if cx.stage.pk.is_none() || s.mode == "always_require" {
        return None;
    }
    Some((consent_user(cx)?, application_pk(&cx.plan.context)?))
}

fn permission_list(context: &Map<String, Value>, key: &str) -> Vec<Value> {
    context
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn permission_id(p: &Value) -> String {
    match p.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// A challenge with a fresh token (remembered in the session).
fn challenge(cx: &mut StageContext<'_>) -> Challenge {
    let token = Uuid::new_v4().to_string();
    cx.session
        .data
        .insert(SESSION_TOKEN.into(), Value::String(token.clone()));
    let context = &cx.plan.context;
    Challenge::with_user(COMPONENT)
        .opt_field("header_text", context.get(CONSENT_HEADER).cloned())
        .field("permissions", permission_list(context, CONSENT_PERMISSIONS))
        .field(
            "additional_permissions",
            permission_list(context, CONSENT_ADDITIONAL_PERMISSIONS),
        )
        .field("token", token)
}

async fn check(cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
    let s: ConsentSettings = cx.settings();
    let Some((user, application)) = recorded_target(cx, &s) else {
        return Ok(Step::Show(challenge(cx)));
    };
    let Some(granted) = cx.env.consent(user, application).await? else {
        return Ok(Step::Show(challenge(cx)));
    };
    let allowed: BTreeSet<String> = granted
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    let requested = permission_list(&cx.plan.context, CONSENT_PERMISSIONS);
    let requested_ids: BTreeSet<String> = requested.iter().map(permission_id).collect();
    if allowed == requested_ids {
        return Ok(Step::Next);
    }
    let (kept, added): (Vec<Value>, Vec<Value>) = requested
        .into_iter()
        .partition(|p| allowed.contains(&permission_id(p)));
    cx.plan
        .context
        .insert(CONSENT_PERMISSIONS.into(), Value::Array(kept));
    cx.plan
        .context
        .insert(CONSENT_ADDITIONAL_PERMISSIONS.into(), Value::Array(added));
    Ok(Step::Show(challenge(cx)))
}

async fn accept(cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
    let s: ConsentSettings = cx.settings();
    let Some((user, application)) = recorded_target(cx, &s) else {
        return Ok(Step::Next);
    };
    let ids: Vec<String> = permission_list(&cx.plan.context, CONSENT_PERMISSIONS)
        .iter()
        .chain(permission_list(&cx.plan.context, CONSENT_ADDITIONAL_PERMISSIONS).iter())
        .map(permission_id)
        .collect();
    let expires = match s.mode.as_str() {
        "permanent" => None,
        _ => {
            let delta = parse_timedelta(&s.consent_expire_in).unwrap_or_default();
            Some(cx.env.now() + delta)
        }
    };
    cx.env
        .save_consent(user, application, &ids.join(" "), expires)
        .await?;
    Ok(Step::Next)
}

#[async_trait]
impl StageView for ConsentStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        check(cx).await
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        body: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        let mut errors = ResponseErrors::default();
        let Some(token) = required_str(body, "token", &mut errors) else {
            return Ok(Step::Invalid(challenge(cx), errors));
        };
        let issued = cx.session.data.remove(SESSION_TOKEN);
        let issued = issued.as_ref().and_then(Value::as_str).unwrap_or_default();
        if issued.is_empty() || !constant_time_eq(issued.as_bytes(), token.as_bytes()) {
            errors.add("token", "Invalid consent token.", "invalid");
            return Ok(match check(cx).await? {
                Step::Show(ch) => Step::Invalid(ch, errors),
                other => other,
            });
        }
        accept(cx).await
    }
}
