//! Reputation policy (spec §6.3.3): passes iff the summed score of the client IP's and the
//! request user's reputation rows is at most `threshold` — it matches *bad* reputation.
//!
//! Difference from authentik 2024.10: with both `check_ip` and `check_username` off authentik
//! sums every reputation row (an empty filter); Castellan uses a score of 0.
use super::PolicyError;
use super::config::{Config, bool_or, int_or};
use crate::host::PolicyHost;
use crate::request::PolicyRequest;
use crate::result::PolicyResult;

/// Runs the reputation policy.
pub async fn evaluate(
    config: &Config,
    request: &PolicyRequest,
    host: &mut dyn PolicyHost,
) -> Result<PolicyResult, PolicyError> {
    let check_ip = bool_or(config, "check_ip", true)?;
    let check_username = bool_or(config, "check_username", true)?;
    let threshold = int_or(config, "threshold", -5)?;
    let ip = check_ip.then(|| request.client_ip());
    let identifier = check_username.then_some(request.user.username.as_str());
    let score = if ip.is_none() && identifier.is_none() {
        0
    } else {
        host.reputation_score(ip, identifier)
            .await
            .map_err(PolicyError::Failed)?
    };
    let passing = score <= threshold;
    let mut result = PolicyResult::new(passing);
    result.push_log(format!(
        "Score for user (username={}, remote_ip={}, score={score}, passing={passing})",
        request.user.username,
        request.client_ip()
    ));
    Ok(result)
}
