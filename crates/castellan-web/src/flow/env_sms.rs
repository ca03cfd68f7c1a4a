//! The SMS side of [`StoreFlowEnv`] (spec §5.8): the user's SMS devices, enrolment, the pending
//! code of a login, and sending through the stage's gateway, the generic payload built by the
//! stage's mapping when it has one (gateway and mapping failures recorded as
//! `configuration_error`).
use castellan_core::mfa::SmsDevice;
use castellan_flows::EnvError;
use castellan_flows::env::SmsMessage;
use castellan_store::{StoreError, devices_sms, users};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::audit;
use crate::flow::env::StoreFlowEnv;
use crate::flow::user_json;

fn err(e: StoreError) -> EnvError {
    EnvError(e.to_string())
}

/// The user's confirmed SMS devices.
pub async fn devices(env: &mut StoreFlowEnv, user: i64) -> Result<Vec<SmsDevice>, EnvError> {
    devices_sms::list(&mut env.conn, Some(user), true)
        .await
        .map_err(err)
}

/// Whether the stage has a device with one of these numbers.
pub async fn number_taken(
    env: &mut StoreFlowEnv,
    stage: Uuid,
    numbers: &[&str],
) -> Result<bool, EnvError> {
    devices_sms::number_taken(&mut env.conn, stage, numbers)
        .await
        .map_err(err)
}

/// Saves an enrolment.
pub async fn save(env: &mut StoreFlowEnv, device: &SmsDevice) -> Result<Option<i64>, EnvError> {
    devices_sms::create(&mut env.conn, device)
        .await
        .map_err(err)
}

/// Stores a sent code.
pub async fn set_token(
    env: &mut StoreFlowEnv,
    device: i64,
    token: &str,
    valid_until: DateTime<Utc>,
) -> Result<(), EnvError> {
    let now = env.state.store.now();
    devices_sms::set_token(&mut env.conn, device, token, valid_until, now)
        .await
        .map_err(err)
}

/// Uses up a pending code.
pub async fn take_token(
    env: &mut StoreFlowEnv,
    device: i64,
    token: &str,
) -> Result<bool, EnvError> {
    let now = env.state.store.now();
    devices_sms::take_token(&mut env.conn, device, token, now)
        .await
        .map_err(err)
}

/// The user's error text when the payload mapping fails (its detail goes to the event only).
pub const MAPPING_FAILED: &str = "Failed to send SMS: error in the message payload mapping.";

/// Sends an SMS; a failure (of the payload mapping or of the gateway) is logged, recorded as
/// `configuration_error` and returned as the user's error text. Nothing is sent when the
/// mapping fails.
pub async fn send(env: &mut StoreFlowEnv, sms: SmsMessage) -> Result<(), String> {
    let payload = match crate::sms::mapping::payload(env, &sms).await {
        Ok(payload) => payload,
        Err(failure) => {
            tracing::warn!(mapping = %failure.name, error = %failure.error,
                           "SMS payload mapping failed");
            let mut context = Map::new();
            context.insert(
                "message".into(),
                json!(format!(
                    "Failed to evaluate property-mapping: '{}'",
                    failure.name
                )),
            );
            context.insert("error".into(), json!(failure.error));
            context.insert("mapping".into(), failure.mapping);
            record(env, &sms, context).await;
            return Err(MAPPING_FAILED.into());
        }
    };
    let base = env.state.settings.twilio_api_url.clone();
    let Err(failure) = crate::sms::send(&sms, &base, payload).await else {
        return Ok(());
    };
    tracing::warn!(
        provider = %sms.provider,
        status = ?failure.status,
        body = %failure.body.chars().take(100).collect::<String>(),
        "error sending SMS"
    );
    let mut context = Map::new();
    context.insert("message".into(), json!("Error sending SMS"));
    context.insert("exc".into(), json!(failure.message));
    context.insert(
        "status_code".into(),
        failure.status.map_or(Value::Null, Value::from),
    );
    context.insert("body".into(), json!(failure.body));
    record(env, &sms, context).await;
    Err(failure.message)
}

/// Records a `configuration_error` event of the message's user.
async fn record(env: &mut StoreFlowEnv, sms: &SmsMessage, context: Map<String, Value>) {
    let account = match sms.user.as_ref().and_then(user_json::pk) {
        Some(pk) => users::get(&mut env.conn, pk).await.ok().flatten(),
        None => None,
    };
    let now = env.state.store.now();
    let recorded = audit::record(
        &mut env.conn,
        now,
        &env.ctx,
        account.as_ref(),
        "configuration_error",
        "authentik.stages.authenticator_sms.models",
        Value::Object(context),
    )
    .await;
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "could not record the SMS configuration error");
    }
}
