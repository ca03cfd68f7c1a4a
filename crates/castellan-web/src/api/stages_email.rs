//! `GET /api/v3/stages/email/templates/` (spec §4.7): the templates an email stage may use,
//! Castellan's built-ins and the custom `*.html` files of `email.template_dir`, as `TypeCreate`.
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::auth::Admin;
use crate::email;
use crate::openapi::Operation;
use crate::state::AppState;

const PATH: &str = "/stages/email/templates/";

/// The templates operation.
pub const OPERATIONS: &[Operation] = &[(
    "get",
    PATH,
    "stages_email_templates_list",
    "stages",
    Some("[TypeCreate]"),
    200,
)];

/// Lists the templates.
pub async fn templates(State(state): State<AppState>, _admin: Admin) -> Json<Vec<Value>> {
    let dir = state.settings.email.template_dir.as_deref();
    Json(
        email::list_templates(dir)
            .into_iter()
            .map(|(name, description)| {
                json!({"name": name, "description": description, "component": "",
                       "model_name": "", "requires_enterprise": false})
            })
            .collect(),
    )
}

/// The route, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(templates))
}
