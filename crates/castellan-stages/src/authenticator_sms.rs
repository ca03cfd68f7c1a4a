//! SMS setup stage (spec §5.8): an unconfirmed device with a fresh code lives in the session;
//! a phone number (from the response, or `prompt_data.phone`) gets the code by SMS, and the
//! right code saves the device (verify-only stages keep only a hash of the number).
pub mod gateway;

use async_trait::async_trait;
use castellan_core::mfa::{DeviceCommon, SmsDevice, Throttle};
use castellan_crypto::side_channel::hash_phone_number;
use castellan_crypto::token::constant_time_eq;
use castellan_flows::{Challenge, EnvError, ResponseErrors, StageContext, StageView, Step};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use self::gateway::{Recipient, SmsSettings, fresh_code, message};
use crate::device_user::{DeviceUser, device_user};
use crate::prompt::PROMPT_DATA;

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_authenticator_sms.authenticatorsmsstage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-authenticator-sms";
/// Session key of the unconfirmed device.
pub const SESSION_DEVICE: &str = "authentik/stages/authenticator_sms/sms_device";
/// Name of enrolled devices.
pub const DEVICE_NAME: &str = "SMS Device";
/// `prompt_data` key of a number collected by an earlier prompt stage.
const PLAN_CONTEXT_PHONE: &str = "phone";
/// Error of a number the stage already has a device for.
pub const INVALID_NUMBER: &str = "Invalid phone number";
const MISMATCH: &str = "Code does not match";
const NON_FIELD: &str = "non_field_errors";

/// The unconfirmed device of the session.
#[derive(Debug, Clone)]
struct Pending {
    user: i64,
    stage: Uuid,
    phone_number: String,
    token: String,
    valid_until: DateTime<Utc>,
}

impl Pending {
    fn to_json(&self) -> Value {
        json!({"user": self.user, "stage": self.stage, "phone_number": self.phone_number,
               "token": self.token, "valid_until": self.valid_until.timestamp()})
    }
    fn from_json(v: &Value) -> Option<Self> {
        Some(Self {
            user: v.get("user")?.as_i64()?,
            stage: Uuid::parse_str(v.get("stage")?.as_str()?).ok()?,
            phone_number: v.get("phone_number")?.as_str()?.to_string(),
            token: v.get("token")?.as_str()?.to_string(),
            valid_until: DateTime::from_timestamp(v.get("valid_until")?.as_i64()?, 0)?,
        })
    }
}

fn stage_pk(cx: &StageContext<'_>) -> Uuid {
    cx.stage.pk.unwrap_or_default()
}

fn load(cx: &StageContext<'_>, user: &DeviceUser) -> Option<Pending> {
    cx.session
        .data
        .get(SESSION_DEVICE)
        .and_then(Pending::from_json)
        .filter(|p| p.user == user.pk && p.stage == stage_pk(cx))
}

fn store(cx: &mut StageContext<'_>, pending: &Pending) {
    cx.session
        .data
        .insert(SESSION_DEVICE.into(), pending.to_json());
}

fn fresh(cx: &StageContext<'_>, user: &DeviceUser) -> Pending {
    let (token, valid_until) = fresh_code(cx.env.now());
    Pending {
        user: user.pk,
        stage: stage_pk(cx),
        phone_number: String::new(),
        token,
        valid_until,
    }
}

fn challenge(pending: &Pending) -> Challenge {
    Challenge::with_user(COMPONENT).field("phone_number_required", pending.phone_number.is_empty())
}

fn prompt_phone(cx: &StageContext<'_>) -> Option<String> {
    cx.plan
        .context
        .get(PROMPT_DATA)
        .and_then(|d| d.get(PLAN_CONTEXT_PHONE))
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Refuses a number the stage already has (in clear or hashed), then sends `pending`'s code to
/// it; the error is the user's message.
async fn validate_and_send(
    cx: &mut StageContext<'_>,
    pending: &Pending,
    number: &str,
) -> Result<Result<(), String>, EnvError> {
    let hashed = hash_phone_number(number);
    if cx
        .env
        .sms_number_taken(pending.stage, &[number, hashed.as_str()])
        .await?
    {
        return Ok(Err(INVALID_NUMBER.into()));
    }
    let s: SmsSettings = cx.settings();
    let user = cx.env.user(pending.user).await?;
    let recipient = Recipient {
        stage_name: &cx.stage.name,
        device_name: DEVICE_NAME,
        to: number,
    };
    let sms = message(
        &s,
        &cx.request.brand_name,
        recipient,
        &pending.token,
        user.as_ref(),
    );
    Ok(cx.env.send_sms(sms).await)
}

/// Reads the `code` response field (DRF `IntegerField`, leading zeros restored).
fn read_code(body: &Map<String, Value>) -> Option<Result<String, &'static str>> {
    match body.get("code")? {
        Value::Null => Some(Err("This field may not be null.")),
        Value::Number(n) if n.is_u64() => Some(Ok(format!("{:0>6}", n))),
        Value::String(s) if s.trim().parse::<u64>().is_ok() => Some(Ok(s.trim().to_string())),
        Value::String(s) if s.trim().is_empty() => None,
        _ => Some(Err("A valid integer is required.")),
    }
}

fn invalid(pending: &Pending, field: &str, message: &str) -> Step {
    Step::Invalid(
        challenge(pending),
        ResponseErrors::field(field, message, "invalid"),
    )
}

/// The SMS setup stage.
pub struct AuthenticatorSmsStage;

#[async_trait]
impl StageView for AuthenticatorSmsStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let Some(user) = device_user(cx) else {
            return Ok(Step::Next);
        };
        if let Some(pending) = load(cx, &user) {
            return Ok(Step::Show(challenge(&pending)));
        }
        let mut pending = fresh(cx, &user);
        if let Some(number) = prompt_phone(cx) {
            match validate_and_send(cx, &pending, &number).await? {
                Ok(()) => pending.phone_number = number,
                Err(e) => {
                    // A preset number that cannot be used: forget it and ask for one.
                    tracing::warn!(error = %e, "failed to send SMS to the preset number");
                    if let Some(Value::Object(data)) = cx.plan.context.get_mut(PROMPT_DATA) {
                        data.remove(PLAN_CONTEXT_PHONE);
                    }
                }
            }
        }
        store(cx, &pending);
        Ok(Step::Show(challenge(&pending)))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        body: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        let Some(user) = device_user(cx) else {
            return Ok(Step::Next);
        };
        let mut pending = match load(cx, &user) {
            Some(p) => p,
            None => fresh(cx, &user),
        };
        let Some(code) = read_code(body) else {
            let number = body
                .get("phone_number")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|n| !n.is_empty());
            let Some(number) = number else {
                return Ok(invalid(&pending, NON_FIELD, "phone_number required"));
            };
            // Every number submitted gets a fresh code.
            let (token, valid_until) = fresh_code(cx.env.now());
            pending.token = token;
            pending.valid_until = valid_until;
            pending.phone_number = String::new();
            if let Err(e) = validate_and_send(cx, &pending, number).await? {
                store(cx, &pending);
                return Ok(invalid(&pending, NON_FIELD, &e));
            }
            pending.phone_number = number.to_string();
            store(cx, &pending);
            return Ok(Step::Show(challenge(&pending)));
        };
        let code = match code {
            Ok(c) => c,
            Err(message) => return Ok(invalid(&pending, "code", message)),
        };
        let now = cx.env.now();
        if pending.phone_number.is_empty()
            || now >= pending.valid_until
            || !constant_time_eq(code.as_bytes(), pending.token.as_bytes())
        {
            return Ok(invalid(&pending, NON_FIELD, MISMATCH));
        }
        let s: SmsSettings = cx.settings();
        let phone_number = if s.verify_only {
            hash_phone_number(&pending.phone_number)
        } else {
            pending.phone_number.clone()
        };
        let device = SmsDevice {
            common: DeviceCommon {
                pk: 0,
                user: user.pk,
                name: DEVICE_NAME.into(),
                confirmed: true,
                created: now,
                last_updated: now,
                last_used: None,
            },
            stage: pending.stage,
            phone_number,
            token: None,
            valid_until: Some(now),
            last_t: Some(now),
            throttle: Throttle::default(),
        };
        if cx.env.save_sms_device(&device).await?.is_none() {
            cx.session.data.remove(SESSION_DEVICE);
            let pending = fresh(cx, &user);
            store(cx, &pending);
            return Ok(invalid(&pending, NON_FIELD, INVALID_NUMBER));
        }
        cx.session.data.remove(SESSION_DEVICE);
        Ok(Step::Next)
    }
}
