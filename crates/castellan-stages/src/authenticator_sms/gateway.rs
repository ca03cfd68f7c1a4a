//! What an SMS setup stage's settings say about sending (spec §5.8): the provider and its
//! credentials, the payload mapping, the message text, and fresh 6-digit codes valid for 300
//! seconds.
use castellan_flows::env::SmsMessage;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

/// How long a sent code is valid (django-otp's `SideChannelDevice` default).
pub const CODE_VALIDITY: Duration = Duration::seconds(300);
/// Digits of a code.
pub const CODE_DIGITS: usize = 6;

/// The SMS setup stage's gateway settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SmsSettings {
    /// `twilio` or `generic`.
    pub provider: String,
    /// Sender number.
    pub from_number: String,
    /// Twilio account SID, or the generic webhook URL.
    pub account_sid: String,
    /// Twilio auth token, or the generic bearer token / basic user name.
    pub auth: String,
    /// Generic basic password.
    pub auth_password: String,
    /// `basic` (default) or `bearer`.
    pub auth_type: Option<String>,
    /// Keep only a hash of the number after verification.
    pub verify_only: bool,
    /// NotificationWebhookMapping (pk) building the generic provider's payload.
    pub mapping: Option<String>,
}

/// The text of a code message; `brand` replaces "authentik" when the brand has a title.
pub fn message_text(brand: &str, code: &str) -> String {
    let brand = if brand.trim().is_empty() {
        "authentik"
    } else {
        brand
    };
    format!("Use this code to authenticate in {brand}: {code}")
}

/// A fresh code and when it expires.
pub fn fresh_code(now: DateTime<Utc>) -> (String, DateTime<Utc>) {
    (
        castellan_crypto::side_channel::random_digits(CODE_DIGITS),
        now + CODE_VALIDITY,
    )
}

/// Who a message is for: the SMS setup stage's name and the device's name (what a payload
/// mapping sees as `stage.name` and `device.name`).
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// The SMS setup stage's name.
    pub stage_name: &'a str,
    /// The device's name.
    pub device_name: &'a str,
    /// The device's number.
    pub to: &'a str,
}

/// The message sending `code` to `recipient` through the gateway of `settings`.
pub fn message(
    settings: &SmsSettings,
    brand: &str,
    recipient: Recipient<'_>,
    code: &str,
    user: Option<&Value>,
) -> SmsMessage {
    SmsMessage {
        provider: settings.provider.clone(),
        account_sid: settings.account_sid.clone(),
        auth: settings.auth.clone(),
        auth_password: settings.auth_password.clone(),
        auth_type: settings.auth_type.clone().unwrap_or_else(|| "basic".into()),
        from: settings.from_number.clone(),
        to: recipient.to.to_string(),
        code: code.to_string(),
        text: message_text(brand, code),
        user: user.cloned(),
        mapping: settings
            .mapping
            .as_deref()
            .and_then(|m| Uuid::parse_str(m).ok()),
        stage_name: recipient.stage_name.to_string(),
        device_name: recipient.device_name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    //! Message text and code expiry.

    use super::*;

    #[test]
    fn text_names_the_brand() {
        assert_eq!(
            message_text("", "123456"),
            "Use this code to authenticate in authentik: 123456"
        );
        assert_eq!(
            message_text("Acme", "000001"),
            "Use this code to authenticate in Acme: 000001"
        );
    }

    #[test]
    fn code_valid_five_minutes() {
        let now = DateTime::from_timestamp(1_000, 0).unwrap_or_default();
        let (code, until) = fresh_code(now);
        assert_eq!(code.len(), 6);
        assert_eq!((until - now).num_seconds(), 300);
    }
}
