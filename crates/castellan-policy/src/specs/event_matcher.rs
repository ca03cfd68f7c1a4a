//! Event matcher policy (spec §6.3.5).
use castellan_core::model_spec::{FieldSpec, FieldType, ModelSpec};

use super::enums::{APPS, EVENT_ACTIONS, MODELS};

static FIELDS: &[FieldSpec] = &[
    FieldSpec::new("action", FieldType::Enum(&EVENT_ACTIONS)).nullable(),
    FieldSpec::new(
        "client_ip",
        FieldType::Str {
            max: None,
            blank: false,
        },
    )
    .nullable(),
    FieldSpec::new("app", FieldType::Enum(&APPS)).nullable(),
    FieldSpec::new("model", FieldType::Enum(&MODELS)).nullable(),
];

/// `EventMatcherPolicy`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_policies_event_matcher.eventmatcherpolicy",
    api: "policies/event_matcher",
    component: "ak-policy-event-matcher-form",
    verbose_name: "Event Matcher Policy",
    verbose_name_plural: "Event Matcher Policys",
    schema_name: "EventMatcherPolicy",
    description: "Passes when Event matches selected criteria.",
    fields: FIELDS,
    check: None,
};
