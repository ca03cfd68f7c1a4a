//! Prompt fields (spec §4.9), the objects a prompt stage lists in `fields`.
use castellan_core::model_spec::{EnumSpec, FieldSpec, FieldType, ModelSpec, f};

/// `PromptTypeEnum`.
pub static PROMPT_TYPE: EnumSpec = EnumSpec {
    name: "PromptTypeEnum",
    values: &[
        "text",
        "text_area",
        "text_read_only",
        "text_area_read_only",
        "username",
        "email",
        "password",
        "number",
        "checkbox",
        "radio-button-group",
        "dropdown",
        "date",
        "date-time",
        "file",
        "separator",
        "hidden",
        "static",
        "ak-locale",
    ],
};

static FIELDS: &[FieldSpec] = &[
    f::required_text("field_key"),
    f::required_text("label"),
    FieldSpec::new("type", FieldType::Enum(&PROMPT_TYPE)).required(),
    f::boolean("required", true),
    f::blank_text("placeholder"),
    f::blank_text("initial_value"),
    f::int("order", 0),
    FieldSpec::new(
        "promptstage_set",
        FieldType::Computed {
            schema: "Stage",
            request: Some("StageRequest"),
        },
    ),
    f::blank_text("sub_text"),
    f::boolean("placeholder_expression", false),
    f::boolean("initial_value_expression", false),
];

/// `Prompt`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_prompt.prompt",
    api: "stages/prompt/prompts",
    component: "ak-prompt-form",
    verbose_name: "Prompt",
    verbose_name_plural: "Prompts",
    schema_name: "Prompt",
    description: "Single Prompt, part of a prompt stage.",
    fields: FIELDS,
    check: None,
};
