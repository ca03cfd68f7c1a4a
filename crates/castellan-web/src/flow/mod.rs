//! The flow executor over HTTP (spec §3.5–3.8): sessions, the store-backed flow environment,
//! policy evaluation glue, and the executor, cancel and default-flow endpoints.

pub mod config_cache;
pub mod default_flow;
pub mod duo_client;
pub mod env;
pub mod env_consent;
pub mod env_devices;
pub mod env_duo;
pub mod env_email;
pub mod env_invitations;
pub mod env_sms;
pub mod env_users;
pub mod env_webauthn;
pub mod executor_api;
pub mod expression;
pub mod expression_email;
pub mod inspector;
pub mod pages;
pub mod policies;
pub mod policy_test;
pub mod remember_mfa;
pub mod services;
pub mod session;
pub mod user_json;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub use services::{FlowServices, Outbound};

/// Browser-facing routes outside `/api/v3`.
pub fn browser_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/flows/-/default/{designation}/",
            get(default_flow::default_flow),
        )
        .route("/flows/-/cancel/", get(default_flow::cancel))
        .merge(pages::routes())
}

/// Routes under `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/flows/executor/{flow_slug}/",
            get(executor_api::get).post(executor_api::post),
        )
        .route(
            "/policies/all/{policy_uuid}/test/",
            axum::routing::post(policy_test::test),
        )
        .route("/flows/inspector/{flow_slug}/", get(inspector::inspect))
        .route("/flows/instances/{slug}/execute/", get(inspector::execute))
}
