//! Password expiry policy (spec §6.3.6).
use castellan_core::model_spec::{FieldSpec, FieldType, ModelSpec, f};

static FIELDS: &[FieldSpec] = &[
    FieldSpec::new(
        "days",
        FieldType::Int {
            min: i32::MIN as i64,
            max: i32::MAX as i64,
        },
    )
    .required(),
    f::boolean("deny_only", false),
];

/// `PasswordExpiryPolicy`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_policies_expiry.passwordexpirypolicy",
    api: "policies/password_expiry",
    component: "ak-policy-password-expiry-form",
    verbose_name: "Password Expiry Policy",
    verbose_name_plural: "Password Expiry Policys",
    schema_name: "PasswordExpiryPolicy",
    description: "If password change date is more than x days in the past, call set_unusable_password and show a notice",
    fields: FIELDS,
    check: None,
};
