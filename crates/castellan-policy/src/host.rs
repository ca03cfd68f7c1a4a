//! The port through which the engine and the policy types reach the outside world (storage,
//! outbound HTTP, GeoIP databases, time, events, the expression engine).
use std::time::Duration;

use async_trait::async_trait;
use castellan_core::policy::Policy;
use chrono::{DateTime, Utc};

use crate::request::PolicyRequest;
use crate::result::PolicyResult;

/// What policy evaluation needs from its caller. One value serves one engine run; it is taken
/// by `&mut` so implementations may keep per-run state.
#[async_trait]
pub trait PolicyHost: Send {
    /// Sum of the reputation scores of the rows matching `ip` OR `identifier` (spec §6.3.3);
    /// a `None` criterion is not checked. Both `None` is never asked.
    async fn reputation_score(
        &mut self,
        ip: Option<&str>,
        identifier: Option<&str>,
    ) -> Result<i64, String>;

    /// An outbound `GET`; returns the status code and the body as text.
    async fn http_get(&mut self, url: &str) -> Result<(u16, String), String>;

    /// Marks the user's password unusable (password expiry policy).
    async fn set_password_unusable(&mut self, user_pk: i64) -> Result<(), String>;

    /// GeoIP city data for `ip` (`{continent, country, lat, long, city}`), if known.
    fn geoip(&self, ip: &str) -> Option<serde_json::Value>;

    /// ASN data for `ip` (`{asn, as_org, network}`), if known.
    fn asn(&self, ip: &str) -> Option<serde_json::Value>;

    /// Waits (dummy policy).
    async fn sleep(&mut self, duration: Duration);

    /// The current time.
    fn now(&self) -> DateTime<Utc>;

    /// A policy raised an error: the caller records a `policy_exception` event.
    async fn policy_exception(&mut self, policy: &Policy, error: &str);

    /// A policy with `execution_logging` ran: the caller records a `policy_execution` event.
    async fn policy_execution(&mut self, policy: &Policy, result: &PolicyResult);

    /// Runs an expression policy. The result's `context_updates` carries the request context
    /// after the expression ran; `Err` is the error text (→ the binding's `failure_result`).
    async fn evaluate_expression(
        &mut self,
        policy: &Policy,
        request: &PolicyRequest,
    ) -> Result<PolicyResult, String>;
}
