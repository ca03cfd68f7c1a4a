//! The policy result (spec §6.2): passing flag, user-visible messages, debug log lines and the
//! context an expression left behind.
use serde::Serialize;
use serde_json::{Map, Value};

/// `PolicyResult`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PolicyResult {
    /// Whether the policy (or the combination) passed.
    pub passing: bool,
    /// Messages shown to the user on denial.
    pub messages: Vec<String>,
    /// Log lines collected for the policy test endpoint.
    pub log_messages: Vec<String>,
    /// The request context after an expression ran (so writes to `context["flow_plan"]` and
    /// other keys can be applied by the caller); `None` when nothing reported a context.
    #[serde(skip)]
    pub context_updates: Option<Map<String, Value>>,
}

impl PolicyResult {
    /// A result with no messages.
    pub fn new(passing: bool) -> Self {
        Self {
            passing,
            ..Self::default()
        }
    }

    /// A result with one message.
    pub fn with_message(passing: bool, message: impl Into<String>) -> Self {
        Self {
            passing,
            messages: vec![message.into()],
            ..Self::default()
        }
    }

    /// Appends a user-visible message.
    pub fn push_message(&mut self, message: impl Into<String>) {
        self.messages.push(message.into());
    }

    /// Appends a debug log line.
    pub fn push_log(&mut self, line: impl Into<String>) {
        self.log_messages.push(line.into());
    }
}
