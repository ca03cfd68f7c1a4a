//! Flows and stage bindings (spec §3.1, §3.2): the stored model the planner reads.
use uuid::Uuid;

use crate::application::PolicyEngineMode;
use crate::wire_enum;

wire_enum! {
    /// What a flow is for.
    pub enum FlowDesignation {
        /// Log in.
        #[default]
        Authentication = "authentication",
        /// Consent to an application (provider authorization).
        Authorization = "authorization",
        /// Log out.
        Invalidation = "invalidation",
        /// Sign up.
        Enrollment = "enrollment",
        /// Delete one's account.
        Unenrollment = "unenrollment",
        /// Recover access.
        Recovery = "recovery",
        /// Configure a stage (password change, MFA setup, user settings).
        StageConfiguration = "stage_configuration",
    }
}

wire_enum! {
    /// Page layout of the flow interface.
    pub enum FlowLayout {
        /// Default.
        #[default]
        Stacked = "stacked",
        /// Content left.
        ContentLeft = "content_left",
        /// Content right.
        ContentRight = "content_right",
        /// Sidebar left.
        SidebarLeft = "sidebar_left",
        /// Sidebar right.
        SidebarRight = "sidebar_right",
    }
}

wire_enum! {
    /// What happens when the flow's policies deny the user.
    pub enum DeniedAction {
        /// Show the message, or continue to a relative `next`.
        #[default]
        MessageContinue = "message_continue",
        /// Always show the message.
        Message = "message",
        /// Continue to `next` or `/` without a message.
        Continue = "continue",
    }
}

wire_enum! {
    /// Who may start the flow.
    pub enum FlowAuthentication {
        /// Anyone.
        #[default]
        None = "none",
        /// Logged-in users.
        RequireAuthenticated = "require_authenticated",
        /// Anonymous users.
        RequireUnauthenticated = "require_unauthenticated",
        /// Superusers.
        RequireSuperuser = "require_superuser",
        /// Requests from an outpost.
        RequireOutpost = "require_outpost",
    }
}

wire_enum! {
    /// What the executor does with an invalid challenge response.
    pub enum InvalidResponseAction {
        /// Show the challenge again with the errors.
        #[default]
        Retry = "retry",
        /// Plan the flow again from the start.
        Restart = "restart",
        /// Plan again, keeping the context.
        RestartWithContext = "restart_with_context",
    }
}

/// The background shown when a flow has none.
pub const DEFAULT_BACKGROUND: &str = "/static/dist/assets/images/flow_background.jpg";

/// A flow's identity and designation (what brands and providers show).
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRef {
    /// `flow_uuid`.
    pub flow_uuid: Uuid,
    /// Unique slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Title shown to users.
    pub title: String,
    /// Designation (`authentication`, `invalidation`, …).
    pub designation: String,
}

/// A flow as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// `flow_uuid`.
    pub pk: Uuid,
    /// `policybindingmodel_ptr_id`: the target of policies bound to the flow.
    pub pbm_uuid: Uuid,
    /// Name.
    pub name: String,
    /// Unique slug.
    pub slug: String,
    /// Title; may hold `%(app)s` and `%(user)s`.
    pub title: String,
    /// Designation.
    pub designation: FlowDesignation,
    /// Background image path or URL ("" = default).
    pub background: String,
    /// Layout.
    pub layout: FlowLayout,
    /// Denied action.
    pub denied_action: DeniedAction,
    /// Authentication requirement.
    pub authentication: FlowAuthentication,
    /// Policy engine mode for the flow's own bindings.
    pub policy_engine_mode: PolicyEngineMode,
    /// Mobile password-manager compatibility tweak.
    pub compatibility_mode: bool,
}

impl Flow {
    /// A flow with authentik's defaults.
    pub fn new(slug: &str, name: &str, designation: FlowDesignation) -> Self {
        Self {
            pk: Uuid::new_v4(),
            pbm_uuid: Uuid::new_v4(),
            name: name.to_string(),
            slug: slug.to_string(),
            title: name.to_string(),
            designation,
            background: String::new(),
            layout: FlowLayout::Stacked,
            denied_action: DeniedAction::MessageContinue,
            authentication: FlowAuthentication::None,
            policy_engine_mode: PolicyEngineMode::Any,
            compatibility_mode: false,
        }
    }

    /// `background_url`: the stored background or authentik's default image.
    pub fn background_url(&self) -> String {
        if self.background.is_empty() {
            DEFAULT_BACKGROUND.to_string()
        } else if self.background.starts_with("http://")
            || self.background.starts_with("https://")
            || self.background.starts_with('/')
        {
            self.background.clone()
        } else {
            format!("/media/{}", self.background)
        }
    }

    /// The reference view brands and providers use.
    pub fn as_ref(&self) -> FlowRef {
        FlowRef {
            flow_uuid: self.pk,
            slug: self.slug.clone(),
            name: self.name.clone(),
            title: self.title.clone(),
            designation: self.designation.as_str().to_string(),
        }
    }
}

/// `FlowStageBinding`: a stage's place in a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowStageBinding {
    /// `fsb_uuid`.
    pub pk: Uuid,
    /// `policybindingmodel_ptr_id`: the target of policies bound to the binding.
    pub pbm_uuid: Uuid,
    /// The flow.
    pub target: Uuid,
    /// The stage.
    pub stage: Uuid,
    /// Ascending execution order.
    pub order: i64,
    /// Evaluate the binding's policies when planning.
    pub evaluate_on_plan: bool,
    /// Evaluate the binding's policies again right before the stage runs.
    pub re_evaluate_policies: bool,
    /// Invalid-response handling.
    pub invalid_response_action: InvalidResponseAction,
    /// Policy engine mode of the binding's policies.
    pub policy_engine_mode: PolicyEngineMode,
}

impl FlowStageBinding {
    /// A binding with authentik's defaults.
    pub fn new(target: Uuid, stage: Uuid, order: i64) -> Self {
        Self {
            pk: Uuid::new_v4(),
            pbm_uuid: Uuid::new_v4(),
            target,
            stage,
            order,
            evaluate_on_plan: false,
            re_evaluate_policies: true,
            invalid_response_action: InvalidResponseAction::Retry,
            policy_engine_mode: PolicyEngineMode::Any,
        }
    }
}
