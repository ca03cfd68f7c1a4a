//! Dummy policy (spec §6.3.7, debug only): waits a random time in `[wait_min, wait_max)` seconds
//! and returns `result` with the message "dummy".
use std::time::Duration;

use rand::Rng;

use super::PolicyError;
use super::config::{Config, bool_or, int_or};
use crate::host::PolicyHost;
use crate::request::PolicyRequest;
use crate::result::PolicyResult;

/// Runs the dummy policy. authentik raises on an empty range (`wait_max <= wait_min`); Castellan
/// then waits `wait_min` seconds. Negative waits count as zero.
pub async fn evaluate(
    config: &Config,
    _request: &PolicyRequest,
    host: &mut dyn PolicyHost,
) -> Result<PolicyResult, PolicyError> {
    let result = bool_or(config, "result", false)?;
    let wait_min = int_or(config, "wait_min", 5)?;
    let wait_max = int_or(config, "wait_max", 30)?;
    let wait = if wait_max > wait_min {
        rand::thread_rng().gen_range(wait_min..wait_max)
    } else {
        wait_min
    };
    let seconds = u64::try_from(wait).unwrap_or(0);
    host.sleep(Duration::from_secs(seconds)).await;
    let mut out = PolicyResult::with_message(result, "dummy");
    out.push_log(format!("Policy waiting (delay={seconds})"));
    Ok(out)
}
