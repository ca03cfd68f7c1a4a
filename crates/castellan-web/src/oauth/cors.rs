//! CORS for the token, userinfo and discovery endpoints (spec §7.1.4): an `Origin` equal to the
//! scheme, host and port of one of the provider's redirect URIs is allowed with credentials;
//! preflights are always answered.
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use castellan_core::oauth2::OAuth2Provider;
use http::request::Parts;

/// Adds `Access-Control-Allow-Origin: <origin>` and `…-Credentials: true` when the request's
/// `Origin` is one of the provider's redirect URI origins.
pub fn allow_redirect_origins(parts: &Parts, provider: &OAuth2Provider, headers: &mut HeaderMap) {
    let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    let allowed = castellan_oauth::redirect_uri::origins(&provider.redirect_uris);
    if !allowed.iter().any(|o| o == origin) {
        return;
    }
    if let Ok(v) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

/// `OPTIONS` preflight: always allowed, echoing the requested headers.
pub async fn preflight(parts: Parts) -> Response {
    let mut headers = HeaderMap::new();
    if let Some(origin) = parts.headers.get(header::ORIGIN) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    }
    if let Some(requested) = parts.headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    (StatusCode::OK, headers).into_response()
}
