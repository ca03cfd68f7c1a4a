//! Static tokens setup stage settings (spec §5.5).
use castellan_core::model_spec::{FieldSpec, ModelSpec, f};

use super::FRIENDLY_NAME;

static FIELDS: &[FieldSpec] = &[
    f::fk("configure_flow", "authentik_flows.flow"),
    FRIENDLY_NAME,
    f::uint("token_count", 6),
    f::uint("token_length", 12),
];

/// `AuthenticatorStaticStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_authenticator_static.authenticatorstaticstage",
    api: "stages/authenticator/static",
    component: "ak-stage-authenticator-static-form",
    verbose_name: "Static Authenticator Setup Stage",
    verbose_name_plural: "Static Authenticator Setup Stages",
    schema_name: "AuthenticatorStaticStage",
    description: "Setup static OTP tokens.",
    fields: FIELDS,
    check: None,
};
