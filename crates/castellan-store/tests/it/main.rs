//! Repository tests, each on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod blueprints;
mod config_version;
mod direct;
mod direct_pg;
mod flows;
mod groups;
mod indexes;
mod list;
mod migrations;
mod oauth2;
mod passwords;
mod sessions;
mod tokens_reputation;
