//! TOTP setup stage settings (spec §5.4).
use castellan_core::model_spec::{EnumSpec, FieldSpec, FieldType, ModelSpec, f};

use super::FRIENDLY_NAME;

/// `DigitsEnum`.
pub static DIGITS: EnumSpec = EnumSpec {
    name: "DigitsEnum",
    values: &["6", "8"],
};

static FIELDS: &[FieldSpec] = &[
    f::fk("configure_flow", "authentik_flows.flow"),
    FRIENDLY_NAME,
    FieldSpec::new("digits", FieldType::Enum(&DIGITS)).required(),
];

/// `AuthenticatorTOTPStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_authenticator_totp.authenticatortotpstage",
    api: "stages/authenticator/totp",
    component: "ak-stage-authenticator-totp-form",
    verbose_name: "TOTP Authenticator Setup Stage",
    verbose_name_plural: "TOTP Authenticator Setup Stages",
    schema_name: "AuthenticatorTOTPStage",
    description: "Enroll a user's device into Time-based OTP.",
    fields: FIELDS,
    check: None,
};
