//! `/api/v3/events/events/`: list and retrieve audit events (spec §10.1).
use axum::Json;
use axum::extract::{Path, State};
use castellan_core::event::Event;
use castellan_store::events::{self, EventFilter};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Admin;
use crate::error::{ApiError, ApiResult};
use crate::query::{Paginated, Params};
use crate::state::AppState;

/// `Event`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Event)]
pub struct EventJson {
    /// Event UUID.
    pub pk: Uuid,
    /// Acting user snapshot.
    #[schema(required = false)]
    pub user: Value,
    /// Action.
    #[schema(value_type = super::enums::EventActions)]
    pub action: String,
    /// Originating component.
    pub app: String,
    /// Context.
    #[schema(required = false)]
    pub context: Value,
    /// Client IP.
    pub client_ip: Option<String>,
    /// Created.
    pub created: DateTime<Utc>,
    /// Expires.
    #[schema(required = false)]
    pub expires: DateTime<Utc>,
    /// Brand snapshot.
    #[schema(required = false)]
    pub brand: Value,
}

fn to_json(e: Event) -> EventJson {
    EventJson {
        pk: e.event_uuid,
        user: e.user,
        action: e.action,
        app: e.app,
        context: e.context,
        client_ip: e.client_ip,
        created: e.created,
        expires: e.expires,
        brand: e.brand,
    }
}

/// `GET /events/events/`.
pub async fn list(
    State(state): State<AppState>,
    _a: Admin,
    params: Params,
) -> ApiResult<Json<Paginated<EventJson>>> {
    let page = params.page()?;
    let f = EventFilter {
        action: params.text("action"),
        client_ip: params.text("client_ip"),
        username: params.text("username"),
        search: params.search(),
        order_by: params.ordering(events::ordering),
    };
    let mut conn = state.store.conn().await?;
    let (rows, count) = events::list(&mut conn, &f, page).await?;
    Ok(Json(Paginated::new(
        rows.into_iter().map(to_json).collect(),
        count,
        page,
    )?))
}

/// `GET /events/events/{id}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<EventJson>> {
    let mut conn = state.store.conn().await?;
    let e = events::get(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(to_json(e)))
}
