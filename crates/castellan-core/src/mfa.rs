//! Authenticator devices (spec §5.1): the fields every device shares, TOTP, static-token,
//! WebAuthn and SMS devices, and the exponential throttling of failed verifications.
use chrono::{DateTime, Duration, Utc};

/// Device class of TOTP devices.
pub const CLASS_TOTP: &str = "totp";
/// Device class of static-token devices.
pub const CLASS_STATIC: &str = "static";
/// Device class of WebAuthn devices.
pub const CLASS_WEBAUTHN: &str = "webauthn";
/// Device class of Duo devices.
pub const CLASS_DUO: &str = "duo";
/// Device class of SMS devices.
pub const CLASS_SMS: &str = "sms";
/// Prefix of the stored number of a verify-only SMS device (`hash:<sha256 hex>`).
pub const SMS_HASH_PREFIX: &str = "hash:";

/// The fields every device has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCommon {
    /// Primary key.
    pub pk: i64,
    /// Owner (user pk).
    pub user: i64,
    /// Display name (≤ 64 characters).
    pub name: String,
    /// Unconfirmed devices are ignored for validation.
    pub confirmed: bool,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Last change.
    pub last_updated: DateTime<Utc>,
    /// Last successful validation.
    pub last_used: Option<DateTime<Utc>>,
}

/// Failure throttling of a device (django-otp's `ThrottlingMixin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Throttle {
    /// Failures since the last success.
    pub failure_count: i64,
    /// Time of the last failure.
    pub failure_timestamp: Option<DateTime<Utc>>,
}

impl Throttle {
    /// When the next verification may be tried: `2^(failures-1)` seconds after the last
    /// failure; `None` when not throttled.
    pub fn blocked_until(&self) -> Option<DateTime<Utc>> {
        if self.failure_count <= 0 {
            return None;
        }
        let exp = u32::try_from((self.failure_count - 1).min(30)).unwrap_or(30);
        let delay = Duration::seconds(1i64 << exp);
        self.failure_timestamp.map(|at| at + delay)
    }
    /// Whether a verification at `now` must be refused.
    pub fn is_blocked(&self, now: DateTime<Utc>) -> bool {
        self.blocked_until().is_some_and(|until| now < until)
    }
}

/// A TOTP device (`authentik_stages_authenticator_totp.TOTPDevice`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpDevice {
    /// Common fields.
    pub common: DeviceCommon,
    /// The secret, hex (20 random bytes).
    pub key: String,
    /// Step in seconds (30).
    pub step: i64,
    /// Start time (0).
    pub t0: i64,
    /// Code length (6 or 8).
    pub digits: i64,
    /// Steps of tolerance (1).
    pub tolerance: i64,
    /// Learnt drift in steps.
    pub drift: i64,
    /// Newest accepted step (-1).
    pub last_t: i64,
    /// Throttling state.
    pub throttle: Throttle,
}

/// One static token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticToken {
    /// Primary key.
    pub pk: i64,
    /// The token (≤ 16 characters).
    pub token: String,
}

/// A static-token device (`authentik_stages_authenticator_static.StaticDevice`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticDevice {
    /// Common fields.
    pub common: DeviceCommon,
    /// Remaining tokens.
    pub tokens: Vec<StaticToken>,
    /// Throttling state.
    pub throttle: Throttle,
}

/// A WebAuthn credential (`authentik_stages_authenticator_webauthn.WebAuthnDevice`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebAuthnDevice {
    /// Common fields (`created` is authentik's `created_on`, `last_used` its `last_t`).
    pub common: DeviceCommon,
    /// Credential id, base64url without padding.
    pub credential_id: String,
    /// COSE public key, base64url without padding.
    pub public_key: String,
    /// Last signature counter seen.
    pub sign_count: i64,
    /// Relying party id the credential is bound to.
    pub rp_id: String,
    /// Authenticator model id.
    pub aaguid: String,
    /// The known model of `aaguid`: (aaguid, description, icon).
    pub device_type: Option<crate::webauthn_device_type::WebAuthnDeviceType>,
    /// Attestation statement format seen at registration.
    pub attestation_format: String,
    /// Attestation certificate (PEM), when the authenticator sent one.
    pub attestation_certificate_pem: Option<String>,
    /// SHA-256 fingerprint (hex) of that certificate.
    pub attestation_certificate_fingerprint: Option<String>,
}

/// An SMS device (`authentik_stages_authenticator_sms.SMSDevice`): a phone number bound to the
/// setup stage whose gateway settings send its codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsDevice {
    /// Common fields.
    pub common: DeviceCommon,
    /// The SMS setup stage (its pk) that enrolled the device.
    pub stage: uuid::Uuid,
    /// The number, or `hash:<sha256 hex>` for a verify-only device.
    pub phone_number: String,
    /// The pending code, if one was sent.
    pub token: Option<String>,
    /// When the pending code expires.
    pub valid_until: Option<DateTime<Utc>>,
    /// Last change of the code (authentik's `last_t`).
    pub last_t: Option<DateTime<Utc>>,
    /// Throttling state.
    pub throttle: Throttle,
}

impl SmsDevice {
    /// Whether only a hash of the number is stored (verify-only enrolment): never used to log in.
    pub fn is_hashed(&self) -> bool {
        self.phone_number.starts_with(SMS_HASH_PREFIX)
    }
}

/// A Duo device (`authentik_stages_authenticator_duo.DuoDevice`): a Duo user enrolled through a
/// Duo setup stage, whose API credentials validate it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuoDevice {
    /// Common fields.
    pub common: DeviceCommon,
    /// The setup stage (uuid) holding the Duo API credentials.
    pub stage: uuid::Uuid,
    /// Duo's user id.
    pub duo_user_id: String,
    /// Time of the last successful Duo authentication (authentik's `last_t`).
    pub last_t: Option<DateTime<Utc>>,
}

/// Duo Auth API credentials of a Duo setup stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuoApi {
    /// `api_hostname`: a bare host (HTTPS), or a full base URL when it contains `://`.
    pub api_hostname: String,
    /// Integration key (`client_id`).
    pub integration_key: String,
    /// Secret key (`client_secret`).
    pub secret_key: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Throttling back-off.

    use super::*;

    #[test]
    fn throttle_doubles() {
        let at = DateTime::from_timestamp(1_000, 0).unwrap();
        let mut t = Throttle::default();
        assert!(!t.is_blocked(at));
        t.failure_count = 1;
        t.failure_timestamp = Some(at);
        assert!(t.is_blocked(at));
        assert!(!t.is_blocked(at + Duration::seconds(1)));
        t.failure_count = 4;
        assert!(t.is_blocked(at + Duration::seconds(7)));
        assert!(!t.is_blocked(at + Duration::seconds(8)));
    }
}
