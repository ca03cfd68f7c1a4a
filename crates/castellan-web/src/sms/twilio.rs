//! The Twilio provider: `POST <base>/2010-04-01/Accounts/<SID>/Messages.json` with the form
//! fields `To`, `From`, `Body` and basic authentication `SID:auth token`.
use castellan_flows::env::SmsMessage;
use serde_json::Value;

use super::{SendError, answer};

/// The user-facing text of a Twilio error body: `Unable to create record: <message>` as the
/// Twilio client words it, or the body itself when it is not Twilio's error JSON.
fn error_text(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .map(|m| format!("Unable to create record: {m}"))
        .unwrap_or_else(|| body.to_string())
}

/// Creates the message resource.
pub async fn send(client: &reqwest::Client, sms: &SmsMessage, base: &str) -> Result<(), SendError> {
    let sid: String = url_segment(&sms.account_sid);
    let url = format!("{base}/2010-04-01/Accounts/{sid}/Messages.json");
    let form = [
        ("To", sms.to.as_str()),
        ("From", sms.from.as_str()),
        ("Body", sms.text.as_str()),
    ];
    let request = client
        .post(url)
        .basic_auth(&sms.account_sid, Some(&sms.auth))
        .form(&form);
    answer(request.send().await, error_text).await
}

/// Percent-encodes a path segment (an account SID is alphanumeric; anything else is escaped).
fn url_segment(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Error texts and path escaping.

    use super::*;

    #[test]
    fn twilio_error_message_is_worded_like_the_client() {
        let body = r#"{"code": 21211, "message": "The 'To' number is not valid.", "status": 400}"#;
        assert_eq!(
            error_text(body),
            "Unable to create record: The 'To' number is not valid."
        );
        assert_eq!(error_text("plain"), "plain");
    }

    #[test]
    fn sid_is_escaped() {
        assert_eq!(url_segment("AC12/../x"), "AC12%2F..%2Fx");
    }
}
