//! Password stage (spec §4.2): checks the pending user's password with the configured backends,
//! counts failures per session and cancels after `failed_attempts_before_cancel` with
//! "Invalid password" (the explicit message is 2024.10's).
use async_trait::async_trait;
use castellan_flows::context::{
    AUTH_METHOD, AUTH_METHOD_ARGS, PENDING_USER, USER_BACKEND, pending_username,
};
use castellan_flows::{
    AuthOutcome, Challenge, EnvError, ResponseErrors, StageContext, StageView, Step,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_password.passwordstage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-password";
/// Session key of the failure counter.
pub const SESSION_INVALID_TRIES: &str = "authentik/stages/password/user_invalid_tries";
const INVALID: &str = "Invalid password";

/// Password stage settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PasswordSettings {
    /// Backends tried in order.
    pub backends: Vec<String>,
    /// Failures before the flow is cancelled.
    pub failed_attempts_before_cancel: i64,
    /// Offer a "show password" toggle.
    pub allow_show_password: bool,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self {
            backends: vec![],
            failed_attempts_before_cancel: 5,
            allow_show_password: false,
        }
    }
}

/// The password stage.
pub struct PasswordStage;

fn challenge(cx: &StageContext<'_>, s: &PasswordSettings) -> Challenge {
    let recovery = cx
        .request
        .brand_recovery_flow
        .as_ref()
        .map(|slug| format!("{}/if/flow/{slug}/", cx.request.base_url));
    Challenge::with_user(COMPONENT)
        .opt_field("recovery_url", recovery)
        .field("allow_show_password", s.allow_show_password)
}

fn has_pending(cx: &StageContext<'_>) -> bool {
    cx.plan
        .context
        .get(PENDING_USER)
        .is_some_and(|u| !u.is_null())
}

#[async_trait]
impl StageView for PasswordStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        if !has_pending(cx) {
            return Ok(Step::Deny(None));
        }
        Ok(Step::Show(challenge(cx, &cx.settings())))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        body: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        if !has_pending(cx) {
            return Ok(Step::Deny(None));
        }
        let s: PasswordSettings = cx.settings();
        let mut errors = ResponseErrors::default();
        let password = match body.get("password") {
            None => {
                errors.add("password", "This field is required.", "required");
                None
            }
            Some(Value::Null) => {
                errors.add("password", "This field may not be null.", "null");
                None
            }
            Some(Value::String(p)) if p.is_empty() => {
                errors.add("password", "This field may not be blank.", "blank");
                None
            }
            Some(Value::String(p)) => Some(p.clone()),
            Some(_) => {
                errors.add("password", "Not a valid string.", "invalid");
                None
            }
        };
        if let Some(password) = password {
            let user = cx
                .plan
                .context
                .get(PENDING_USER)
                .cloned()
                .unwrap_or(Value::Null);
            match cx.env.authenticate(&s.backends, &user, &password).await? {
                AuthOutcome::Success {
                    user,
                    backend,
                    method,
                    method_args,
                } => {
                    cx.session.data.remove(SESSION_INVALID_TRIES);
                    cx.plan.context.insert(PENDING_USER.into(), user);
                    cx.plan
                        .context
                        .insert(USER_BACKEND.into(), Value::String(backend));
                    cx.plan
                        .context
                        .insert(AUTH_METHOD.into(), Value::String(method));
                    cx.plan
                        .context
                        .insert(AUTH_METHOD_ARGS.into(), Value::Object(method_args));
                    return Ok(Step::Next);
                }
                AuthOutcome::Denied(message) => return Ok(Step::Deny(Some(message))),
                AuthOutcome::Failed => {
                    let username = pending_username(&cx.plan.context);
                    let mut context = Map::new();
                    context.insert("username".into(), Value::String(username.clone()));
                    context.insert(
                        "stage".into(),
                        json!({"pk": cx.stage.pk, "name": cx.stage.name}),
                    );
                    let user_ref = cx.plan.context.get(PENDING_USER).cloned();
                    cx.env
                        .event("login_failed", context, user_ref.as_ref(), cx.request)
                        .await?;
                    cx.env.reputation(&username, -1, cx.request).await?;
                    errors.add("password", INVALID, "invalid");
                }
            }
        }
        let tries = cx
            .session
            .data
            .get(SESSION_INVALID_TRIES)
            .and_then(Value::as_i64)
            .unwrap_or(0)
            + 1;
        if tries >= s.failed_attempts_before_cancel {
            cx.session.data.remove(SESSION_INVALID_TRIES);
            return Ok(Step::Deny(Some(INVALID.into())));
        }
        cx.session
            .data
            .insert(SESSION_INVALID_TRIES.into(), json!(tries));
        Ok(Step::Invalid(challenge(cx, &s), errors))
    }
}
