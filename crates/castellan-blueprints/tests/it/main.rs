//! Integration tests of the blueprint engine.

mod apply_tests;
mod eval_tests;
mod export_tests;
mod memory;
mod parse_tests;
mod plan_tests;
mod reference;
