//! Deny stage (spec §4.5).
use castellan_core::model_spec::{FieldSpec, ModelSpec, f};

static FIELDS: &[FieldSpec] = &[f::blank_text("deny_message")];

/// `DenyStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_deny.denystage",
    api: "stages/deny",
    component: "ak-stage-deny-form",
    verbose_name: "Deny Stage",
    verbose_name_plural: "Deny Stages",
    schema_name: "DenyStage",
    description: "Cancels the current flow.",
    fields: FIELDS,
    check: None,
};
