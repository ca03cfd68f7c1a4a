//! Duo setup stage (spec §5.7): the GET enrols the user with the Duo Auth API once per session
//! (`/auth/v2/enroll`) and shows the activation barcode and code; the POST asks Duo for the
//! enrolment's status (`/auth/v2/enroll_status`) and, on `success`, saves a Duo device.
pub mod enrollment;

use async_trait::async_trait;
use castellan_core::mfa::{DeviceCommon, DuoApi, DuoDevice};
use castellan_flows::{Challenge, EnvError, ResponseErrors, StageContext, StageView, Step};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use self::enrollment::{Enrollment, enroll, enroll_status};
use crate::device_user::device_user;

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_authenticator_duo.authenticatorduostage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-authenticator-duo";
/// Name of enrolled devices.
pub const DEVICE_NAME: &str = "Duo Authenticator";
const DUPLICATE: &str = "Device with Credential ID already exists.";

/// The Duo Auth API credentials of a Duo setup stage's settings.
pub fn duo_api(config: &Map<String, Value>) -> DuoApi {
    let text = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    DuoApi {
        api_hostname: text("api_hostname"),
        integration_key: text("client_id"),
        secret_key: text("client_secret"),
    }
}

fn stage_uuid(cx: &StageContext<'_>) -> Uuid {
    cx.stage.pk.unwrap_or_default()
}

fn challenge(enrollment: &Enrollment) -> Challenge {
    Challenge::with_user(COMPONENT)
        .field("activation_barcode", enrollment.activation_barcode.clone())
        .field("activation_code", enrollment.activation_code.clone())
        .field("stage_uuid", enrollment.stage.to_string())
}

/// The session's enrolment for this stage and user, or a new one.
async fn current(
    cx: &mut StageContext<'_>,
    user_pk: i64,
    username: &str,
) -> Result<Enrollment, EnvError> {
    let stage = stage_uuid(cx);
    if let Some(e) =
        Enrollment::from_session(&cx.session.data).filter(|e| e.stage == stage && e.user == user_pk)
    {
        return Ok(e);
    }
    let api = duo_api(&cx.stage.config);
    match enroll(cx.env, &api, username).await {
        Ok(mut e) => {
            e.stage = stage;
            e.user = user_pk;
            e.store(&mut cx.session.data);
            Ok(e)
        }
        Err(message) => {
            let mut context = Map::new();
            context.insert(
                "message".into(),
                json!(format!("Failed to enroll user: {message}")),
            );
            let user = cx.env.user(user_pk).await?;
            cx.env
                .event("configuration_error", context, user.as_ref(), cx.request)
                .await?;
            Err(EnvError(message))
        }
    }
}

/// The Duo setup stage.
pub struct AuthenticatorDuoStage;

#[async_trait]
impl StageView for AuthenticatorDuoStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let Some(user) = device_user(cx) else {
            return Ok(Step::Next);
        };
        let enrollment = current(cx, user.pk, &user.username).await?;
        Ok(Step::Show(challenge(&enrollment)))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        _body: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        let Some(user) = device_user(cx) else {
            return Ok(Step::Next);
        };
        let enrollment = current(cx, user.pk, &user.username).await?;
        let api = duo_api(&cx.stage.config);
        let status = match enroll_status(cx.env, &api, &enrollment).await {
            Ok(status) => status,
            Err(message) => {
                let mut context = Map::new();
                context.insert(
                    "message".into(),
                    json!(format!("Failed to check enrollment status: {message}")),
                );
                let u = cx.env.user(user.pk).await?;
                cx.env
                    .event("configuration_error", context, u.as_ref(), cx.request)
                    .await?;
                "invalid".to_string()
            }
        };
        let mut errors = ResponseErrors::default();
        if status != "success" {
            errors.add(
                "non_field_errors",
                &format!("Invalid enrollment status: {status}."),
                "invalid",
            );
            return Ok(Step::Invalid(challenge(&enrollment), errors));
        }
        let now = cx.env.now();
        let device = DuoDevice {
            common: DeviceCommon {
                pk: 0,
                user: user.pk,
                name: DEVICE_NAME.into(),
                confirmed: true,
                created: now,
                last_updated: now,
                last_used: None,
            },
            stage: enrollment.stage,
            duo_user_id: enrollment.duo_user_id.clone(),
            last_t: Some(now),
        };
        Enrollment::clear(&mut cx.session.data);
        if cx.env.save_duo_device(&device).await?.is_none() {
            errors.add("non_field_errors", DUPLICATE, "invalid");
            return Ok(Step::Invalid(challenge(&enrollment), errors));
        }
        Ok(Step::Next)
    }
}
