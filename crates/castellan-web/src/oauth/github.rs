//! GitHub-compatible endpoints (spec §7.1.11) for applications that only speak GitHub's OAuth:
//! `/login/oauth/authorize` (the authorization endpoint with GitHub scopes kept),
//! `/login/oauth/access_token` (the token endpoint), `GET /user` (scope `user:email`) and
//! `GET /user/teams` (scope `read:org`) with GitHub-shaped JSON.
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use castellan_core::oauth2::{IssuedToken, TokenKind};
use castellan_core::user::User;
use castellan_oauth::tokens::token_hash;
use castellan_store::{groups, oauth2_tokens, users};
use http::request::Parts;
use serde_json::{Value, json};

use super::token::parse_form;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `GET /login/oauth/authorize`.
pub async fn authorize(State(state): State<AppState>, parts: Parts) -> ApiResult<Response> {
    let query = parts.uri.query().unwrap_or_default();
    if query.is_empty() {
        return Err(ApiError::NotFound);
    }
    let mut params = parse_form(query.as_bytes());
    // GitHub clients may omit response_type: GitHub's flow is the code flow.
    params
        .entry("response_type".into())
        .or_insert_with(|| "code".into());
    super::authorize::handle(&state, &parts, params, true).await
}

/// The valid access token (`Authorization: token …` or `Bearer …`) and its user, when it carries
/// `scope`.
async fn token_user(
    state: &AppState,
    parts: &Parts,
    scope: &str,
) -> ApiResult<Option<(IssuedToken, User)>> {
    let raw = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| {
            scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer")
        })
        .map(|(_, t)| t.trim().to_string());
    let Some(raw) = raw else {
        return Ok(None);
    };
    let mut conn = state.store.conn().await?;
    let Some(t) = oauth2_tokens::token(&mut conn, TokenKind::Access, &token_hash(&raw)).await?
    else {
        return Ok(None);
    };
    if t.revoked
        || t.grant.expires <= state.store.now()
        || !t.grant.scope.iter().any(|s| s == scope)
    {
        return Ok(None);
    }
    Ok(users::get(&mut conn, t.grant.user)
        .await?
        .filter(|u| u.is_active)
        .map(|u| (t, u)))
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})),
    )
        .into_response()
}

/// `GET /user`.
pub async fn user(State(state): State<AppState>, parts: Parts) -> ApiResult<Response> {
    let Some((_, u)) = token_user(&state, &parts, "user:email").await? else {
        return Ok(unauthorized());
    };
    let joined = u.date_joined.to_rfc3339();
    Ok(axum::Json(json!({
        "login": u.username,
        "id": u.pk,
        "node_id": "",
        "avatar_url": "",
        "gravatar_id": "",
        "url": "",
        "html_url": "",
        "type": "User",
        "site_admin": false,
        "name": u.name,
        "company": "",
        "blog": "",
        "location": "",
        "email": u.email,
        "hireable": false,
        "bio": "",
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": joined,
        "updated_at": joined,
        "private_gists": 0,
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": true,
        "plan": {"name": "None", "space": 0, "private_repos": 0, "collaborators": 0},
    }))
    .into_response())
}

fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// `GET /user/teams`: the user's direct groups as teams.
pub async fn teams(State(state): State<AppState>, parts: Parts) -> ApiResult<Response> {
    let Some((_, u)) = token_user(&state, &parts, "read:org").await? else {
        return Ok(unauthorized());
    };
    let mut conn = state.store.conn().await?;
    let ids = users::direct_groups(&mut conn, &[u.pk])
        .await?
        .remove(&u.pk)
        .unwrap_or_default();
    let mut teams = Vec::new();
    for id in ids {
        if let Some(g) = groups::get(&mut conn, id).await? {
            teams.push(json!({
                "id": g.pk,
                "node_id": "",
                "url": "",
                "html_url": "",
                "name": g.name,
                "slug": slug(&g.name),
                "description": "",
                "privacy": "closed",
                "permission": "pull",
                "members_url": "",
                "repositories_url": "",
                "parent": Value::Null,
                "members_count": 0,
                "repos_count": 0,
                "organization": {"login": "authentik", "id": 1, "name": "authentik"},
            }));
        }
    }
    Ok(axum::Json(Value::Array(teams)).into_response())
}
