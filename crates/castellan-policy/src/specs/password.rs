//! Password policy (spec §6.3.2).
use castellan_core::model_spec::{FieldSpec, ModelSpec, f};

static FIELDS: &[FieldSpec] = &[
    f::text("password_field", "password"),
    f::uint("amount_digits", 0),
    f::uint("amount_uppercase", 0),
    f::uint("amount_lowercase", 0),
    f::uint("amount_symbols", 0),
    f::uint("length_min", 0),
    f::text("symbol_charset", "!\\\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "),
    f::blank_text("error_message"),
    f::boolean("check_static_rules", true),
    f::boolean("check_have_i_been_pwned", false),
    f::boolean("check_zxcvbn", false),
    f::uint("hibp_allowed_count", 0),
    f::uint("zxcvbn_score_threshold", 2),
];

/// `PasswordPolicy`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_policies_password.passwordpolicy",
    api: "policies/password",
    component: "ak-policy-password-form",
    verbose_name: "Password Policy",
    verbose_name_plural: "Password Policys",
    schema_name: "PasswordPolicy",
    description: "Policy to make sure passwords have certain properties",
    fields: FIELDS,
    check: None,
};
