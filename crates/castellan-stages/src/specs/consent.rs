//! Consent stage (spec §4.4).
use castellan_core::model_spec::{EnumSpec, FieldSpec, ModelSpec, f};

/// `ConsentStageModeEnum`.
pub static MODE: EnumSpec = EnumSpec {
    name: "ConsentStageModeEnum",
    values: &["always_require", "permanent", "expiring"],
};

static FIELDS: &[FieldSpec] = &[
    f::choice("mode", &MODE, "expiring"),
    f::timedelta("consent_expire_in", "weeks=4"),
];

/// `ConsentStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_consent.consentstage",
    api: "stages/consent",
    component: "ak-stage-consent-form",
    verbose_name: "Consent Stage",
    verbose_name_plural: "Consent Stages",
    schema_name: "ConsentStage",
    description: "Prompt the user for confirmation.",
    fields: FIELDS,
    check: None,
};
