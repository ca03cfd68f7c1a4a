//! The route table.
use axum::Router;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;

use axum::routing::post;

use crate::api::{
    admin, applications, brands, certificates, consent, events, groups, providers, root, sessions,
    tokens, users,
};
use crate::error::ApiError;
use crate::health;
use crate::state::AppState;

async fn api_not_found() -> ApiError {
    ApiError::NotFound
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    // The admin interface calls the API in process, through its own copy of the routes.
    let internal = crate::admin_if::dispatch::InternalApi(
        Router::new()
            .nest("/api/v3", api_routes())
            .with_state(state.clone()),
    );
    Router::new()
        .nest("/api/v3", api_routes())
        .merge(crate::flow::browser_routes())
        .merge(crate::user_if::routes())
        .merge(crate::admin_if::routes())
        .merge(crate::oauth::routes())
        .route("/-/health/live/", get(health::live).head(health::live))
        .route("/-/health/ready/", get(health::ready).head(health::ready))
        .layer(axum::Extension(internal))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::secure_cookies::secure_cookies,
        ))
        .layer(axum::middleware::from_fn(
            crate::middleware::request_context,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            use axum::response::IntoResponse;
            ApiError::Internal("handler panicked".into()).into_response()
        }))
        .with_state(state)
}

/// The `/api/v3` routes (relative to that prefix).
fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/core/users/", get(users::list).post(users::create))
        .route("/core/users/me/", get(users::me))
        .route("/core/users/paths/", get(users::paths))
        .route(
            "/core/users/{id}/",
            get(users::retrieve)
                .put(users::update)
                .patch(users::partial_update)
                .delete(users::destroy),
        )
        .route("/core/users/{id}/set_password/", post(users::set_password))
        .route("/core/groups/", get(groups::list).post(groups::create))
        .route(
            "/core/groups/{id}/",
            get(groups::retrieve)
                .put(groups::update)
                .patch(groups::partial_update)
                .delete(groups::destroy),
        )
        .route("/core/groups/{id}/add_user/", post(groups::add_user))
        .route("/core/groups/{id}/remove_user/", post(groups::remove_user))
        .route("/core/tokens/", get(tokens::list).post(tokens::create))
        .route(
            "/core/tokens/{identifier}/",
            get(tokens::retrieve)
                .put(tokens::update)
                .patch(tokens::partial_update)
                .delete(tokens::destroy),
        )
        .route("/core/tokens/{identifier}/view_key/", get(tokens::view_key))
        .route("/core/tokens/{identifier}/set_key/", post(tokens::set_key))
        .route("/providers/all/", get(providers::list))
        .route(
            "/providers/all/{id}/",
            get(providers::retrieve).delete(providers::destroy),
        )
        .route("/events/events/", get(events::list))
        .route("/events/events/{id}/", get(events::retrieve))
        .route("/admin/version/", get(admin::version))
        .route("/admin/version/history/", get(admin::history))
        .route("/admin/version/history/{id}/", get(admin::history_retrieve))
        .route("/admin/system/", get(admin::system).post(admin::system))
        .route("/root/config/", get(root::config))
        .route("/schema/", get(crate::openapi::serve))
        .merge(applications::routes())
        .merge(brands::routes())
        .merge(certificates::routes())
        .merge(sessions::routes())
        .merge(crate::api::authenticators::routes())
        .merge(consent::routes())
        .merge(crate::api::reputation::routes())
        .merge(crate::api::flows::routes())
        .merge(crate::api::flows_transfer::routes())
        .merge(crate::api::blueprints::routes())
        .merge(crate::api::flow_bindings::routes())
        .merge(crate::api::stages::routes())
        .merge(crate::api::users_recovery::routes())
        .merge(crate::api::users_impersonate::routes())
        .merge(crate::api::users_recovery_email::routes())
        .merge(crate::api::policies::routes())
        .merge(crate::api::providers_oauth2::routes())
        .merge(crate::api::oauth2_tokens::routes())
        .merge(crate::api::propertymappings_scope::routes())
        .merge(crate::api::rbac_roles::routes())
        .merge(crate::api::rbac_assign::routes())
        .merge(crate::api::propertymappings_notification::routes())
        .merge(crate::api::sources_oauth::routes())
        .merge(crate::flow::routes())
        .fallback(api_not_found)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}
