//! Duo setup stage settings (spec §5.7).
use castellan_core::model_spec::{FieldSpec, ModelSpec, f};

use super::FRIENDLY_NAME;

static FIELDS: &[FieldSpec] = &[
    f::fk("configure_flow", "authentik_flows.flow"),
    FRIENDLY_NAME,
    f::required_text("client_id"),
    f::required_text("client_secret").write_only(),
    f::required_text("api_hostname"),
    f::blank_text("admin_integration_key"),
    f::blank_text("admin_secret_key").write_only(),
];

/// `AuthenticatorDuoStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_authenticator_duo.authenticatorduostage",
    api: "stages/authenticator/duo",
    component: "ak-stage-authenticator-duo-form",
    verbose_name: "Duo Authenticator Setup Stage",
    verbose_name_plural: "Duo Authenticator Setup Stages",
    schema_name: "AuthenticatorDuoStage",
    description: "Setup Duo authenticator devices",
    fields: FIELDS,
    check: None,
};
