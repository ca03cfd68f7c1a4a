//! API integration tests: every test body runs on SQLite and on PostgreSQL (`db_test!`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod applications;
mod auth;
mod brands;
mod certificates;
mod consent;
mod errors;
mod flow_executor;
mod flow_support;
mod flows;
mod fuzz;
mod golden;
mod groups;
mod openapi;
mod policies;
mod policy_bindings;
mod providers;
mod schema_compat;
mod sessions;
mod stages;
mod tokens;
mod users;
