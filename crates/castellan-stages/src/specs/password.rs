//! Password stage (spec §4.2).
use castellan_core::model_spec::{EnumSpec, FieldSpec, FieldType, ModelSpec, f};

/// `BackendsEnum`.
pub static BACKENDS: EnumSpec = EnumSpec {
    name: "BackendsEnum",
    values: &[
        "authentik.core.auth.InbuiltBackend",
        "authentik.core.auth.TokenBackend",
        "authentik.sources.ldap.auth.LDAPBackend",
        "authentik.sources.kerberos.auth.KerberosBackend",
    ],
};

static FIELDS: &[FieldSpec] = &[
    FieldSpec::new("backends", FieldType::EnumList(&BACKENDS)).required(),
    f::fk("configure_flow", "authentik_flows.flow"),
    f::int("failed_attempts_before_cancel", 5),
    f::boolean("allow_show_password", false),
];

/// `PasswordStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_password.passwordstage",
    api: "stages/password",
    component: "ak-stage-password-form",
    verbose_name: "Password Stage",
    verbose_name_plural: "Password Stages",
    schema_name: "PasswordStage",
    description: "Prompts the user for their password, and validates it against a backend.",
    fields: FIELDS,
    check: None,
};
