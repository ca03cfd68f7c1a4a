//! Reputation policy (spec §6.3.3).
use castellan_core::model_spec::{FieldSpec, ModelSpec, f};

static FIELDS: &[FieldSpec] = &[
    f::boolean("check_ip", true),
    f::boolean("check_username", true),
    f::int("threshold", -5),
];

/// `ReputationPolicy`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_policies_reputation.reputationpolicy",
    api: "policies/reputation",
    component: "ak-policy-reputation-form",
    verbose_name: "Reputation Policy",
    verbose_name_plural: "Reputation Policys",
    schema_name: "ReputationPolicy",
    description: "Return true if request IP/target username's score is below a certain threshold",
    fields: FIELDS,
    check: None,
};
