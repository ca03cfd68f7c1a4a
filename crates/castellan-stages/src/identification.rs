//! Identification stage (spec §4.1): find the user by email/username/upn, optionally check the
//! password and the CAPTCHA token (inline, new in 2024.10) in the same step.
use std::time::Duration;

use async_trait::async_trait;
use castellan_flows::context::{
    AUTH_METHOD, AUTH_METHOD_ARGS, PENDING_USER, PENDING_USER_IDENTIFIER, USER_BACKEND,
    unsaved_user,
};
use castellan_flows::plan::SESSION_QUERY;
use castellan_flows::{
    AuthOutcome, Challenge, EnvError, ResponseErrors, StageContext, StageView, Step,
};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::captcha::{self, CaptchaSettings};
use crate::password::PasswordSettings;
use crate::response::{optional_str, required_str};

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_identification.identificationstage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-identification";
const FAILED: &str = "Failed to authenticate.";

/// Identification settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct IdentificationSettings {
    /// Fields matched against the identifier.
    pub user_fields: Vec<String>,
    /// Password stage whose backends check a password on the same form.
    pub password_stage: Option<Uuid>,
    /// Captcha stage verified with the response.
    pub captcha_stage: Option<Uuid>,
    /// Case-insensitive matching.
    pub case_insensitive_matching: bool,
    /// Show the matched username (off: show what was typed).
    pub show_matched_user: bool,
    /// Continue for unknown users when no password is asked.
    pub pretend_user_exists: bool,
    /// Enrollment link.
    pub enrollment_flow: Option<Uuid>,
    /// Recovery link.
    pub recovery_flow: Option<Uuid>,
    /// Passwordless link.
    pub passwordless_flow: Option<Uuid>,
    /// Show source labels.
    pub show_source_labels: bool,
}

impl Default for IdentificationSettings {
    fn default() -> Self {
        Self {
            user_fields: vec!["email".into(), "username".into()],
            password_stage: None,
            captcha_stage: None,
            case_insensitive_matching: true,
            show_matched_user: true,
            pretend_user_exists: true,
            enrollment_flow: None,
            recovery_flow: None,
            passwordless_flow: None,
            show_source_labels: false,
        }
    }
}

/// The identification stage.
pub struct IdentificationStage;

struct Linked {
    password: Option<PasswordSettings>,
    captcha: Option<CaptchaSettings>,
}

async fn linked(cx: &mut StageContext<'_>, s: &IdentificationSettings) -> Result<Linked, EnvError> {
    let mut out = Linked {
        password: None,
        captcha: None,
    };
    if let Some(pk) = s.password_stage
        && let Some(stage) = cx.env.stage(pk).await?
    {
        out.password = serde_json::from_value(Value::Object(stage.config)).ok();
    }
    if let Some(pk) = s.captcha_stage
        && let Some(stage) = cx.env.stage(pk).await?
    {
        out.captcha = serde_json::from_value(Value::Object(stage.config)).ok();
    }
    Ok(out)
}

async fn flow_link(
    cx: &mut StageContext<'_>,
    flow: Option<Uuid>,
) -> Result<Option<String>, EnvError> {
    let Some(pk) = flow else { return Ok(None) };
    let Some(flow) = cx.env.flow_by_pk(pk).await? else {
        return Ok(None);
    };
    let query = cx
        .session
        .data
        .get(SESSION_QUERY)
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(Some(if query.is_empty() {
        format!("/if/flow/{}/", flow.slug)
    } else {
        format!("/if/flow/{}/?{}", flow.slug, query)
    }))
}

async fn challenge(
    cx: &mut StageContext<'_>,
    s: &IdentificationSettings,
    l: &Linked,
) -> Result<Challenge, EnvError> {
    let primary = if cx.flow.designation == castellan_core::flow::FlowDesignation::Authentication {
        "Log in"
    } else {
        "Continue"
    };
    let app_pre = cx
        .session
        .data
        .get("authentik/flows/application_pre")
        .and_then(|a| a.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let enroll = flow_link(cx, s.enrollment_flow).await?;
    let recovery = flow_link(cx, s.recovery_flow).await?;
    let passwordless = flow_link(cx, s.passwordless_flow).await?;
    Ok(Challenge::new(COMPONENT)
        .field("user_fields", s.user_fields.clone())
        .field("password_fields", l.password.is_some())
        .field(
            "allow_show_password",
            l.password.as_ref().is_some_and(|p| p.allow_show_password),
        )
        .opt_field("application_pre", app_pre)
        .field("flow_designation", cx.flow.designation.as_str())
        .field(
            "captcha_stage",
            l.captcha
                .as_ref()
                .map(captcha::inline_challenge)
                .unwrap_or(Value::Null),
        )
        .opt_field("enroll_url", enroll)
        .opt_field("recovery_url", recovery)
        .opt_field("passwordless_url", passwordless)
        .field("primary_action", primary)
        .field("sources", Value::Array(vec![]))
        .field("show_source_labels", s.show_source_labels))
}

#[async_trait]
impl StageView for IdentificationStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let s: IdentificationSettings = cx.settings();
        let l = linked(cx, &s).await?;
        Ok(Step::Show(challenge(cx, &s, &l).await?))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        body: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        let s: IdentificationSettings = cx.settings();
        let l = linked(cx, &s).await?;
        let mut errors = ResponseErrors::default();
        let uid = required_str(body, "uid_field", &mut errors);
        let password = optional_str(body, "password", &mut errors);
        let token = optional_str(body, "captcha_token", &mut errors);
        let Some(uid) = uid.filter(|_| errors.is_empty()) else {
            return Ok(Step::Invalid(challenge(cx, &s, &l).await?, errors));
        };
        let found = if s.user_fields.is_empty() {
            None
        } else {
            cx.env
                .find_user(&s.user_fields, &uid, s.case_insensitive_matching)
                .await?
        };
        let Some(user) = found else {
            let jitter = rand::thread_rng().gen_range(3..=7u64) * 30;
            cx.env.sleep(Duration::from_millis(jitter)).await;
            cx.env.reputation(&uid, -1, cx.request).await?;
            cx.plan
                .context
                .insert(PENDING_USER.into(), unsaved_user(&uid));
            if !s.show_matched_user {
                cx.plan
                    .context
                    .insert(PENDING_USER_IDENTIFIER.into(), Value::String(uid.clone()));
            }
            if s.pretend_user_exists && l.password.is_none() {
                return Ok(Step::Next);
            }
            let ch = challenge(cx, &s, &l).await?;
            return Ok(Step::Invalid(
                ch,
                ResponseErrors::field("non_field_errors", FAILED, "invalid"),
            ));
        };
        if let Some(captcha) = &l.captcha {
            let ip = cx.request.client_ip.clone();
            if let Err(message) =
                captcha::verify(captcha, token.as_deref().unwrap_or_default(), &ip, cx.env).await
            {
                let ch = challenge(cx, &s, &l).await?;
                return Ok(Step::Invalid(
                    ch,
                    ResponseErrors::field("non_field_errors", &message, "invalid"),
                ));
            }
        }
        let mut pending = user;
        if let Some(pw) = &l.password {
            let outcome = cx
                .env
                .authenticate(
                    &pw.backends,
                    &pending,
                    password.as_deref().unwrap_or_default(),
                )
                .await?;
            match outcome {
                AuthOutcome::Success {
                    user,
                    backend,
                    method,
                    method_args,
                } => {
                    cx.plan
                        .context
                        .insert(USER_BACKEND.into(), Value::String(backend));
                    cx.plan
                        .context
                        .insert(AUTH_METHOD.into(), Value::String(method));
                    cx.plan
                        .context
                        .insert(AUTH_METHOD_ARGS.into(), Value::Object(method_args));
                    pending = user;
                }
                AuthOutcome::Failed => {
                    let ch = challenge(cx, &s, &l).await?;
                    return Ok(Step::Invalid(
                        ch,
                        ResponseErrors::field("non_field_errors", FAILED, "invalid"),
                    ));
                }
                AuthOutcome::Denied(message) => {
                    let ch = challenge(cx, &s, &l).await?;
                    return Ok(Step::Invalid(
                        ch,
                        ResponseErrors::field("non_field_errors", &message, "invalid"),
                    ));
                }
            }
        }
        cx.plan.context.insert(PENDING_USER.into(), pending);
        if !s.show_matched_user {
            cx.plan
                .context
                .insert(PENDING_USER_IDENTIFIER.into(), Value::String(uid));
        }
        Ok(Step::Next)
    }
}
