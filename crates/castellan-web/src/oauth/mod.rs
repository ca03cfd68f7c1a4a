//! The OAuth2 / OpenID Connect provider's HTTP endpoints (spec §7.1.2) at authentik's paths; the
//! protocol rules live in `castellan-oauth`, storage in `castellan-store`.
use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub mod authorize;
pub mod cors;
pub mod device;
pub mod device_entry;
pub mod device_finish;
pub mod discovery;
pub mod end_session;
pub mod events;
pub mod flow_start;
pub mod fulfillment;
pub mod github;
pub mod grant;
pub mod introspect;
pub mod issue;
pub mod keys;
pub mod login;
pub mod provider;
pub mod revoke;
pub mod token;
pub mod token_client;
pub mod token_code;
pub mod token_device;
pub mod token_jwt;
pub mod token_refresh;
pub mod userinfo;
pub mod webfinger;

/// Registers the provider's in-memory stages with the flow engine.
pub fn register_stages(registry: &mut castellan_flows::StageRegistry) {
    registry.register(
        fulfillment::KIND,
        "ak-stage-autosubmit",
        std::sync::Arc::new(fulfillment::OAuthFulfillmentStage),
    );
    registry.register(
        device_finish::FINISH_KIND,
        device_finish::FINISH_COMPONENT,
        std::sync::Arc::new(device_finish::DeviceFinishStage),
    );
    registry.register(
        device_entry::CODE_KIND,
        device_entry::CODE_COMPONENT,
        std::sync::Arc::new(device_entry::DeviceCodeStage),
    );
}

/// The provider's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/application/o/authorize/",
            get(authorize::authorize).post(authorize::authorize),
        )
        .route(
            "/application/o/token/",
            post(token::token).options(cors::preflight),
        )
        .route(
            "/application/o/userinfo/",
            get(userinfo::userinfo)
                .post(userinfo::userinfo)
                .options(cors::preflight),
        )
        .route("/application/o/introspect/", post(introspect::introspect))
        .route("/application/o/revoke/", post(revoke::revoke))
        .route("/application/o/device/", post(device::device_authorization))
        .route("/device", get(device_entry::device_page))
        .route("/.well-known/webfinger", get(webfinger::webfinger))
        .route("/login/oauth/authorize", get(github::authorize))
        .route(
            "/login/oauth/access_token",
            post(token::token).options(cors::preflight),
        )
        .route("/user", get(github::user))
        .route("/user/teams", get(github::teams))
        .route("/application/o/{slug}/", get(discovery::provider_root))
        .route(
            "/application/o/{slug}/.well-known/openid-configuration",
            get(discovery::configuration).options(cors::preflight),
        )
        .route("/application/o/{slug}/jwks/", get(discovery::jwks))
        .route(
            "/application/o/{slug}/end-session/",
            get(end_session::end_session),
        )
}
