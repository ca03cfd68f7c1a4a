//! API integration tests: every test body runs on SQLite and on PostgreSQL (`db_test!`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod applications;
mod auth;
mod brands;
mod certificates;
mod consent;
mod errors;
mod fuzz;
mod golden;
mod groups;
mod openapi;
mod providers;
mod schema_compat;
mod sessions;
mod tokens;
mod users;
