//! What the WebAuthn parts of the flow pages need from a challenge: the options the browser
//! ceremony runs with (creation options of the setup stage, request options of the validation
//! stage's WebAuthn device challenge), and how many code-based devices need the code field.
use serde_json::Value;

/// The ceremony options as JSON text, if the challenge has a WebAuthn part.
pub fn options(challenge: &Value) -> Option<String> {
    if let Some(registration) = challenge.get("registration").filter(|r| r.is_object()) {
        return Some(registration.to_string());
    }
    challenge
        .get("device_challenges")?
        .as_array()?
        .iter()
        .find(|d| d.get("device_class").and_then(Value::as_str) == Some("webauthn"))
        .and_then(|d| d.get("challenge"))
        .filter(|c| c.is_object())
        .map(Value::to_string)
}

/// How many code-based device challenges (TOTP, static, SMS) the validation challenge offers.
pub fn code_devices(challenge: &Value) -> usize {
    challenge
        .get("device_challenges")
        .and_then(Value::as_array)
        .map_or(0, |list| {
            list.iter()
                .filter(|d| {
                    matches!(
                        d.get("device_class").and_then(Value::as_str),
                        Some("totp" | "static" | "sms")
                    )
                })
                .count()
        })
}

#[cfg(test)]
mod tests {
    //! Picking the options out of both challenges.

    use super::*;
    use serde_json::json;

    #[test]
    fn setup_and_validate() {
        let setup = json!({"registration": {"challenge": "abc"}});
        assert_eq!(options(&setup).as_deref(), Some(r#"{"challenge":"abc"}"#));
        let validate = json!({"device_challenges": [
            {"device_class": "totp", "challenge": {}},
            {"device_class": "webauthn", "challenge": {"rpId": "x"}}]});
        assert_eq!(options(&validate).as_deref(), Some(r#"{"rpId":"x"}"#));
        assert_eq!(code_devices(&validate), 1);
        let only = json!({"device_challenges": [{"device_class": "webauthn", "challenge": {}}]});
        assert_eq!(code_devices(&only), 0);
        assert_eq!(options(&json!({"component": "x"})), None);
    }
}
