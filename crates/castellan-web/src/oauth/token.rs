//! `POST /application/o/token/` (RFC 6749 §3.2, §5; spec §7.1.4): CSRF-exempt, form-encoded,
//! answered with JSON, `Cache-Control: no-store`; dispatches on `grant_type`.
use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use castellan_core::oauth2::ClientType;
use castellan_oauth::client_auth::{self, ClientCredentials};
use castellan_oauth::error::{ErrorCode, TokenError};
use castellan_store::{AnyConnection, LazyConn};
use http::request::Parts;
use serde_json::Value;

use super::provider::ProviderConfig;
use super::{cors, token_client, token_code, token_device, token_refresh};
use crate::error::ApiError;
use crate::state::AppState;

/// Why a token request failed: an OAuth error for the client, or an internal one.
#[derive(Debug)]
pub enum Failure {
    /// `{"error": …}` with its status.
    OAuth(TokenError),
    /// A server-side failure.
    Api(ApiError),
}

impl From<TokenError> for Failure {
    fn from(e: TokenError) -> Self {
        Self::OAuth(e)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<castellan_store::StoreError> for Failure {
    fn from(e: castellan_store::StoreError) -> Self {
        Self::Api(e.into())
    }
}

/// Result of a grant.
pub type GrantResult = Result<Value, Failure>;

/// A form-encoded body as a map (later duplicates win, as Django's `QueryDict.get`).
pub fn parse_form(body: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// An OAuth error from a code and a description.
pub fn oauth(code: ErrorCode, description: &str) -> Failure {
    Failure::OAuth(TokenError::new(code, description))
}

/// The authenticated client of a token-style request: the provider named by the credentials
/// (`invalid_client` when unknown) and, when `require_secret` and the client is confidential, or
/// whenever a confidential client sends a secret, a matching secret.
pub async fn client(
    state: &AppState,
    conn: &mut AnyConnection,
    parts: &Parts,
    form: &BTreeMap<String, String>,
    require_secret: bool,
) -> Result<(Arc<ProviderConfig>, ClientCredentials), Failure> {
    client_at(state, conn, parts, form, require_secret, None).await
}

/// [`client`] at a configuration `version` already read in this request.
pub async fn client_at(
    state: &AppState,
    conn: &mut AnyConnection,
    parts: &Parts,
    form: &BTreeMap<String, String>,
    require_secret: bool,
    version: Option<i64>,
) -> Result<(Arc<ProviderConfig>, ClientCredentials), Failure> {
    let creds = credentials(parts, form)?;
    let config = state
        .flows
        .oauth_providers
        .get_at(state, conn, &creds.client_id, version)
        .await?
        .ok_or_else(|| oauth(ErrorCode::InvalidClient, "Client authentication failed"))?;
    authenticate(&config, &creds, require_secret)?;
    Ok((config, creds))
}

/// [`client`] at the configuration `version` this request read; `conn` is taken from the pool
/// only when the provider is not cached at that version.
pub async fn client_lazy(
    state: &AppState,
    conn: &mut LazyConn<'_>,
    parts: &Parts,
    form: &BTreeMap<String, String>,
    version: i64,
) -> Result<Arc<ProviderConfig>, Failure> {
    let creds = credentials(parts, form)?;
    let config = match state.flows.oauth_providers.fresh(&creds.client_id, version) {
        Some(config) => config,
        None => state
            .flows
            .oauth_providers
            .get_at(state, conn.get().await?, &creds.client_id, Some(version))
            .await?
            .ok_or_else(|| oauth(ErrorCode::InvalidClient, "Client authentication failed"))?,
    };
    authenticate(&config, &creds, true)?;
    Ok(config)
}

/// The client credentials of a request (`invalid_client` when there are none).
fn credentials(
    parts: &Parts,
    form: &BTreeMap<String, String>,
) -> Result<ClientCredentials, Failure> {
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    client_auth::from_request(authorization, form)?
        .ok_or_else(|| oauth(ErrorCode::InvalidClient, "Client authentication failed"))
}

/// Checks the secret of [`client`]'s rules.
fn authenticate(
    config: &ProviderConfig,
    creds: &ClientCredentials,
    require_secret: bool,
) -> Result<(), Failure> {
    let p = &config.provider;
    let must_check = require_secret && p.client_type == ClientType::Confidential;
    if must_check || creds.client_secret.is_some() && p.client_type == ClientType::Confidential {
        let presented = creds.client_secret.as_deref().unwrap_or_default();
        if !client_auth::secret_matches(&p.client_secret, presented) {
            return Err(oauth(
                ErrorCode::InvalidClient,
                "Client authentication failed",
            ));
        }
    }
    Ok(())
}

/// Like [`client`], but every client type must present its secret (introspection: RFC 7662 §2.1
/// requires the caller to be authorized).
pub async fn client_with_secret(
    state: &AppState,
    conn: &mut AnyConnection,
    parts: &Parts,
    form: &BTreeMap<String, String>,
    version: Option<i64>,
) -> Result<(Arc<ProviderConfig>, ClientCredentials), Failure> {
    let (p, creds) = client_at(state, conn, parts, form, true, version).await?;
    secret_presented(&p, &creds)?;
    Ok((p, creds))
}

/// [`client_with_secret`] at the configuration `version` this request read; a pooled
/// connection is taken only when the provider is not cached at that version.
pub async fn client_with_secret_at(
    state: &AppState,
    parts: &Parts,
    form: &BTreeMap<String, String>,
    version: i64,
) -> Result<(Arc<ProviderConfig>, ClientCredentials), Failure> {
    let creds = credentials(parts, form)?;
    let Some(config) = state.flows.oauth_providers.fresh(&creds.client_id, version) else {
        let mut conn = state.store.conn().await.map_err(ApiError::from)?;
        return client_with_secret(state, &mut conn, parts, form, Some(version)).await;
    };
    secret_presented(&config, &creds)?;
    Ok((config, creds))
}

/// Whatever its type, the client presented its secret.
fn secret_presented(config: &ProviderConfig, creds: &ClientCredentials) -> Result<(), Failure> {
    let presented = creds.client_secret.as_deref().unwrap_or_default();
    if !client_auth::secret_matches(&config.provider.client_secret, presented) {
        return Err(oauth(
            ErrorCode::InvalidClient,
            "Client authentication failed",
        ));
    }
    Ok(())
}

fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// Renders a grant's outcome.
pub fn respond(result: GrantResult, mut headers: HeaderMap) -> Response {
    no_store(&mut headers);
    match result {
        Ok(body) => (StatusCode::OK, headers, axum::Json(body)).into_response(),
        Err(Failure::OAuth(e)) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            if status == StatusCode::UNAUTHORIZED {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"authentik\""),
                );
            }
            (status, headers, axum::Json(e.body())).into_response()
        }
        Err(Failure::Api(e)) => e.into_response(),
    }
}

/// `POST /application/o/token/`.
pub async fn token(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Response {
    let form = parse_form(&body);
    let mut headers = HeaderMap::new();
    let result = dispatch(&state, &parts, &form, &mut headers).await;
    respond(result, headers)
}

async fn dispatch(
    state: &AppState,
    parts: &Parts,
    form: &BTreeMap<String, String>,
    headers: &mut HeaderMap,
) -> GrantResult {
    let grant = form
        .get("grant_type")
        .map(String::as_str)
        .unwrap_or_default();
    let result = match grant {
        "authorization_code" => token_code::exchange(state, parts, form).await,
        "refresh_token" => token_refresh::refresh(state, parts, form).await,
        "client_credentials" | "password" => token_client::grant(state, parts, form).await,
        "urn:ietf:params:oauth:grant-type:device_code" => {
            token_device::poll(state, parts, form).await
        }
        "" => Err(oauth(ErrorCode::InvalidRequest, "Missing grant_type")),
        _ => Err(oauth(
            ErrorCode::UnsupportedGrantType,
            "Unsupported grant type",
        )),
    };
    if !parts.headers.contains_key(header::ORIGIN) {
        return result;
    }
    if let Some(client_id) = form
        .get("client_id")
        .cloned()
        .or_else(|| basic_client_id(parts))
    {
        let mut conn = state.store.conn().await.map_err(ApiError::from)?;
        if let Some(c) = state
            .flows
            .oauth_providers
            .get(state, &mut conn, &client_id)
            .await?
        {
            cors::allow_redirect_origins(parts, &c.provider, headers);
        }
    }
    result
}

fn basic_client_id(parts: &Parts) -> Option<String> {
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    client_auth::from_request(authorization, &BTreeMap::new())
        .ok()
        .flatten()
        .map(|c| c.client_id)
}
