//! Invitation stage (spec §4.8).
use castellan_core::model_spec::{FieldSpec, ModelSpec, f};

static FIELDS: &[FieldSpec] = &[f::boolean("continue_flow_without_invitation", false)];

/// `InvitationStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_invitation.invitationstage",
    api: "stages/invitation/stages",
    component: "ak-stage-invitation-form",
    verbose_name: "Invitation Stage",
    verbose_name_plural: "Invitation Stages",
    schema_name: "InvitationStage",
    description: "Simplify enrollment; allow users to use a single link to create their user with pre-defined parameters.",
    fields: FIELDS,
    check: None,
};
