//! Flows (spec §3): the flow model, planner, plan, challenge wire types, the `Stage` trait and the
//! transport-free executor.
