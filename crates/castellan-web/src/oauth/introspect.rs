//! `POST /application/o/introspect/` (RFC 7662; spec §7.1.7): the calling client must
//! authenticate, and only its own access and refresh tokens are found (CVE-2024-47077).
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use castellan_core::oauth2::{IssuedToken, OAuth2Provider, TokenKind};
use castellan_oauth::introspection;
use castellan_oauth::tokens::token_hash;
use castellan_store::{AnyConnection, oauth2_tokens};
use http::request::Parts;

use super::token::{Failure, client_with_secret_at, parse_form, respond};
use crate::error::ApiError;
use crate::state::AppState;

/// The calling provider's refresh token with this digest.
async fn own_refresh_token(
    conn: &mut AnyConnection,
    p: &OAuth2Provider,
    hash: &str,
) -> Result<Option<IssuedToken>, Failure> {
    Ok(oauth2_tokens::token(conn, TokenKind::Refresh, hash)
        .await?
        .filter(|t| t.grant.provider == p.base.pk))
}

/// The provider's access or refresh token with this value.
pub async fn own_token(
    conn: &mut AnyConnection,
    p: &OAuth2Provider,
    value: &str,
) -> Result<Option<IssuedToken>, Failure> {
    let hash = token_hash(value);
    for kind in [TokenKind::Access, TokenKind::Refresh] {
        if let Some(t) = oauth2_tokens::token(&mut *conn, kind, &hash).await?
            && t.grant.provider == p.base.pk
        {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// `POST /application/o/introspect/`.
pub async fn introspect(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Response {
    let form = parse_form(&body);
    let result = async {
        let value = form.get("token").map(String::as_str).unwrap_or_default();
        // One statement reads the access token (the usual question) and the configuration
        // version the client's cached provider is checked against; on an SQLite file it runs on
        // the direct path, and a cached provider needs no pooled connection at all.
        let hash = token_hash(value);
        let mut reader = state.store.reader().await.map_err(ApiError::from)?;
        let (access, version) =
            oauth2_tokens::token_with_config_version(reader.db(), TokenKind::Access, &hash).await?;
        drop(reader);
        let (config, creds) = client_with_secret_at(&state, &parts, &form, version).await?;
        let token = match access.filter(|t| t.grant.provider == config.provider.base.pk) {
            Some(t) => Some(t),
            None => {
                let mut conn = state.store.conn().await.map_err(ApiError::from)?;
                own_refresh_token(&mut conn, &config.provider, &hash).await?
            }
        };
        Ok(introspection::response(
            token.as_ref(),
            &creds.client_id,
            state.store.now(),
        ))
    }
    .await;
    respond(result, HeaderMap::new())
}
