//! Authenticator validation stage settings (spec §5.3).
use castellan_core::model_spec::{EnumSpec, FieldDefault, FieldSpec, FieldType, ModelSpec, f};

use super::WEBAUTHN_DEVICE_TYPE;

/// `NotConfiguredActionEnum`.
pub static NOT_CONFIGURED: EnumSpec = EnumSpec {
    name: "NotConfiguredActionEnum",
    values: &["skip", "deny", "configure"],
};

/// `DeviceClassesEnum`.
pub static DEVICE_CLASSES: EnumSpec = EnumSpec {
    name: "DeviceClassesEnum",
    values: &["static", "totp", "webauthn", "duo", "sms"],
};

/// `UserVerificationEnum`.
pub static USER_VERIFICATION: EnumSpec = EnumSpec {
    name: "UserVerificationEnum",
    values: &["required", "preferred", "discouraged"],
};

static FIELDS: &[FieldSpec] = &[
    f::choice("not_configured_action", &NOT_CONFIGURED, "skip"),
    FieldSpec::new("device_classes", FieldType::EnumList(&DEVICE_CLASSES)).default(
        FieldDefault::List(&["static", "totp", "webauthn", "duo", "sms"]),
    ),
    f::fk_list("configuration_stages", "authentik_flows.stage"),
    f::timedelta("last_auth_threshold", "seconds=0"),
    f::choice(
        "webauthn_user_verification",
        &USER_VERIFICATION,
        "preferred",
    ),
    f::fk_list("webauthn_allowed_device_types", WEBAUTHN_DEVICE_TYPE),
    f::computed("webauthn_allowed_device_types_obj", "WebAuthnDeviceType"),
];

/// `AuthenticatorValidateStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_authenticator_validate.authenticatorvalidatestage",
    api: "stages/authenticator/validate",
    component: "ak-stage-authenticator-validate-form",
    verbose_name: "Authenticator Validation Stage",
    verbose_name_plural: "Authenticator Validation Stages",
    schema_name: "AuthenticatorValidateStage",
    description: "Validate user's configured OTP Device.",
    fields: FIELDS,
    check: None,
};
