//! `/api/v3/providers/all/`: every provider with the base fields (read and delete only).
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use castellan_core::provider::Provider;
use castellan_store::providers::{self, ProviderFilter};
use castellan_store::{AnyConnection, applications};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit;
use crate::auth::Admin;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// `Provider`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Provider)]
pub struct ProviderJson {
    /// Id.
    pub pk: i64,
    /// Name.
    pub name: String,
    /// Authentication flow.
    pub authentication_flow: Option<Uuid>,
    /// Authorization flow (API-required for every provider type; null only for rows written
    /// outside the API).
    #[schema(value_type = Uuid, required = true)]
    pub authorization_flow: Option<Uuid>,
    /// Invalidation flow (new in 2024.10).
    #[schema(value_type = Uuid, required = true)]
    pub invalidation_flow: Option<Uuid>,
    /// Property mappings.
    #[schema(required = false)]
    pub property_mappings: Vec<Uuid>,
    /// Web component.
    pub component: String,
    /// Assigned application slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = true)]
    pub assigned_application_slug: Option<String>,
    /// Assigned application name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = true)]
    pub assigned_application_name: Option<String>,
    /// Backchannel application slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = true)]
    pub assigned_backchannel_application_slug: Option<String>,
    /// Backchannel application name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = true)]
    pub assigned_backchannel_application_name: Option<String>,
    /// Verbose name.
    pub verbose_name: String,
    /// Plural verbose name.
    pub verbose_name_plural: String,
    /// Model name.
    pub meta_model_name: String,
}

/// Serialises providers with their application assignments.
pub async fn providers_json(
    conn: &mut AnyConnection,
    list: Vec<Provider>,
) -> ApiResult<Vec<ProviderJson>> {
    let pks: Vec<i64> = list.iter().map(|p| p.pk).collect();
    let assigned: HashMap<i64, (String, String)> = applications::by_provider(conn, &pks)
        .await?
        .into_iter()
        .filter_map(|a| a.provider.map(|p| (p, (a.slug, a.name))))
        .collect();
    let bc_ids: Vec<Uuid> = list
        .iter()
        .filter_map(|p| p.backchannel_application)
        .collect();
    let backchannel: HashMap<Uuid, (String, String)> = applications::get_many(conn, &bc_ids)
        .await?
        .into_iter()
        .map(|a| (a.pk, (a.slug, a.name)))
        .collect();
    Ok(list
        .into_iter()
        .map(|p| {
            let (component, verbose, plural, model) = p.provider_type.meta();
            let app = assigned.get(&p.pk);
            let bc = p
                .backchannel_application
                .and_then(|id| backchannel.get(&id));
            ProviderJson {
                pk: p.pk,
                name: p.name,
                authentication_flow: p.authentication_flow,
                authorization_flow: p.authorization_flow,
                invalidation_flow: p.invalidation_flow,
                property_mappings: Vec::new(),
                component: component.into(),
                assigned_application_slug: app.map(|a| a.0.clone()),
                assigned_application_name: app.map(|a| a.1.clone()),
                assigned_backchannel_application_slug: bc.map(|a| a.0.clone()),
                assigned_backchannel_application_name: bc.map(|a| a.1.clone()),
                verbose_name: verbose.into(),
                verbose_name_plural: plural.into(),
                meta_model_name: model.into(),
            }
        })
        .collect())
}

/// `GET /providers/all/`.
pub async fn list(
    State(state): State<AppState>,
    _a: Admin,
    params: Params,
) -> ApiResult<Json<Paginated<ProviderJson>>> {
    let page = params.page()?;
    let f = ProviderFilter {
        application_isnull: params.boolean("application__isnull")?,
        backchannel: params.boolean("backchannel")?,
        search: params.search(),
        order_by: params.ordering(providers::ordering),
    };
    let mut conn = state.store.conn().await?;
    let (rows, count) = providers::list(&mut conn, &f, page).await?;
    let out = providers_json(&mut conn, rows).await?;
    Ok(Json(Paginated::new(out, count, page)?))
}

/// `GET /providers/all/{id}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProviderJson>> {
    let mut conn = state.store.conn().await?;
    let p = providers::get(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    providers_json(&mut conn, vec![p])
        .await?
        .pop()
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// `DELETE /providers/all/{id}/`.
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let p = providers::get(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    providers::delete(&mut tx, id).await?;
    let model = p.provider_type.meta().3.split('.').collect::<Vec<_>>();
    let r = audit::model_ref(
        model.first().copied().unwrap_or_default(),
        model.get(1).copied().unwrap_or_default(),
        p.pk,
        &p.name,
    );
    tx.event(&ctx, &admin.user, "model_deleted", r).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
