//! `GET /.well-known/webfinger?resource=…` (RFC 7033; OpenID Connect Discovery 1.0 §2; spec
//! §7.1.9): the issuer of the brand's default application, when it has an OAuth2 provider.
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use castellan_core::brand::match_brand;
use castellan_store::{applications, brands, oauth2_providers};
use http::request::Parts;
use serde_json::json;

use super::token::parse_form;
use crate::context::base_url;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `GET /.well-known/webfinger`.
pub async fn webfinger(State(state): State<AppState>, parts: Parts) -> ApiResult<Response> {
    let params = parse_form(parts.uri.query().unwrap_or_default().as_bytes());
    let resource = params.get("resource").cloned().unwrap_or_default();
    if resource.is_empty() {
        return Err(ApiError::BadRequest("resource is required".into()));
    }
    let mut conn = state.store.conn().await?;
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let brand = match_brand(&brands::all(&mut conn).await?, host);
    let application = match brand.default_application {
        Some(pk) => applications::get(&mut conn, pk).await?,
        None => None,
    }
    .ok_or(ApiError::NotFound)?;
    let provider = match application.provider {
        Some(pk) => oauth2_providers::get(&mut conn, pk).await?,
        None => None,
    }
    .ok_or(ApiError::NotFound)?;
    let issuer = super::provider::issuer(&provider, &base_url(&parts, &state), &application);
    let body = json!({
        "subject": resource,
        "links": [{"rel": "http://openid.net/specs/connect/1.0/issuer", "href": issuer}],
    });
    let mut res = (StatusCode::OK, axum::Json(body)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jrd+json"),
    );
    Ok(res)
}
