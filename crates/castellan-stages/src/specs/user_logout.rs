//! User logout stage (spec §4.12).
use castellan_core::model_spec::{FieldSpec, ModelSpec};

static FIELDS: &[FieldSpec] = &[];

/// `UserLogoutStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_user_logout.userlogoutstage",
    api: "stages/user_logout",
    component: "ak-stage-user-logout-form",
    verbose_name: "User Logout Stage",
    verbose_name_plural: "User Logout Stages",
    schema_name: "UserLogoutStage",
    description: "Resets the users current session.",
    fields: FIELDS,
    check: None,
};
