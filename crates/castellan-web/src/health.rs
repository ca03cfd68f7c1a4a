//! `/-/health/live/` and `/-/health/ready/`.
use axum::extract::State;
use axum::http::StatusCode;

use crate::state::AppState;

/// 200 while the process runs.
pub async fn live() -> StatusCode {
    StatusCode::OK
}

/// 200 when the database answers within two seconds, else 503.
pub async fn ready(State(state): State<AppState>) -> StatusCode {
    match tokio::time::timeout(std::time::Duration::from_secs(2), state.store.ping()).await {
        Ok(Ok(())) => StatusCode::OK,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}
