//! Identification stage (spec §4.1).
use castellan_core::model_spec::{EnumSpec, FieldDefault, FieldSpec, FieldType, ModelSpec, f};

/// `UserFieldsEnum`.
pub static USER_FIELDS: EnumSpec = EnumSpec {
    name: "UserFieldsEnum",
    values: &["email", "username", "upn"],
};

static FIELDS: &[FieldSpec] = &[
    FieldSpec::new("user_fields", FieldType::EnumList(&USER_FIELDS))
        .default(FieldDefault::EmptyList),
    f::fk("password_stage", "authentik_stages_password.passwordstage"),
    f::fk("captcha_stage", "authentik_stages_captcha.captchastage"),
    f::boolean("case_insensitive_matching", true),
    f::boolean("show_matched_user", true),
    f::fk("enrollment_flow", "authentik_flows.flow"),
    f::fk("recovery_flow", "authentik_flows.flow"),
    f::fk("passwordless_flow", "authentik_flows.flow"),
    f::fk_list("sources", "authentik_core.source"),
    f::boolean("show_source_labels", false),
    f::boolean("pretend_user_exists", true),
];

/// `IdentificationStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_identification.identificationstage",
    api: "stages/identification",
    component: "ak-stage-identification-form",
    verbose_name: "Identification Stage",
    verbose_name_plural: "Identification Stages",
    schema_name: "IdentificationStage",
    description: "Allows the user to identify themselves for authentication.",
    fields: FIELDS,
    check: None,
};
