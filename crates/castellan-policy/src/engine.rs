//! The policy engine (spec §6.2): runs a target's enabled bindings in `order` and combines the
//! results with the target's `all`/`any` mode.
//!
//! Per binding: a group binding passes iff the request user is a (recursive) member, a user
//! binding iff the request user is that user, a policy binding runs the policy
//! ([`crate::types::evaluate`]). `negate` inverts a result that the binding produced (messages
//! unchanged). An error yields `failure_result` as is (not negated, as in authentik) with the
//! error text as message, and a `policy_exception` event; `execution_logging` yields a
//! `policy_execution` event. Debug requests record no events and collect log lines.
//!
//! Context written by an expression (`context_updates`) is visible to later bindings and is
//! returned in the combined result, so `context["flow_plan"]` writes reach the caller.
//!
//! Not done here: the result cache (callers that want it key it by binding, session and user)
//! and the per-binding timeout (authentik 2024.10 does not enforce it either; the expression
//! engine has its own time budget).
use castellan_core::application::PolicyEngineMode;
use castellan_core::policy::{BindingSubject, Policy, PolicyBinding};
use serde_json::Value;

use crate::host::PolicyHost;
use crate::request::PolicyRequest;
use crate::result::PolicyResult;
use crate::types::{self, PolicyError};

/// Runs the bindings of one policy-binding model.
pub struct PolicyEngine<'a> {
    mode: PolicyEngineMode,
    empty_result: bool,
    host: &'a mut dyn PolicyHost,
}

impl<'a> PolicyEngine<'a> {
    /// An engine combining with `mode`; an empty binding list passes.
    pub fn new(mode: PolicyEngineMode, host: &'a mut dyn PolicyHost) -> Self {
        Self {
            mode,
            empty_result: true,
            host,
        }
    }

    /// The result when no binding is enabled (`true` by default; notification rules use
    /// `false`).
    pub fn with_empty_result(mut self, empty_result: bool) -> Self {
        self.empty_result = empty_result;
        self
    }

    /// Evaluates `bindings` (each with its policy when it binds one) for `request`.
    pub async fn evaluate(
        &mut self,
        bindings: &[(PolicyBinding, Option<Policy>)],
        request: &PolicyRequest,
    ) -> PolicyResult {
        let mut enabled: Vec<&(PolicyBinding, Option<Policy>)> =
            bindings.iter().filter(|(b, _)| b.enabled).collect();
        if enabled.is_empty() {
            return PolicyResult::new(self.empty_result);
        }
        enabled.sort_by_key(|(b, _)| b.order);
        let mut current = request.clone();
        enrich_context(&mut current, &*self.host);
        let mut context_changed = false;
        let mut results = Vec::with_capacity(enabled.len());
        for (binding, policy) in enabled {
            let mut result = run_binding(binding, policy.as_ref(), &current, self.host).await;
            if let Some(context) = result.context_updates.take() {
                current.context = context;
                context_changed = true;
            }
            results.push(result);
        }
        let passing = match self.mode {
            PolicyEngineMode::All => results.iter().all(|r| r.passing),
            PolicyEngineMode::Any => results.iter().any(|r| r.passing),
        };
        let mut combined = PolicyResult::new(passing);
        for result in results {
            combined.messages.extend(result.messages);
            if request.debug {
                combined.log_messages.extend(result.log_messages);
            }
        }
        if context_changed {
            combined.context_updates = Some(current.context);
        }
        combined
    }
}

/// Evaluates `bindings` with `mode` (no bindings → pass). See [`PolicyEngine`].
pub async fn evaluate(
    bindings: &[(PolicyBinding, Option<Policy>)],
    mode: PolicyEngineMode,
    request: &PolicyRequest,
    host: &mut dyn PolicyHost,
) -> PolicyResult {
    PolicyEngine::new(mode, host)
        .evaluate(bindings, request)
        .await
}

/// Runs one policy as `POST /policies/all/{uuid}/test/` does: debug mode (no events, log lines
/// collected), an error fails with its text as message.
pub async fn test_policy(
    policy: &Policy,
    request: &PolicyRequest,
    host: &mut dyn PolicyHost,
) -> PolicyResult {
    let mut request = request.clone();
    request.debug = true;
    enrich_context(&mut request, &*host);
    let mut result = match types::evaluate(policy, &request, host).await {
        Ok(result) => result,
        Err(error) => {
            let mut result = PolicyResult::with_message(false, error.to_string());
            result.push_log(format!(
                "P_ENG(proc): error, using failure result ({error})"
            ));
            result
        }
    };
    result.log_messages.insert(
        0,
        format!("P_ENG(proc): Running policy (policy={})", policy.name),
    );
    result.push_log(format!(
        "P_ENG(proc): finished (policy={}, passing={})",
        policy.name, result.passing
    ));
    result
}

/// Adds `geoip` and `asn` for the client IP to the context of a request with HTTP facts,
/// unless the caller already set them (`null` when the databases know nothing).
pub fn enrich_context(request: &mut PolicyRequest, host: &dyn PolicyHost) {
    let Some(http) = &request.http else {
        return;
    };
    let ip = http.client_ip.clone();
    if !request.context.contains_key("geoip") {
        let geoip = host.geoip(&ip).unwrap_or(Value::Null);
        request.context.insert("geoip".to_owned(), geoip);
    }
    if !request.context.contains_key("asn") {
        let asn = host.asn(&ip).unwrap_or(Value::Null);
        request.context.insert("asn".to_owned(), asn);
    }
}

/// Runs one binding: its own result, negated if asked, or `failure_result` on error.
async fn run_binding(
    binding: &PolicyBinding,
    policy: Option<&Policy>,
    request: &PolicyRequest,
    host: &mut dyn PolicyHost,
) -> PolicyResult {
    let policy = match binding.subject {
        BindingSubject::Policy(_) => policy,
        BindingSubject::Group(_) | BindingSubject::User(_) => None,
    };
    let outcome = match &binding.subject {
        BindingSubject::Group(group) => Ok(PolicyResult::new(request.user.in_group(*group))),
        BindingSubject::User(user) => Ok(PolicyResult::new(request.user.pk == Some(*user))),
        BindingSubject::Policy(_) => match policy {
            Some(policy) => types::evaluate(policy, request, host).await,
            None => Err(PolicyError::MissingPolicy),
        },
    };
    match outcome {
        Ok(mut result) => {
            if binding.negate {
                result.passing = !result.passing;
            }
            if let Some(policy) = policy.filter(|p| p.execution_logging && !request.debug) {
                host.policy_execution(policy, &result).await;
            }
            tracing::debug!(binding = %binding.pk, passing = result.passing, "policy binding");
            result
        }
        Err(error) => {
            let text = error.to_string();
            if let Some(policy) = policy.filter(|_| !request.debug) {
                host.policy_exception(policy, &text).await;
            }
            tracing::debug!(binding = %binding.pk, error = %text, "policy binding failed");
            let mut result = PolicyResult::with_message(binding.failure_result, text.clone());
            result.push_log(format!("P_ENG(proc): error, using failure result ({text})"));
            result
        }
    }
}
