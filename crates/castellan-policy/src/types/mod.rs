//! The built-in policy types (spec §6.3) and the dispatcher that runs a policy by its
//! `meta_model_name`.
use castellan_core::policy::Policy;

use crate::host::PolicyHost;
use crate::request::PolicyRequest;
use crate::result::PolicyResult;

pub mod config;
pub mod dummy;
pub mod event_matcher;
pub mod geoip;
pub mod password;
pub mod password_expiry;
pub mod reputation;

/// `meta_model_name` of the expression policy.
pub const KIND_EXPRESSION: &str = "authentik_policies_expression.expressionpolicy";
/// `meta_model_name` of the password policy.
pub const KIND_PASSWORD: &str = "authentik_policies_password.passwordpolicy";
/// `meta_model_name` of the reputation policy.
pub const KIND_REPUTATION: &str = "authentik_policies_reputation.reputationpolicy";
/// `meta_model_name` of the event matcher policy.
pub const KIND_EVENT_MATCHER: &str = "authentik_policies_event_matcher.eventmatcherpolicy";
/// `meta_model_name` of the password expiry policy.
pub const KIND_PASSWORD_EXPIRY: &str = "authentik_policies_expiry.passwordexpirypolicy";
/// `meta_model_name` of the dummy policy.
pub const KIND_DUMMY: &str = "authentik_policies_dummy.dummypolicy";
/// `meta_model_name` of the GeoIP policy.
pub const KIND_GEOIP: &str = "authentik_policies_geoip.geoippolicy";

/// Why a policy could not produce a result. The engine turns it into the binding's
/// `failure_result` with the `Display` text as the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A setting has the wrong type or a required one is missing.
    #[error("Invalid policy setting '{key}': {message}")]
    Config {
        /// The setting's API field name.
        key: String,
        /// What is wrong with it.
        message: String,
    },
    /// The policy's `kind` is not one this engine knows.
    #[error("Unknown policy type '{0}'")]
    UnknownKind(String),
    /// A binding refers to a policy that was not loaded.
    #[error("Policy not found")]
    MissingPolicy,
    /// The policy ran and failed with this text (e.g. an expression error, missing GeoIP data).
    #[error("{0}")]
    Failed(String),
}

/// Runs `policy` for `request`, dispatching on `policy.kind`. Expression policies are delegated
/// to [`PolicyHost::evaluate_expression`].
pub async fn evaluate(
    policy: &Policy,
    request: &PolicyRequest,
    host: &mut dyn PolicyHost,
) -> Result<PolicyResult, PolicyError> {
    let config = &policy.config;
    match policy.kind.as_str() {
        KIND_EXPRESSION => host
            .evaluate_expression(policy, request)
            .await
            .map_err(PolicyError::Failed),
        KIND_PASSWORD => password::evaluate(config, request, host).await,
        KIND_REPUTATION => reputation::evaluate(config, request, host).await,
        KIND_EVENT_MATCHER => event_matcher::evaluate(config, request, host).await,
        KIND_PASSWORD_EXPIRY => password_expiry::evaluate(config, request, host).await,
        KIND_DUMMY => dummy::evaluate(config, request, host).await,
        KIND_GEOIP => geoip::evaluate(config, request, host).await,
        other => Err(PolicyError::UnknownKind(other.to_owned())),
    }
}
