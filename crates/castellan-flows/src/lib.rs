//! Flows (spec §3): the flow plan, planner, challenge wire types, the `Stage` trait and the
//! transport-free executor, with the ports (`FlowEnv`) it needs from storage and the network.

pub mod challenge;
pub mod context;
pub mod env;
pub mod executor;
pub mod next_url;
pub mod plan;
pub mod planner;
pub mod stage;

pub use challenge::{Challenge, ResponseErrors};
pub use env::{
    AuthOutcome, EnvError, FlowEnv, FlowRequest, LoginOptions, PolicyVerdict, ResponseCookie,
    SessionState,
};
pub use executor::{Method, Outcome, execute};
pub use plan::{FlowPlan, PlanEntry, PlannedStage};
pub use stage::{StageContext, StageRegistry, StageView, Step};

/// Kind of the in-memory session-end stage (spec §4.16).
pub const SESSION_END: &str = "authentik_flows.inmemorystage.session_end";
