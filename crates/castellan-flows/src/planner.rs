//! The planner (spec §3.4): checks who may run the flow, evaluates the flow's policies and the
//! plan-time binding policies, and returns the plan.
use castellan_core::flow::{Flow, FlowAuthentication};
use serde_json::{Map, Value};

use crate::context::PENDING_USER;
use crate::env::{EnvError, FlowEnv, FlowRequest};
use crate::plan::{FlowPlan, Marker, PlanEntry, PlannedStage};

/// The generic denial message when policies give none.
pub const NOT_APPLICABLE: &str = "Flow does not apply to current user.";

/// Why a flow cannot be planned for this request.
#[derive(Debug, Clone, PartialEq)]
pub struct NotApplicable {
    /// Policy messages (empty: the generic message applies).
    pub messages: Vec<String>,
}

impl NotApplicable {
    /// The text shown to the user.
    pub fn message(&self) -> String {
        if self.messages.is_empty() {
            NOT_APPLICABLE.to_string()
        } else {
            self.messages.join("\n")
        }
    }
}

fn requirement_met(flow: &Flow, request: &FlowRequest) -> bool {
    match flow.authentication {
        FlowAuthentication::None => true,
        FlowAuthentication::RequireAuthenticated => request.user.is_some(),
        FlowAuthentication::RequireUnauthenticated => request.user.is_none(),
        FlowAuthentication::RequireSuperuser => request.user.is_some() && request.is_superuser,
        FlowAuthentication::RequireOutpost => request.via_outpost,
    }
}

/// Plans `flow`. With `pending_user` in `context` the authentication requirement is not
/// checked and that user is the planning user.
pub async fn plan(
    flow: &Flow,
    env: &mut dyn FlowEnv,
    request: &FlowRequest,
    mut context: Map<String, Value>,
) -> Result<Result<FlowPlan, NotApplicable>, EnvError> {
    let pending = context.get(PENDING_USER).filter(|u| !u.is_null()).cloned();
    let user = match &pending {
        Some(u) => Some(u.clone()),
        None => {
            if !requirement_met(flow, request) {
                return Ok(Err(NotApplicable { messages: vec![] }));
            }
            request.user.clone()
        }
    };
    let verdict = env
        .policies(
            flow.pbm_uuid,
            flow.policy_engine_mode,
            user.as_ref(),
            &context,
            request,
        )
        .await?;
    if !verdict.passing {
        return Ok(Err(NotApplicable {
            messages: verdict.messages,
        }));
    }
    if let Some(updated) = verdict.context {
        context = updated;
    }
    let mut plan = FlowPlan::new(flow.pk, context);
    for (binding, stage) in env.flow_bindings(flow.pk).await? {
        if binding.evaluate_on_plan {
            let verdict = env
                .policies(
                    binding.pbm_uuid,
                    binding.policy_engine_mode,
                    user.as_ref(),
                    &plan.context,
                    request,
                )
                .await?;
            if let Some(updated) = verdict.context {
                plan.context = updated;
            }
            if !verdict.passing {
                continue;
            }
        }
        plan.append_stage(PlanEntry {
            binding: Some(binding.pk),
            binding_pbm: Some(binding.pbm_uuid),
            policy_engine_mode: binding.policy_engine_mode.as_str().to_string(),
            invalid_response_action: binding.invalid_response_action.as_str().to_string(),
            stage: PlannedStage {
                pk: Some(stage.pk),
                name: stage.name,
                kind: stage.kind,
                config: stage.config,
            },
            marker: if binding.re_evaluate_policies {
                Marker::ReEvaluate
            } else {
                Marker::Default
            },
        });
    }
    Ok(Ok(plan))
}
