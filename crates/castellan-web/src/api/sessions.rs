//! Placeholder for the `sessions` endpoints (being written).
use axum::Router;
use utoipa::OpenApi;

use crate::openapi::Operation;
use crate::state::AppState;

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[];

/// Component schemas of this resource.
#[derive(OpenApi)]
#[openapi()]
pub struct Doc;
