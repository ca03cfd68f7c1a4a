//! `GET /application/o/<slug>/end-session/` (OpenID Connect RP-Initiated Logout 1.0 §2–3; spec
//! §7.1.8): runs the provider's invalidation flow (else the brand's). 2024.10 ignored
//! `post_logout_redirect_uri` and `state`; here a `post_logout_redirect_uri` that matches one of
//! the provider's redirect URIs ends the flow at that URI (with `state`), otherwise the flow ends
//! on the session-end page. An `id_token_hint` may name only this provider's client.
use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use castellan_core::brand::match_brand;
use castellan_flows::context::{APPLICATION, REDIRECT};
use castellan_flows::plan::PlanEntry;
use castellan_flows::{SESSION_END, planner};
use castellan_oauth::authorize_response::redirect_url;
use castellan_oauth::redirect_uri::{RedirectCheck, check};
use castellan_oauth::response_type::ResponseMode;
use castellan_store::{brands, flows};
use http::request::Parts;
use serde_json::{Map, Value, json};

use super::authorize::error_page;
use super::token::parse_form;
use super::{flow_start, provider};
use crate::auth::{SESSION_COOKIE, cookie};
use crate::error::{ApiError, ApiResult};
use crate::flow::env::StoreFlowEnv;
use crate::flow::pages::redirect;
use crate::flow::{session, user_json};
use crate::state::AppState;

/// Whether an unverified `id_token_hint` names another client (`aud`); encrypted or opaque
/// hints are not judged.
fn hint_for_other_client(hint: &str, client_id: &str) -> bool {
    let Ok(header) = castellan_crypto::jose::jwt_header(hint) else {
        return false;
    };
    if header.get("enc").is_some() {
        return false;
    }
    let Some(payload) = hint.split('.').nth(1) else {
        return false;
    };
    use base64::Engine;
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload) else {
        return false;
    };
    let Ok(claims) = serde_json::from_slice::<Value>(&bytes) else {
        return false;
    };
    match claims.get("aud") {
        Some(Value::String(a)) => a != client_id,
        Some(Value::Array(list)) => !list.iter().any(|a| a.as_str() == Some(client_id)),
        _ => false,
    }
}

/// `GET /application/o/<slug>/end-session/`.
pub async fn end_session(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    parts: Parts,
) -> ApiResult<Response> {
    let params: BTreeMap<String, String> =
        parse_form(parts.uri.query().unwrap_or_default().as_bytes());
    let mut conn = state.store.conn().await?;
    let resolved = provider::by_slug(&mut conn, &slug)
        .await?
        .ok_or(ApiError::NotFound)?;
    let p = &resolved.provider;
    if let Some(hint) = params.get("id_token_hint")
        && hint_for_other_client(hint, &p.client_id)
    {
        return Ok(error_page(
            StatusCode::BAD_REQUEST,
            "Logout Error",
            "The ID token hint was issued to another client.",
        ));
    }
    let back = params
        .get("post_logout_redirect_uri")
        .filter(|uri| matches!(check(&p.redirect_uris, uri), RedirectCheck::Allowed))
        .map(|uri| {
            let state_param: Vec<(&str, String)> = params
                .get("state")
                .map(|s| vec![("state", s.clone())])
                .unwrap_or_default();
            redirect_url(uri, ResponseMode::Query, &state_param)
        });
    let raw = cookie(&parts, SESSION_COOKIE);
    let mut sess = session::load(&state, &mut conn, raw.as_deref()).await?;
    let user = match sess.user {
        Some(pk) => user_json::load(&state, &mut conn, pk).await?,
        None => None,
    };
    let Some(user) = user else {
        return Ok(match back {
            Some(to) => redirect(HeaderMap::new(), &to),
            None => redirect(HeaderMap::new(), "/flows/-/default/authentication/"),
        });
    };
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let brand = match_brand(&brands::all(&mut conn).await?, host);
    let flow = match p.base.invalidation_flow.or(brand.flow_invalidation) {
        Some(pk) => flows::get(&mut conn, pk).await?,
        None => None,
    };
    let flow = flow.ok_or(ApiError::NotFound)?;
    let (ctx, request) = flow_start::flow_request(&state, &parts, &user);
    let mut env = StoreFlowEnv::new(state.clone(), conn, ctx);
    let mut context = Map::new();
    let application = &resolved.application;
    context.insert(
        APPLICATION.into(),
        json!({"pk": application.pk, "name": application.name, "slug": application.slug}),
    );
    let mut plan = match planner::plan(&flow, &mut env, &request, context).await? {
        Ok(plan) => plan,
        Err(denied) => {
            return Ok(error_page(
                StatusCode::FORBIDDEN,
                "Permission denied",
                &denied.message(),
            ));
        }
    };
    match back {
        Some(to) => {
            plan.context.insert(REDIRECT.into(), Value::String(to));
        }
        None => plan.append_stage(PlanEntry::in_memory(SESSION_END, "Session end", Map::new())),
    }
    let mut conn = env.conn;
    flow_start::save_and_go(&state, &mut conn, &mut sess, &plan, &flow.slug).await
}
