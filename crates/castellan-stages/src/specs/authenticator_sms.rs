//! SMS setup stage settings (spec §5.8).
use castellan_core::model_spec::{EnumSpec, FieldSpec, FieldType, ModelSpec, f};

use super::FRIENDLY_NAME;

/// `ProviderEnum`.
pub static PROVIDER: EnumSpec = EnumSpec {
    name: "ProviderEnum",
    values: &["twilio", "generic"],
};

/// `AuthTypeEnum`.
pub static AUTH_TYPE: EnumSpec = EnumSpec {
    name: "AuthTypeEnum",
    values: &["basic", "bearer"],
};

static FIELDS: &[FieldSpec] = &[
    f::fk("configure_flow", "authentik_flows.flow"),
    FRIENDLY_NAME,
    FieldSpec::new("provider", FieldType::Enum(&PROVIDER)).required(),
    f::required_text("from_number"),
    f::required_text("account_sid"),
    f::required_text("auth"),
    f::blank_text("auth_password"),
    f::choice("auth_type", &AUTH_TYPE, "basic"),
    f::boolean("verify_only", false),
    f::fk("mapping", "authentik_events.notificationwebhookmapping"),
];

/// `AuthenticatorSMSStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_authenticator_sms.authenticatorsmsstage",
    api: "stages/authenticator/sms",
    component: "ak-stage-authenticator-sms-form",
    verbose_name: "SMS Authenticator Setup Stage",
    verbose_name_plural: "SMS Authenticator Setup Stages",
    schema_name: "AuthenticatorSMSStage",
    description: "Use SMS-based TOTP instead of authenticator-based.",
    fields: FIELDS,
    check: None,
};
