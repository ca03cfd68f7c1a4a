//! The flow plan (spec §3.4): the stages still to run, their markers and the shared context,
//! stored server-side in the session under `authentik/flows/plan`.
use castellan_core::application::PolicyEngineMode;
use castellan_core::flow::InvalidResponseAction;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Session key holding the plan.
pub const SESSION_PLAN: &str = "authentik/flows/plan";
/// Session key holding the flow page's query string.
pub const SESSION_QUERY: &str = "authentik/flows/get";
/// Session key holding the plan history.
pub const SESSION_HISTORY: &str = "authentik/flows/history";

/// A stage as the plan holds it: a stored stage's snapshot or an in-memory stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedStage {
    /// Stored stage pk (`None` for in-memory stages).
    pub pk: Option<Uuid>,
    /// Stage name.
    pub name: String,
    /// `meta_model_name` (or an in-memory kind such as [`crate::SESSION_END`]).
    pub kind: String,
    /// Settings (for in-memory stages: their attributes).
    pub config: Map<String, Value>,
}

/// How a plan entry is checked before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Marker {
    /// Run as planned.
    #[default]
    Default,
    /// Evaluate the binding's policies again right before the stage.
    ReEvaluate,
}

/// One planned step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanEntry {
    /// The `FlowStageBinding` pk (None for in-memory stages).
    pub binding: Option<Uuid>,
    /// The binding's `pbm_uuid` (target of its policies).
    pub binding_pbm: Option<Uuid>,
    /// Policy engine mode of the binding.
    #[serde(default = "any")]
    pub policy_engine_mode: String,
    /// Invalid-response handling.
    #[serde(default = "retry")]
    pub invalid_response_action: String,
    /// The stage.
    pub stage: PlannedStage,
    /// Marker.
    #[serde(default)]
    pub marker: Marker,
}

fn any() -> String {
    PolicyEngineMode::Any.as_str().to_string()
}
fn retry() -> String {
    InvalidResponseAction::Retry.as_str().to_string()
}

impl PlanEntry {
    /// An in-memory stage (no binding, no policies).
    pub fn in_memory(kind: &str, name: &str, config: Map<String, Value>) -> Self {
        Self {
            binding: None,
            binding_pbm: None,
            policy_engine_mode: any(),
            invalid_response_action: retry(),
            stage: PlannedStage {
                pk: None,
                name: name.to_string(),
                kind: kind.to_string(),
                config,
            },
            marker: Marker::Default,
        }
    }
    /// The parsed invalid-response action.
    pub fn invalid_action(&self) -> InvalidResponseAction {
        InvalidResponseAction::parse(&self.invalid_response_action).unwrap_or_default()
    }
    /// The parsed engine mode.
    pub fn engine_mode(&self) -> PolicyEngineMode {
        PolicyEngineMode::parse(&self.policy_engine_mode).unwrap_or_default()
    }
}

/// `FlowPlan`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowPlan {
    /// The flow being run.
    pub flow_pk: Uuid,
    /// Remaining steps; the head is the current stage.
    pub entries: Vec<PlanEntry>,
    /// Plan context (`pending_user`, `application`, `redirect`, …).
    pub context: Map<String, Value>,
}

impl FlowPlan {
    /// An empty plan for a flow.
    pub fn new(flow_pk: Uuid, context: Map<String, Value>) -> Self {
        Self {
            flow_pk,
            entries: Vec::new(),
            context,
        }
    }
    /// Adds a stage at the end.
    pub fn append_stage(&mut self, entry: PlanEntry) {
        self.entries.push(entry);
    }
    /// Inserts a stage right after the current one (first on an empty plan).
    pub fn insert_stage(&mut self, entry: PlanEntry) {
        let at = self.entries.len().min(1);
        self.entries.insert(at, entry);
    }
    /// Reads the plan from session data.
    pub fn from_session(data: &Map<String, Value>) -> Option<Self> {
        serde_json::from_value(data.get(SESSION_PLAN)?.clone()).ok()
    }
    /// Writes the plan into session data.
    pub fn to_session(&self, data: &mut Map<String, Value>) {
        if let Ok(v) = serde_json::to_value(self) {
            data.insert(SESSION_PLAN.into(), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> PlanEntry {
        PlanEntry::in_memory("kind", name, Map::new())
    }

    #[test]
    fn insert_goes_after_the_current_stage_append_at_the_end() {
        let mut plan = FlowPlan::new(Uuid::new_v4(), Map::new());
        plan.insert_stage(entry("first"));
        plan.append_stage(entry("last"));
        plan.insert_stage(entry("second"));
        let names: Vec<_> = plan.entries.iter().map(|e| e.stage.name.as_str()).collect();
        assert_eq!(names, ["first", "second", "last"]);
    }

    #[test]
    fn a_plan_round_trips_through_the_session() {
        let mut plan = FlowPlan::new(Uuid::new_v4(), Map::new());
        plan.append_stage(entry("a"));
        plan.context.insert(
            "pending_user".into(),
            serde_json::json!({"$type": "user", "pk": 3}),
        );
        let mut data = Map::new();
        plan.to_session(&mut data);
        assert_eq!(FlowPlan::from_session(&data), Some(plan));
        data.insert(SESSION_PLAN.into(), serde_json::json!("garbage"));
        assert_eq!(
            FlowPlan::from_session(&data),
            None,
            "an unreadable plan is dropped, not an error"
        );
    }
}
