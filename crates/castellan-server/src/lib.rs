//! The castellan server library: configuration, CLI and wiring.
//!
//! [`startup::prepare`] turns [`config::Settings`] into a ready
//! [`castellan_web::AppState`] (database connected and migrated, install id,
//! secret key, version history, bootstrap admin, self-signed certificate), so
//! tests can start the real application in process; [`serve::run`] adds the
//! HTTP, HTTPS and metrics listeners around it.
pub mod bootstrap;
pub mod cli;
pub mod commands;
pub mod config;
pub mod keypair;
pub mod logging;
pub mod metrics;
pub mod serve;
pub mod startup;
pub mod state;
pub mod tls;
