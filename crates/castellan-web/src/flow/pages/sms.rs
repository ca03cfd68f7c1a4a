//! What the SMS part of the validation page needs from a challenge: whether the last post only
//! selected the SMS device (the code was sent, and the API's "Empty response" error is that
//! notification's normal answer, not something to show).
use serde_json::Value;

/// The API's answer to a response without a code.
const EMPTY_RESPONSE: &str = "Empty response";

/// Whether the challenge answers a `selected_challenge` post that sent an SMS code.
pub fn code_sent(challenge: &Value) -> bool {
    let has_sms = challenge
        .get("device_challenges")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter()
                .any(|d| d.get("device_class").and_then(Value::as_str) == Some("sms"))
        });
    let errors = challenge.get("response_errors");
    let only_empty = errors
        .and_then(|e| e.get("non_field_errors"))
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter()
                .all(|e| e.get("string").and_then(Value::as_str) == Some(EMPTY_RESPONSE))
                && !list.is_empty()
        });
    let no_other = errors
        .and_then(Value::as_object)
        .is_some_and(|m| m.keys().all(|k| k == "non_field_errors"));
    has_sms && only_empty && no_other
}

/// The response errors the page shows: all of them, except the notification answer after an
/// SMS code was sent.
pub fn shown_errors(challenge: &Value) -> Value {
    if code_sent(challenge) {
        return Value::Object(serde_json::Map::new());
    }
    challenge
        .get("response_errors")
        .cloned()
        .unwrap_or_else(|| Value::Object(serde_json::Map::new()))
}

#[cfg(test)]
mod tests {
    //! Telling the notification answer from real errors.

    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_empty_response_of_an_sms_challenge() {
        let sms = json!([{"device_class": "sms", "device_uid": "1", "challenge": {}}]);
        let sent = json!({"device_challenges": sms,
            "response_errors": {"non_field_errors": [{"string": "Empty response", "code": "invalid"}]}});
        assert!(code_sent(&sent));
        assert_eq!(shown_errors(&sent), json!({}));
        let failed = json!({"device_challenges": sms,
            "response_errors": {"selected_challenge": [{"string": "boom", "code": "invalid"}]}});
        assert!(!code_sent(&failed));
        assert_eq!(shown_errors(&failed), failed["response_errors"]);
        let totp = json!({"device_challenges": [{"device_class": "totp"}],
            "response_errors": {"non_field_errors": [{"string": "Empty response", "code": "invalid"}]}});
        assert!(!code_sent(&totp));
        assert!(!code_sent(&json!({"device_challenges": sms})));
    }
}
