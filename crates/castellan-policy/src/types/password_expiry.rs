//! Password expiry policy (spec §6.3.6): fails once the user's password is `days` old; unless
//! `deny_only`, also makes the password unusable so the user must set a new one.
use chrono::{DateTime, Utc};

use super::PolicyError;
use super::config::{Config, bool_or, int_opt};
use crate::host::PolicyHost;
use crate::request::PolicyRequest;
use crate::result::PolicyResult;

const SECONDS_PER_DAY: i64 = 86_400;

/// Whole days from `from` to `to`, floored like Python's `timedelta.days`.
fn floor_days(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_seconds().div_euclid(SECONDS_PER_DAY)
}

/// Runs the password expiry policy. A user without a password change date is an error.
pub async fn evaluate(
    config: &Config,
    request: &PolicyRequest,
    host: &mut dyn PolicyHost,
) -> Result<PolicyResult, PolicyError> {
    let days = int_opt(config, "days")?.ok_or_else(|| PolicyError::Config {
        key: "days".to_owned(),
        message: "required".to_owned(),
    })?;
    let deny_only = bool_or(config, "deny_only", false)?;
    let changed = request
        .user
        .password_change_date
        .ok_or_else(|| PolicyError::Failed("User has no password change date.".to_owned()))?;
    let now = host.now();
    let actual_days = floor_days(changed, now);
    if actual_days < days {
        return Ok(PolicyResult::new(true));
    }
    if deny_only {
        return Ok(PolicyResult::with_message(false, "Password has expired."));
    }
    if let Some(pk) = request.user.pk {
        host.set_password_unusable(pk)
            .await
            .map_err(PolicyError::Failed)?;
    }
    let days_since_expiry = actual_days - days;
    Ok(PolicyResult::with_message(
        false,
        format!("Password expired {days_since_expiry} days ago. Please update your password."),
    ))
}
