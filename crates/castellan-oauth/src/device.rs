//! Device authorization grant (RFC 8628 §3.2 device and user codes, §3.4–§3.5 token
//! polling; spec §7.1.10 and §7.1.4 grant 4).

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::rngs::OsRng;

use castellan_core::oauth2::DeviceToken;
use castellan_crypto::token::generate_key;

use crate::error::{ErrorCode, TokenError};

/// Seconds a device should wait between polls (`interval`).
pub const POLL_INTERVAL: u64 = 5;

/// A new device code: 128 random alphanumerics.
pub fn new_device_code() -> String {
    generate_key(128)
}

/// A new user code: 9 random decimal digits from the OS CSPRNG.
///
/// The first digit is never `0`, so the code survives the device-code stage's integer
/// form field (`{code: <int>}`) unchanged.
pub fn new_user_code() -> String {
    let mut rng = OsRng;
    let mut out = String::with_capacity(9);
    out.push(char::from(b'0' + rng.gen_range(1..=9u8)));
    for _ in 1..9 {
        out.push(char::from(b'0' + rng.gen_range(0..=9u8)));
    }
    out
}

/// Checks a device-code token request: another provider's code → `invalid_grant`,
/// expired → `expired_token`, not yet approved → `authorization_pending`.
pub fn check_device_grant(
    token: &DeviceToken,
    provider_pk: i64,
    now: DateTime<Utc>,
) -> Result<(), TokenError> {
    if token.provider != provider_pk {
        return Err(TokenError::new(
            ErrorCode::InvalidGrant,
            "The device code is invalid.",
        ));
    }
    if token.expires <= now {
        return Err(TokenError::new(
            ErrorCode::ExpiredToken,
            "The device code has expired.",
        ));
    }
    if token.user.is_none() {
        return Err(TokenError::new(
            ErrorCode::AuthorizationPending,
            "The user has not approved the request yet.",
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn token() -> DeviceToken {
        DeviceToken {
            pk: 1,
            provider: 2,
            user: None,
            device_code: new_device_code(),
            user_code: new_user_code(),
            scope: vec!["openid".into()],
            expires: now() + Duration::seconds(60),
            auth_time: None,
            session: None,
        }
    }

    #[test]
    fn code_shapes() {
        let d = new_device_code();
        assert_eq!(d.len(), 128);
        assert!(d.bytes().all(|b| b.is_ascii_alphanumeric()));
        for _ in 0..200 {
            let u = new_user_code();
            assert_eq!(u.len(), 9);
            assert!(u.bytes().all(|b| b.is_ascii_digit()));
            assert!(!u.starts_with('0'));
            assert_eq!(u.parse::<u64>().unwrap().to_string(), u);
        }
        assert_ne!(new_user_code(), new_user_code());
    }

    #[test]
    fn pending_then_approved() {
        let mut t = token();
        assert_eq!(
            check_device_grant(&t, 2, now()).unwrap_err().code,
            ErrorCode::AuthorizationPending
        );
        t.user = Some(9);
        assert!(check_device_grant(&t, 2, now()).is_ok());
    }

    #[test]
    fn wrong_provider_and_expiry() {
        let mut t = token();
        t.user = Some(9);
        assert_eq!(
            check_device_grant(&t, 3, now()).unwrap_err().code,
            ErrorCode::InvalidGrant
        );
        let later = now() + Duration::seconds(60);
        assert_eq!(
            check_device_grant(&t, 2, later).unwrap_err().code,
            ErrorCode::ExpiredToken
        );
        t.user = None;
        assert_eq!(
            check_device_grant(&t, 2, later).unwrap_err().code,
            ErrorCode::ExpiredToken
        );
    }
}
