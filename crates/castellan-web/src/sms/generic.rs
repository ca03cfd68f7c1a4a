//! The generic SMS provider: a JSON webhook (`account_sid` is its URL) receiving
//! `{"From", "To", "Body": <code>, "Message": <text>}` — or the payload the stage's mapping
//! built — with bearer or basic authentication.
use castellan_flows::env::SmsMessage;
use serde_json::{Map, Value, json};

use super::{SendError, answer};

/// POSTs the message (`payload`, else the default body) to the webhook.
pub async fn send(
    client: &reqwest::Client,
    sms: &SmsMessage,
    payload: Option<Map<String, Value>>,
) -> Result<(), SendError> {
    let payload = match payload {
        Some(map) => Value::Object(map),
        None => json!({
            "From": sms.from,
            "To": sms.to,
            "Body": sms.code,
            "Message": sms.text,
        }),
    };
    let request = client
        .post(&sms.account_sid)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(payload.to_string());
    let request = match sms.auth_type.as_str() {
        "bearer" => request.bearer_auth(&sms.auth),
        _ => request.basic_auth(&sms.auth, Some(&sms.auth_password)),
    };
    answer(request.send().await, |body| body.to_string()).await
}
