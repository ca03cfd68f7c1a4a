//! `GET|POST /application/o/userinfo/` (OIDC Core §5.3, RFC 6750 §3; spec §7.1.6): the claims of
//! the access token's scopes, evaluated now, with the token's `sub`.
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use castellan_core::oauth2::TokenKind;
use castellan_oauth::bearer::{bearer_token, www_authenticate};
use castellan_oauth::error::ErrorCode;
use castellan_oauth::tokens::token_hash;
use castellan_store::{oauth2_tokens, users};
use http::request::Parts;
use serde_json::{Map, Value, json};

use super::token::parse_form;
use super::{cors, events};
use crate::error::ApiResult;
use crate::state::AppState;

fn refuse(status: StatusCode, code: ErrorCode, description: &str) -> Response {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&www_authenticate(code, description)) {
        headers.insert(header::WWW_AUTHENTICATE, v);
    }
    let body = json!({"error": code.as_str(), "error_description": description});
    (status, headers, axum::Json(body)).into_response()
}

/// `GET|POST /application/o/userinfo/`.
pub async fn userinfo(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut form = parse_form(parts.uri.query().unwrap_or_default().as_bytes());
    form.extend(parse_form(&body));
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let Some(raw) = bearer_token(authorization, &form) else {
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidRequest,
            "Token is missing",
        ));
    };
    // A connection of the shared pool is taken only if a cache is behind or a mapping needs one:
    // the token and the user are read on the direct path.
    let mut conn = state.store.lazy();
    let now = state.store.now();
    let mut reader = state.store.reader().await?;
    let (token, version) =
        oauth2_tokens::token_with_config_version(reader.db(), TokenKind::Access, &token_hash(&raw))
            .await?;
    // The user with its direct groups (the group hierarchy comes from the cache).
    let user = match &token {
        Some(t) => Some(users::get_with_config_version(reader.db(), t.grant.user).await?),
        None => None,
    };
    drop(reader);
    let Some(token) = token else {
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidToken,
            "Token is invalid",
        ));
    };
    if token.revoked {
        events::suspicious(
            &state,
            conn.get().await?,
            &parts,
            token.grant.user,
            json!({"message": "Revoked access token used"}),
        )
        .await?;
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidToken,
            "Token is invalid",
        ));
    }
    if token.grant.expires <= now {
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidToken,
            "Token has expired",
        ));
    }
    if !token.grant.scope.iter().any(|s| s == "openid") {
        return Ok(refuse(
            StatusCode::FORBIDDEN,
            ErrorCode::InsufficientScope,
            "Token does not have the openid scope",
        ));
    }
    let providers = &state.flows.oauth_providers;
    let config = match providers.fresh_by_pk(token.grant.provider, version) {
        Some(config) => Some(config),
        None => {
            providers
                .get_by_pk_at(
                    &state,
                    conn.get().await?,
                    token.grant.provider,
                    Some(version),
                )
                .await?
        }
    };
    let (found, user_version) = user.unwrap_or((None, version));
    let (Some(config), Some((user, direct))) = (config, found) else {
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidToken,
            "Token is invalid",
        ));
    };
    let context = json!({"scope": token.grant.scope, "user": user.pk});
    let p = &config.provider;
    let all = match state.flows.groups.fresh(user_version) {
        Some(all) => all,
        None => {
            state
                .flows
                .groups
                .at(conn.get().await?, user_version)
                .await?
        }
    };
    let subject = crate::oauth_claims::claims_user(&user, &all, &direct, &state.install_id);
    let mappings = crate::oauth_claims::select(&config.mappings, Some(&token.grant.scope));
    let claims =
        crate::oauth_claims::claims_of(&state, &mut conn, p, &subject, &mappings, &context).await?;
    let mut out = Map::new();
    out.insert(
        "sub".into(),
        token.id_token.get("sub").cloned().unwrap_or(Value::Null),
    );
    for (k, v) in claims {
        if k != "sub" {
            out.insert(k, v);
        }
    }
    if let Some(nonce) = token.id_token.get("nonce") {
        out.insert("nonce".into(), nonce.clone());
    }
    let mut headers = HeaderMap::new();
    cors::allow_redirect_origins(&parts, p, &mut headers);
    Ok((StatusCode::OK, headers, axum::Json(Value::Object(out))).into_response())
}
