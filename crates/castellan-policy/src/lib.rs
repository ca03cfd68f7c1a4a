//! Policies (spec §6): bindings, the all/any engine, the policy types and the Python-syntax
//! expression engine (`expr`).

pub mod specs;
