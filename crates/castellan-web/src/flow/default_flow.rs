//! `/flows/-/default/<designation>/` and `/flows/-/cancel/` (spec §3.8): resolve the brand's
//! flow for a designation and send the browser to its page; cancel drops the running plan.
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use castellan_core::brand::match_brand;
use castellan_core::flow::FlowDesignation;
use castellan_flows::plan::{SESSION_PLAN, SESSION_QUERY};
use castellan_store::{brands, flows};
use http::request::Parts;

use crate::auth::{SESSION_COOKIE, cookie};
use crate::error::{ApiError, ApiResult};
use crate::flow::session;
use crate::state::AppState;

fn redirect(to: &str) -> Response {
    let mut res = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Redirects to the flow page of the brand's (or the first) flow of a designation.
pub async fn default_flow(
    State(state): State<AppState>,
    Path(designation): Path<String>,
    parts: Parts,
) -> ApiResult<Response> {
    let designation = FlowDesignation::parse(&designation).ok_or(ApiError::NotFound)?;
    let mut conn = state.store.conn().await?;
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let brand = match_brand(&brands::all(&mut conn).await?, host);
    let preferred = match designation {
        FlowDesignation::Authentication => brand.flow_authentication,
        FlowDesignation::Invalidation => brand.flow_invalidation,
        FlowDesignation::Recovery => brand.flow_recovery,
        FlowDesignation::Unenrollment => brand.flow_unenrollment,
        _ => None,
    };
    let slug = match preferred {
        Some(pk) => flows::get(&mut conn, pk).await?.map(|f| f.slug),
        None => None,
    };
    let slug = match slug {
        Some(s) => s,
        None => flows::first_by_designation(&mut conn, designation.as_str())
            .await?
            .map(|f| f.slug)
            .ok_or(ApiError::NotFound)?,
    };
    let query = parts
        .uri
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    Ok(redirect(&format!("/if/flow/{slug}/{query}")))
}

/// Drops the running plan and goes to the default invalidation flow.
pub async fn cancel(State(state): State<AppState>, parts: Parts) -> ApiResult<Response> {
    let mut conn = state.store.conn().await?;
    let raw = cookie(&parts, SESSION_COOKIE);
    let mut sess = session::load(&state, &mut conn, raw.as_deref()).await?;
    if sess.key.is_some() {
        sess.data.remove(SESSION_PLAN);
        sess.data.remove(SESSION_QUERY);
        sess.data.remove("authentik/flows/application_pre");
        session::save(&state, &mut conn, &mut sess, state.store.now()).await?;
    }
    Ok(redirect("/flows/-/default/invalidation/"))
}
