//! Email stage (spec §4.7).
use castellan_core::model_spec::{FieldDefault, FieldSpec, FieldType, ModelSpec, f};

static FIELDS: &[FieldSpec] = &[
    f::boolean("use_global_settings", false),
    f::text("host", "localhost"),
    f::int("port", 25),
    f::blank_text("username"),
    f::blank_text("password").write_only(),
    f::boolean("use_tls", false),
    f::boolean("use_ssl", false),
    f::int("timeout", 10),
    FieldSpec::new("from_address", FieldType::Email)
        .default(FieldDefault::Str("system@authentik.local")),
    f::int("token_expiry", 30),
    f::text("subject", "authentik"),
    f::text("template", "email/password_reset.html"),
    f::boolean("activate_user_on_success", false),
];

/// `EmailStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_email.emailstage",
    api: "stages/email",
    component: "ak-stage-email-form",
    verbose_name: "Email Stage",
    verbose_name_plural: "Email Stages",
    schema_name: "EmailStage",
    description: "Sends an Email to the user with a token to confirm their Email address.",
    fields: FIELDS,
    check: None,
};
