//! The `Stage` trait (ARCHITECTURE §4): a stage answers GET with a challenge (or acts at once)
//! and POST with the next step; the executor applies `invalid_response_action`.
use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use castellan_core::flow::Flow;
use serde_json::{Map, Value};

use crate::challenge::{Challenge, ResponseErrors};
use crate::env::{EnvError, FlowEnv, FlowRequest, SessionState};
use crate::plan::{FlowPlan, PlannedStage};

/// A stage's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Show this challenge.
    Show(Challenge),
    /// The response was invalid: show the challenge again with these errors (or restart).
    Invalid(Challenge, ResponseErrors),
    /// The stage passed (`stage_ok`).
    Next,
    /// The stage failed terminally (`stage_invalid`): access denied with this message.
    Deny(Option<String>),
    /// Leave the flow for this URL (`xak-flow-redirect`).
    Redirect(String),
}

/// Everything a stage sees while it runs.
pub struct StageContext<'a> {
    /// The plan (context, remaining stages).
    pub plan: &'a mut FlowPlan,
    /// The running stage.
    pub stage: &'a PlannedStage,
    /// The flow.
    pub flow: &'a Flow,
    /// Request facts.
    pub request: &'a FlowRequest,
    /// The session.
    pub session: &'a mut SessionState,
    /// The outside world.
    pub env: &'a mut dyn FlowEnv,
}

impl StageContext<'_> {
    /// The stage's settings.
    pub fn config(&self) -> &Map<String, Value> {
        &self.stage.config
    }
    /// Decodes the stage's settings into a typed struct (missing keys take its defaults).
    pub fn settings<T: serde::de::DeserializeOwned + Default>(&self) -> T {
        serde_json::from_value(Value::Object(self.stage.config.clone())).unwrap_or_default()
    }
}

/// One stage type's behaviour.
#[async_trait]
pub trait StageView: Send + Sync {
    /// GET: the challenge, or an immediate outcome for stages without one.
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError>;
    /// POST: handle a challenge response (`component` already checked by the executor).
    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        response: &Map<String, Value>,
    ) -> Result<Step, EnvError>;
}

/// Stage implementations by kind (`meta_model_name` or in-memory kind).
#[derive(Clone, Default)]
pub struct StageRegistry {
    views: HashMap<String, Arc<dyn StageView>>,
    components: HashMap<String, String>,
}

impl StageRegistry {
    /// Registers a kind and the challenge component its responses carry ("" for stages
    /// without a challenge).
    pub fn register(&mut self, kind: &str, component: &str, view: Arc<dyn StageView>) {
        self.views.insert(kind.to_string(), view);
        if !component.is_empty() {
            self.components
                .insert(kind.to_string(), component.to_string());
        }
    }
    /// The implementation of a kind.
    pub fn view(&self, kind: &str) -> Option<Arc<dyn StageView>> {
        self.views.get(kind).cloned()
    }
    /// The challenge component of a kind, if it has one.
    pub fn component(&self, kind: &str) -> Option<&str> {
        self.components.get(kind).map(String::as_str)
    }
}
