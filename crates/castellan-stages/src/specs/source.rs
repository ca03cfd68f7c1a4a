//! Source stage (spec §4.14, enterprise).
use castellan_core::model_spec::{FieldSpec, FieldType, ModelSpec, f};

static FIELDS: &[FieldSpec] = &[
    FieldSpec::new("source", FieldType::Fk("authentik_core.source")).required(),
    f::timedelta("resume_timeout", "minutes=10"),
];

/// `SourceStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_source.sourcestage",
    api: "stages/source",
    component: "ak-stage-source-form",
    verbose_name: "Source Stage",
    verbose_name_plural: "Source Stages",
    schema_name: "SourceStage",
    description: "Suspend the current flow execution and send the user to a source, after which this flow execution is resumed.",
    fields: FIELDS,
    check: None,
};
