//! User delete stage (spec §4.13).
use castellan_core::model_spec::{FieldSpec, ModelSpec};

static FIELDS: &[FieldSpec] = &[];

/// `UserDeleteStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_user_delete.userdeletestage",
    api: "stages/user_delete",
    component: "ak-stage-user-delete-form",
    verbose_name: "User Delete Stage",
    verbose_name_plural: "User Delete Stages",
    schema_name: "UserDeleteStage",
    description: "Deletes the currently pending user without confirmation. Use with caution.",
    fields: FIELDS,
    check: None,
};
