//! Policies (spec §6): bindings, the all/any engine, the policy types and the Python-syntax
//! expression engine (`expr`).

pub mod engine;
pub mod expr;
pub mod host;
pub mod request;
pub mod result;
pub mod specs;
pub mod types;
