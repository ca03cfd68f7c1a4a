//! Policies and policy bindings (spec §6.1, §6.3): the polymorphic policy row (settings as JSON,
//! `kind` is authentik's `meta_model_name`) and the binding that attaches a policy, group or user
//! to a policy-binding model (flow, stage binding, application, source).
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A policy as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// `policy_uuid`.
    pub pk: Uuid,
    /// Unique name.
    pub name: String,
    /// `meta_model_name`, e.g. `authentik_policies_expression.expressionpolicy`.
    pub kind: String,
    /// Emit a `policy_execution` event on every run.
    pub execution_logging: bool,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Last change.
    pub last_updated: DateTime<Utc>,
    /// The type's own settings.
    pub config: serde_json::Map<String, serde_json::Value>,
}

/// What a binding attaches: exactly one of a policy, a group or a user.
#[derive(Debug, Clone, PartialEq)]
pub enum BindingSubject {
    /// Run this policy.
    Policy(Uuid),
    /// Pass iff the user is a (recursive) member of this group.
    Group(Uuid),
    /// Pass iff the user is this user.
    User(i64),
}

/// `PolicyBinding`.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyBinding {
    /// `policy_binding_uuid`.
    pub pk: Uuid,
    /// The policy-binding model's `pbm_uuid`.
    pub target: Uuid,
    /// What is bound.
    pub subject: BindingSubject,
    /// Invert the result (messages unchanged).
    pub negate: bool,
    /// Disabled bindings are ignored.
    pub enabled: bool,
    /// Evaluation order.
    pub order: i64,
    /// Timeout in seconds.
    pub timeout: i64,
    /// Result used when the policy errors.
    pub failure_result: bool,
}
