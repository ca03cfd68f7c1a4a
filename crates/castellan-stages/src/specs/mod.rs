//! Settings of every stage type (field specs shared by the API, blueprints and the stages): one
//! module per type, named as authentik's apps.
use castellan_core::model_spec::{FieldSpec, FieldType, ModelSpec};

pub mod authenticator_duo;
pub mod authenticator_sms;
pub mod authenticator_static;
pub mod authenticator_totp;
pub mod authenticator_validate;
pub mod authenticator_webauthn;
pub mod captcha;
pub mod consent;
pub mod deny;
pub mod dummy;
pub mod email;
pub mod identification;
pub mod invitation;
pub mod password;
pub mod prompt;
pub mod prompt_field;
pub mod source;
pub mod user_delete;
pub mod user_login;
pub mod user_logout;
pub mod user_write;

/// `friendly_name` of the configurable authenticator setup stages (nullable, not blank).
pub const FRIENDLY_NAME: FieldSpec = FieldSpec::new(
    "friendly_name",
    FieldType::Str {
        max: None,
        blank: false,
    },
)
.nullable();

/// The WebAuthn device type model (imported from the FIDO metadata service).
pub const WEBAUTHN_DEVICE_TYPE: &str = "authentik_stages_authenticator_webauthn.webauthndevicetype";

static ALL: &[&ModelSpec] = &[
    &identification::SPEC,
    &password::SPEC,
    &captcha::SPEC,
    &consent::SPEC,
    &deny::SPEC,
    &dummy::SPEC,
    &email::SPEC,
    &invitation::SPEC,
    &prompt::SPEC,
    &user_write::SPEC,
    &user_login::SPEC,
    &user_logout::SPEC,
    &user_delete::SPEC,
    &source::SPEC,
    &authenticator_validate::SPEC,
    &authenticator_totp::SPEC,
    &authenticator_static::SPEC,
    &authenticator_webauthn::SPEC,
    &authenticator_duo::SPEC,
    &authenticator_sms::SPEC,
];

/// Every stage type with an API path, in authentik's order of `stages/all/types/`.
pub fn all() -> &'static [&'static ModelSpec] {
    ALL
}

/// The stage type whose `meta_model_name` is `model`.
pub fn by_model(model: &str) -> Option<&'static ModelSpec> {
    ALL.iter().copied().find(|s| s.model == model)
}
