//! Authenticator validation stage (spec §5.3) for `totp`, `static`, `webauthn` and `sms` devices:
//! device challenges (one per class, with the class's latest `last_used`), passwordless
//! WebAuthn when no user is known yet, the `not_configured_action` (skip, deny, configure with
//! one or several configuration stages), and the `selected_challenge`, `selected_stage`, `code`
//! and `webauthn` responses. SMS devices get their code when their challenge is selected.
//! Duo devices answer `duo`: a push through the Duo Auth API (see [`duo`]).
pub mod challenges;
pub mod code;
pub mod duo;
pub mod passwordless;
pub mod remember;
pub mod sms;
pub mod webauthn;

use async_trait::async_trait;
use castellan_core::stage::Stage;
use castellan_flows::context::{AUTH_METHOD, AUTH_METHOD_ARGS, PENDING_USER, pending_username};
use castellan_flows::plan::{PlanEntry, PlannedStage};
use castellan_flows::{Challenge, EnvError, ResponseErrors, StageContext, StageView, Step};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use self::challenges::{DeviceChallenge, device_challenges};
use self::code::verify_code;
use self::passwordless::{
    device_ref, passwordless_offer, passwordless_post, refused, webauthn_response,
};
use self::webauthn::WebAuthnValidateSettings;
use castellan_core::mfa::{CLASS_DUO, CLASS_WEBAUTHN};

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_authenticator_validate.authenticatorvalidatestage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-authenticator-validate";
/// The error of a code no device accepted.
pub const INVALID_TOKEN: &str =
    "Invalid Token. Please ensure the time on your device is accurate and try again.";
const NOT_CONFIGURED: &str = "No (allowed) MFA authenticator configured.";

/// The settings this stage reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ValidateSettings {
    /// `skip`, `deny` or `configure`.
    pub not_configured_action: String,
    /// Device classes accepted (all five when the setting is missing).
    pub device_classes: Vec<String>,
    /// Setup stages offered with `configure` (stage pks).
    pub configuration_stages: Vec<Value>,
}

impl Default for ValidateSettings {
    fn default() -> Self {
        Self {
            not_configured_action: "skip".into(),
            device_classes: ["static", "totp", "webauthn", "duo", "sms"]
                .map(String::from)
                .to_vec(),
            configuration_stages: vec![],
        }
    }
}

/// The validation stage.
pub struct AuthenticatorValidateStage;

/// What the stage offers the user on this request.
struct Offer {
    devices: Vec<DeviceChallenge>,
    stages: Vec<Stage>,
}

/// Whether the stage has a user: the plan's pending user, or the logged-in user when the flow
/// has none (authentik's `get_pending_user`; without it a logged-in user would pass the stage of
/// an authorization flow unchallenged).
fn has_pending(cx: &StageContext<'_>) -> bool {
    cx.plan
        .context
        .get(PENDING_USER)
        .is_some_and(|u| !u.is_null())
        || cx.request.user.is_some()
}

fn user_pk(cx: &StageContext<'_>) -> Option<i64> {
    castellan_flows::context::pending_user_pk(&cx.plan.context)
        .or_else(|| crate::device_user::device_user(cx).map(|u| u.pk))
}

async fn configuration_stages(
    cx: &mut StageContext<'_>,
    s: &ValidateSettings,
) -> Result<Vec<Stage>, EnvError> {
    let mut out = Vec::new();
    for pk in &s.configuration_stages {
        let Some(pk) = pk.as_str().and_then(|p| Uuid::parse_str(p).ok()) else {
            continue;
        };
        if let Some(stage) = cx.env.stage(pk).await? {
            out.push(stage);
        }
    }
    Ok(out)
}

fn wants_webauthn(s: &ValidateSettings) -> bool {
    s.device_classes.iter().any(|c| c == CLASS_WEBAUTHN)
}

async fn offer(cx: &mut StageContext<'_>, s: &ValidateSettings) -> Result<Offer, EnvError> {
    let mut devices = match user_pk(cx) {
        Some(pk) => device_challenges(cx.env, pk, &s.device_classes).await?,
        None => vec![],
    };
    if let Some(pk) = user_pk(cx)
        && wants_webauthn(s)
    {
        let ws: WebAuthnValidateSettings = cx.settings();
        if let Some(c) = webauthn::user_challenge(cx, pk, &ws).await? {
            devices.push(c);
        }
    }
    let stages = if devices.is_empty() && s.not_configured_action == "configure" {
        configuration_stages(cx, s).await?
    } else {
        vec![]
    };
    Ok(Offer { devices, stages })
}

fn selectable(stage: &Stage) -> Value {
    let friendly = stage
        .config
        .get("friendly_name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty());
    let verbose = crate::specs::by_model(&stage.kind)
        .map(|spec| {
            spec.verbose_name
                .replace("Setup Stage", "")
                .trim()
                .to_string()
        })
        .unwrap_or_default();
    json!({"pk": stage.pk, "name": friendly.unwrap_or(&stage.name),
           "verbose_name": verbose, "meta_model_name": stage.kind})
}

fn challenge(offer: &Offer) -> Challenge {
    let devices: Vec<Value> = offer.devices.iter().map(DeviceChallenge::to_json).collect();
    let stages: Vec<Value> = offer.stages.iter().map(selectable).collect();
    Challenge::with_user(COMPONENT)
        .field("device_challenges", devices)
        .field("configuration_stages", stages)
}

fn insert_next(cx: &mut StageContext<'_>, stage: &Stage) {
    let mut entry = PlanEntry::in_memory(&stage.kind, &stage.name, stage.config.clone());
    entry.stage = PlannedStage {
        pk: Some(stage.pk),
        ..entry.stage
    };
    cx.plan.insert_stage(entry);
}

/// No device challenges: apply `not_configured_action`.
async fn not_configured(
    cx: &mut StageContext<'_>,
    s: &ValidateSettings,
    offer: &Offer,
) -> Result<Step, EnvError> {
    match s.not_configured_action.as_str() {
        "deny" => Ok(Step::Deny(Some(NOT_CONFIGURED.into()))),
        "configure" => match offer.stages.as_slice() {
            [] => {
                let mut context = Map::new();
                context.insert(
                    "message".into(),
                    json!("Authenticator validation stage is set to configure, but no configuration stages are set."),
                );
                context.insert(
                    "stage".into(),
                    json!({"pk": cx.stage.pk, "name": cx.stage.name}),
                );
                cx.env
                    .event("configuration_error", context, None, cx.request)
                    .await?;
                Ok(Step::Deny(None))
            }
            [only] => {
                insert_next(cx, only);
                Ok(Step::Next)
            }
            _ => Ok(Step::Show(challenge(offer))),
        },
        _ => Ok(Step::Next),
    }
}

fn record_success(cx: &mut StageContext<'_>, device: Value) {
    let ctx = &mut cx.plan.context;
    if ctx.get(AUTH_METHOD).is_none_or(Value::is_null) {
        ctx.insert(AUTH_METHOD.into(), json!("auth_mfa"));
    }
    let args = ctx
        .entry(AUTH_METHOD_ARGS)
        .or_insert_with(|| Value::Object(Map::new()));
    if !args.is_object() {
        *args = Value::Object(Map::new());
    }
    if let Some(args) = args.as_object_mut() {
        let list = args.entry("mfa_devices").or_insert_with(|| json!([]));
        if !list.is_array() {
            *list = json!([]);
        }
        if let Some(list) = list.as_array_mut() {
            list.push(device);
        }
    }
}

async fn login_failed(cx: &mut StageContext<'_>) -> Result<(), EnvError> {
    let pending = cx
        .plan
        .context
        .get(PENDING_USER)
        .filter(|u| !u.is_null())
        .or(cx.request.user.as_ref())
        .cloned();
    let mut username = pending_username(&cx.plan.context);
    if username.is_empty()
        && let Some(u) = &pending
    {
        username = u
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
    }
    let mut context = Map::new();
    context.insert("username".into(), Value::String(username.clone()));
    context.insert(
        "stage".into(),
        json!({"pk": cx.stage.pk, "name": cx.stage.name}),
    );
    cx.env
        .event("login_failed", context, pending.as_ref(), cx.request)
        .await?;
    cx.env.reputation(&username, -1, cx.request).await
}

/// The `duo` response: the user's Duo device `device` must be allowed by Duo.
async fn duo_post(
    cx: &mut StageContext<'_>,
    s: &ValidateSettings,
    device: Option<i64>,
) -> Result<Step, EnvError> {
    let Some(user) = user_pk(cx) else {
        return Ok(Step::Deny(None));
    };
    let mut errors = ResponseErrors::default();
    let allowed = s.device_classes.iter().any(|c| c == CLASS_DUO);
    let outcome = match device.filter(|_| allowed) {
        Some(pk) => {
            let username = cx
                .env
                .user(user)
                .await?
                .and_then(|u| {
                    u.get("username")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_default();
            duo::verify(cx, user, &username, pk).await?
        }
        None => Err(duo::DuoRefusal::InvalidDevice),
    };
    let message = match outcome {
        Ok(device) => {
            record_success(cx, duo::device_ref(&device));
            remember::remember(cx, CLASS_DUO, device.common.pk);
            return Ok(Step::Next);
        }
        Err(duo::DuoRefusal::InvalidDevice) => duo::INVALID_DEVICE,
        Err(duo::DuoRefusal::Denied) => {
            login_failed(cx).await?;
            duo::DENIED
        }
        Err(duo::DuoRefusal::Error) => duo::DENIED,
    };
    errors.add("duo", message, "invalid");
    let offer = offer(cx, s).await?;
    Ok(Step::Invalid(challenge(&offer), errors))
}

#[async_trait]
impl StageView for AuthenticatorValidateStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        if !has_pending(cx) {
            return Ok(match passwordless_offer(cx) {
                Some(offer) => Step::Show(challenge(&offer)),
                None => Step::Next,
            });
        }
        let s: ValidateSettings = cx.settings();
        let offer = offer(cx, &s).await?;
        if offer.devices.is_empty() {
            return not_configured(cx, &s, &offer).await;
        }
        if let Some(pk) = user_pk(cx)
            && remember::remembered(cx, pk, &s.device_classes).await?
        {
            return Ok(Step::Next);
        }
        Ok(Step::Show(challenge(&offer)))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        body: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        if !has_pending(cx) {
            return passwordless_post(cx, body).await;
        }
        let s: ValidateSettings = cx.settings();
        let offer = offer(cx, &s).await?;
        let mut errors = ResponseErrors::default();
        if let Some(selected) = body.get("selected_stage").filter(|v| !v.is_null()) {
            let chosen = offer
                .stages
                .iter()
                .find(|st| selected.as_str() == Some(st.pk.to_string().as_str()))
                .cloned();
            if let Some(stage) = chosen {
                insert_next(cx, &stage);
                return Ok(Step::Next);
            }
            errors.add("selected_stage", "Selected stage is invalid.", "invalid");
            return Ok(Step::Invalid(challenge(&offer), errors));
        }
        if offer.devices.is_empty() {
            return not_configured(cx, &s, &offer).await;
        }
        let selected = sms::selected_challenge(body);
        if let Some(selected) = &selected
            && !offer.devices.iter().any(|d| d.matches(selected))
        {
            errors.add(
                "selected_challenge",
                "invalid challenge selected",
                "invalid",
            );
            return Ok(Step::Invalid(challenge(&offer), errors));
        }
        if let (Some(selected), Some(pk)) = (&selected, user_pk(cx))
            && let Some(message) = sms::on_selected(cx, pk, selected).await?
        {
            errors.add("selected_challenge", &message, "invalid");
            return Ok(Step::Invalid(challenge(&offer), errors));
        }
        if let Some(device) = duo::duo_response(body) {
            return duo_post(cx, &s, device).await;
        }
        if let Some(response) = webauthn_response(body) {
            let ws: WebAuthnValidateSettings = cx.settings();
            let Some(pk) = user_pk(cx) else {
                return Ok(Step::Deny(None));
            };
            return match webauthn::verify(cx, &response, Some(pk), &ws).await? {
                Ok(device) => {
                    record_success(cx, device_ref(&device));
                    remember::remember(cx, CLASS_WEBAUTHN, device.common.pk);
                    Ok(Step::Next)
                }
                Err(refusal) => {
                    let message = refused(cx, refusal).await?;
                    errors.add("webauthn", &message, "invalid");
                    let offer = self::offer(cx, &s).await?;
                    Ok(Step::Invalid(challenge(&offer), errors))
                }
            };
        }
        let code = match body.get("code") {
            Some(Value::String(c)) if !c.trim().is_empty() => Some(c.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let Some(code) = code else {
            errors.add("non_field_errors", "Empty response", "invalid");
            return Ok(Step::Invalid(challenge(&offer), errors));
        };
        let Some(pk) = user_pk(cx) else {
            return Ok(Step::Deny(None));
        };
        match verify_code(cx.env, pk, &s.device_classes, &code).await? {
            Some(device) => {
                record_success(cx, device.to_json());
                remember::remember(cx, device.class, device.pk);
                Ok(Step::Next)
            }
            None => {
                login_failed(cx).await?;
                errors.add("code", INVALID_TOKEN, "invalid");
                Ok(Step::Invalid(challenge(&offer), errors))
            }
        }
    }
}
