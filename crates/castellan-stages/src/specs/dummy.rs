//! Dummy stage (spec §4.6, debugging).
use castellan_core::model_spec::{FieldSpec, ModelSpec, f};

static FIELDS: &[FieldSpec] = &[f::boolean("throw_error", false)];

/// `DummyStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_dummy.dummystage",
    api: "stages/dummy",
    component: "ak-stage-dummy-form",
    verbose_name: "Dummy Stage",
    verbose_name_plural: "Dummy Stages",
    schema_name: "DummyStage",
    description: "Used for debugging.",
    fields: FIELDS,
    check: None,
};
