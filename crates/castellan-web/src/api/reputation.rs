//! `/api/v3/policies/reputation/scores/` (spec §6.3.3): the reputation rows failed and
//! successful logins maintain; list, retrieve, delete (resetting a score) and `used_by`.
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use castellan_store::reputation::{self, Reputation, ReputationFilter};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use super::used_by::UsedBy;
use crate::auth::Admin;
use crate::error::{ApiError, ApiResult};
use crate::openapi::Operation;
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// `Reputation`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Reputation)]
pub struct ReputationJson {
    /// `reputation_uuid`.
    #[schema(required = false)]
    pub pk: Uuid,
    /// Identifier (username or what was typed).
    pub identifier: String,
    /// Client IP.
    pub ip: String,
    /// GeoIP data.
    #[schema(required = false)]
    pub ip_geo_data: Value,
    /// ASN data.
    #[schema(required = false)]
    pub ip_asn_data: Value,
    /// Score.
    #[schema(required = false)]
    pub score: i64,
    /// Last change.
    pub updated: DateTime<Utc>,
}

fn to_json(r: Reputation) -> ReputationJson {
    ReputationJson {
        pk: r.pk,
        identifier: r.identifier,
        ip: r.ip,
        ip_geo_data: r.ip_geo_data,
        ip_asn_data: r.ip_asn_data,
        score: r.score,
        updated: r.updated,
    }
}

/// Lists reputation scores.
pub async fn list(
    State(state): State<AppState>,
    _admin: Admin,
    params: Params,
) -> ApiResult<Json<Paginated<ReputationJson>>> {
    let page = params.page()?;
    let identifier_in = params
        .text("identifier_in")
        .map(|v| v.split(',').map(str::to_string).collect());
    let f = ReputationFilter {
        identifier: params.text("identifier"),
        identifier_in,
        ip: params.text("ip"),
        score: params.integer("score")?,
        search: params.search(),
        order_by: params.ordering(reputation::ordering),
    };
    let mut conn = state.store.conn().await?;
    let (rows, count) = reputation::list(&mut conn, &f, page).await?;
    Ok(Json(Paginated::new(
        rows.into_iter().map(to_json).collect(),
        count,
        page,
    )?))
}

async fn load(conn: &mut castellan_store::AnyConnection, raw: &str) -> ApiResult<Reputation> {
    let pk = Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)?;
    reputation::get(conn, pk).await?.ok_or(ApiError::NotFound)
}

/// One score.
pub async fn retrieve(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<ReputationJson>> {
    let mut conn = state.store.conn().await?;
    Ok(Json(to_json(load(&mut conn, &id).await?)))
}

/// Deletes a score (resets it).
pub async fn destroy(
    State(state): State<AppState>,
    Admin(principal): Admin,
    ctx: crate::context::RequestContext,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let r = load(&mut tx, &id).await?;
    reputation::delete(&mut tx, r.pk).await?;
    let model = crate::audit::model_ref(
        "authentik_policies_reputation",
        "reputation",
        r.pk,
        &r.identifier,
    );
    tx.event(&ctx, &principal.user, "model_deleted", model)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Objects using a score (none).
pub async fn used_by(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<UsedBy>>> {
    let mut conn = state.store.conn().await?;
    load(&mut conn, &id).await?;
    Ok(Json(Vec::new()))
}

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/policies/reputation/scores/", get(list))
        .route(
            "/policies/reputation/scores/{reputation_uuid}/",
            get(retrieve).delete(destroy),
        )
        .route(
            "/policies/reputation/scores/{reputation_uuid}/used_by/",
            get(used_by),
        )
}

/// Documented operations.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/policies/reputation/scores/",
        "policies_reputation_scores_list",
        "policies",
        Some("PaginatedReputationList"),
        200,
    ),
    (
        "get",
        "/policies/reputation/scores/{reputation_uuid}/",
        "policies_reputation_scores_retrieve",
        "policies",
        Some("Reputation"),
        200,
    ),
    (
        "delete",
        "/policies/reputation/scores/{reputation_uuid}/",
        "policies_reputation_scores_destroy",
        "policies",
        None,
        204,
    ),
    (
        "get",
        "/policies/reputation/scores/{reputation_uuid}/used_by/",
        "policies_reputation_scores_used_by_list",
        "policies",
        Some("[UsedBy]"),
        200,
    ),
];

/// Schemas.
#[derive(OpenApi)]
#[openapi(components(schemas(ReputationJson)))]
pub struct Doc;
