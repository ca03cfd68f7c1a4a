//! Prompt stage (spec §4.9).
use castellan_core::model_spec::{FieldSpec, FieldType, ModelSpec, f};

static FIELDS: &[FieldSpec] = &[
    FieldSpec::new(
        "fields",
        FieldType::FkList("authentik_stages_prompt.prompt"),
    )
    .required(),
    f::fk_list("validation_policies", "authentik_policies.policy"),
];

/// `PromptStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_prompt.promptstage",
    api: "stages/prompt/stages",
    component: "ak-stage-prompt-form",
    verbose_name: "Prompt Stage",
    verbose_name_plural: "Prompt Stages",
    schema_name: "PromptStage",
    description: "Define arbitrary prompts for the user.",
    fields: FIELDS,
    check: None,
};
