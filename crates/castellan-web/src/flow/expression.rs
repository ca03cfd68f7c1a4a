//! Expression policies inside flows (ARCHITECTURE §5): wiring pending.
use castellan_core::policy::Policy;
use castellan_policy::request::PolicyRequest;
use castellan_policy::result::PolicyResult;

use crate::flow::env::StoreFlowEnv;

/// Runs an expression policy.
pub async fn evaluate_policy(
    _env: &mut StoreFlowEnv,
    _policy: &Policy,
    _request: &PolicyRequest,
) -> Result<PolicyResult, String> {
    Err("expression engine not wired yet".into())
}
