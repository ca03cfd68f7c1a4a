//! `/application/o/<slug>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4),
//! `/application/o/<slug>/jwks/` (RFC 7517 §5) and `/application/o/<slug>/` (a redirect to the
//! discovery document); spec §7.1.9.
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use castellan_crypto::jose::{KeyUse, public_jwk};
use castellan_oauth::discovery::{DiscoveryInput, document};
use castellan_store::certificates;
use http::request::Parts;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::cors;
use super::provider::{self, Resolved};
use crate::context::base_url;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// `GET /application/o/<slug>/`: redirects to the discovery document.
pub async fn provider_root(Path(slug): Path<String>) -> Response {
    let to = format!("/application/o/{slug}/.well-known/openid-configuration");
    let mut res = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// `GET /application/o/<slug>/.well-known/openid-configuration`.
pub async fn configuration(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    parts: Parts,
) -> ApiResult<Response> {
    let mut conn = state.store.conn().await?;
    let Resolved {
        provider: p,
        application,
    } = provider::by_slug(&mut conn, &slug)
        .await?
        .ok_or(ApiError::NotFound)?;
    let base = base_url(&parts, &state);
    let keys = state.flows.oauth_keys.for_provider(&mut conn, &p).await?;
    let mappings = provider::mappings(&mut conn, &p).await?;
    let claims = crate::oauth_claims::claim_names(&state, &mut conn, &p).await?;
    let issuer = provider::issuer(&p, &base, &application);
    let doc = document(DiscoveryInput {
        issuer: &issuer,
        base_url: &base,
        app_slug: &application.slug,
        signing_alg: keys.signer.alg().as_str(),
        scopes: provider::scope_names(&mappings),
        claims,
        encryption: p.encryption_key.is_some(),
    });
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    cors::allow_redirect_origins(&parts, &p, &mut headers);
    Ok((StatusCode::OK, headers, pretty(&doc)).into_response())
}

async fn jwk(
    conn: &mut castellan_store::AnyConnection,
    id: Uuid,
    key_use: KeyUse,
) -> ApiResult<Option<Map<String, Value>>> {
    let Some(kp) = certificates::get(conn, id).await? else {
        return Ok(None);
    };
    if kp.key_data.is_empty() {
        return Ok(None);
    }
    public_jwk(&kp.certificate_data, &kp.key_data, key_use)
        .map(Some)
        .map_err(|e| ApiError::Internal(format!("JWKS of key {id}: {e}")))
}

/// `GET /application/o/<slug>/jwks/`: the signing key (`use: sig`) and the encryption key
/// (`use: enc`); `{}` when the provider signs with HS256 and encrypts nothing.
pub async fn jwks(State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult<Response> {
    let mut conn = state.store.conn().await?;
    let Resolved { provider: p, .. } = provider::by_slug(&mut conn, &slug)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut keys = Vec::new();
    if let Some(id) = p.signing_key
        && let Some(k) = jwk(&mut conn, id, KeyUse::Sig).await?
    {
        keys.push(Value::Object(k));
    }
    if let Some(id) = p.encryption_key
        && let Some(k) = jwk(&mut conn, id, KeyUse::Enc).await?
    {
        keys.push(Value::Object(k));
    }
    let body = if keys.is_empty() {
        json!({})
    } else {
        json!({ "keys": keys })
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok((StatusCode::OK, headers, pretty(&body)).into_response())
}
