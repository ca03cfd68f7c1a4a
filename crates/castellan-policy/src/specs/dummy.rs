//! Dummy policy (spec §6.3.7, debugging).
use castellan_core::model_spec::{FieldSpec, ModelSpec, f};

static FIELDS: &[FieldSpec] = &[
    f::boolean("result", false),
    f::int("wait_min", 5),
    f::int("wait_max", 30),
];

/// `DummyPolicy`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_policies_dummy.dummypolicy",
    api: "policies/dummy",
    component: "ak-policy-dummy-form",
    verbose_name: "Dummy Policy",
    verbose_name_plural: "Dummy Policys",
    schema_name: "DummyPolicy",
    description: "Policy used for debugging the PolicyEngine. Returns a fixed result, but takes a random time to process.",
    fields: FIELDS,
    check: None,
};
