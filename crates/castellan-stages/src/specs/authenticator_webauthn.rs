//! WebAuthn setup stage settings (spec §5.6).
use castellan_core::model_spec::{EnumSpec, FieldSpec, FieldType, ModelSpec, f};

use super::{FRIENDLY_NAME, WEBAUTHN_DEVICE_TYPE};

/// `UserVerificationEnum`.
pub static USER_VERIFICATION: EnumSpec = EnumSpec {
    name: "UserVerificationEnum",
    values: &["required", "preferred", "discouraged"],
};

/// `AuthenticatorAttachmentEnum`.
pub static ATTACHMENT: EnumSpec = EnumSpec {
    name: "AuthenticatorAttachmentEnum",
    values: &["platform", "cross-platform"],
};

/// `ResidentKeyRequirementEnum`.
pub static RESIDENT_KEY: EnumSpec = EnumSpec {
    name: "ResidentKeyRequirementEnum",
    values: &["discouraged", "preferred", "required"],
};

static FIELDS: &[FieldSpec] = &[
    f::fk("configure_flow", "authentik_flows.flow"),
    FRIENDLY_NAME,
    f::choice("user_verification", &USER_VERIFICATION, "preferred"),
    FieldSpec::new("authenticator_attachment", FieldType::Enum(&ATTACHMENT)).nullable(),
    f::choice("resident_key_requirement", &RESIDENT_KEY, "preferred"),
    f::fk_list("device_type_restrictions", WEBAUTHN_DEVICE_TYPE),
    f::computed("device_type_restrictions_obj", "WebAuthnDeviceType"),
];

/// `AuthenticatorWebAuthnStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_authenticator_webauthn.authenticatorwebauthnstage",
    api: "stages/authenticator/webauthn",
    component: "ak-stage-authenticator-webauthn-form",
    verbose_name: "WebAuthn Authenticator Setup Stage",
    verbose_name_plural: "WebAuthn Authenticator Setup Stages",
    schema_name: "AuthenticatorWebAuthnStage",
    description: "WebAuthn stage",
    fields: FIELDS,
    check: None,
};
