//! SMS gateways (spec §5.8): sending a code through the provider an SMS setup stage names —
//! a generic JSON webhook (its payload optionally built by a mapping) or Twilio's REST API —
//! with a short timeout so a slow gateway cannot hang the flow.
pub mod generic;
pub mod mapping;
pub mod twilio;

use std::sync::OnceLock;
use std::time::Duration;

use castellan_flows::env::SmsMessage;
use serde_json::{Map, Value};

/// Default base URL of the Twilio REST API (`sms.twilio_api_url`).
pub const TWILIO_API_URL: &str = "https://api.twilio.com";

/// Whole-request timeout of a gateway call.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Connection timeout of a gateway call.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// The gateway's HTTP status (`None`: no answer — timeout, refused connection, bad URL).
    pub status: Option<u16>,
    /// The gateway's response body, or what went wrong.
    pub body: String,
    /// The text shown to the user.
    pub message: String,
}

/// The shared HTTP client of gateway calls.
fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .unwrap_or_default()
    })
}

/// Reads a gateway's answer: 2xx/3xx is sent, ≥ 400 an error carrying the body.
async fn answer(
    sent: Result<reqwest::Response, reqwest::Error>,
    message: impl Fn(&str) -> String,
) -> Result<(), SendError> {
    let resp = sent.map_err(|e| {
        let body = format!("request failed: {}", e.without_url());
        SendError {
            status: None,
            message: format!("Failed to send SMS: {body}"),
            body,
        }
    })?;
    let status = resp.status().as_u16();
    if status < 400 {
        return Ok(());
    }
    let body = resp.text().await.unwrap_or_default();
    Err(SendError {
        status: Some(status),
        message: message(&body),
        body,
    })
}

/// Sends `sms` through its provider; `twilio_base` is the Twilio API base URL, `payload` the
/// generic provider's body when a mapping built one.
pub async fn send(
    sms: &SmsMessage,
    twilio_base: &str,
    payload: Option<Map<String, Value>>,
) -> Result<(), SendError> {
    match sms.provider.as_str() {
        "twilio" => twilio::send(client(), sms, twilio_base).await,
        "generic" => generic::send(client(), sms, payload).await,
        other => Err(SendError {
            status: None,
            body: format!("invalid provider {other}"),
            message: format!("Failed to send SMS: invalid provider {other}"),
        }),
    }
}
