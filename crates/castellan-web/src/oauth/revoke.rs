//! `POST /application/o/revoke/` (RFC 7009 §2; spec §7.1.7): the calling client must
//! authenticate; its own access or refresh token is deleted (2024.10 deleted any provider's
//! token); an unknown token is answered 200 like a revoked one.
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use castellan_store::oauth2_tokens;
use http::request::Parts;
use serde_json::json;

use super::introspect::own_token;
use super::token::{client, parse_form, respond};
use crate::error::ApiError;
use crate::state::AppState;

/// `POST /application/o/revoke/`.
pub async fn revoke(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Response {
    let form = parse_form(&body);
    let result = async {
        let mut conn = state.store.conn().await.map_err(ApiError::from)?;
        let (config, _) = client(&state, &mut conn, &parts, &form, true).await?;
        let value = form.get("token").map(String::as_str).unwrap_or_default();
        if let Some(t) = own_token(&mut conn, &config.provider, value).await? {
            oauth2_tokens::delete_token(&mut conn, t.pk).await?;
        }
        Ok(json!({}))
    }
    .await;
    respond(result, HeaderMap::new())
}
