//! `/api/v3/oauth2/authorization_codes/`, `/oauth2/access_tokens/`, `/oauth2/refresh_tokens/`
//! (spec §7.1.1): list (`?user=`, `?provider=`, `?search=` over the provider name, ordering by
//! `expires`), retrieve, delete and `used_by`. Superusers see everything, other users only what
//! was issued to them (someone else's is a 404).
use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use castellan_core::oauth2::{AuthorizationCode, IssuedToken, TokenGrant, TokenKind};
use castellan_store::{AnyConnection, oauth2_providers, oauth2_tokens, users};
use serde_json::{Map, Value, json};

use super::providers_oauth2::providers_oauth2_json;
use super::used_by::UsedBy;
use super::user_json::users_json;
use crate::auth::Principal;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::openapi::Operation;
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// Which of the three resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    Codes,
    Tokens(TokenKind),
}

impl Resource {
    fn model_name(self) -> &'static str {
        match self {
            Self::Codes => "authorizationcode",
            Self::Tokens(TokenKind::Access) => "accesstoken",
            Self::Tokens(TokenKind::Refresh) => "refreshtoken",
        }
    }
}

/// One row of any of the three resources.
enum Row {
    Code(AuthorizationCode),
    Token(IssuedToken),
}

impl Row {
    fn pk(&self) -> i64 {
        match self {
            Self::Code(c) => c.pk,
            Self::Token(t) => t.pk,
        }
    }
    fn grant(&self) -> &TokenGrant {
        match self {
            Self::Code(c) => &c.grant,
            Self::Token(t) => &t.grant,
        }
    }
}

fn owner_scope(p: &Principal) -> Option<i64> {
    (!p.is_superuser).then_some(p.user.pk)
}

async fn rows(conn: &mut AnyConnection, r: Resource, user: Option<i64>) -> ApiResult<Vec<Row>> {
    Ok(match r {
        Resource::Codes => oauth2_tokens::codes_for_user(conn, user)
            .await?
            .into_iter()
            .map(Row::Code)
            .collect(),
        Resource::Tokens(kind) => oauth2_tokens::tokens_for_user(conn, kind, user)
            .await?
            .into_iter()
            .map(Row::Token)
            .collect(),
    })
}

/// Serialises rows with their providers and users (loaded once each).
async fn to_json(
    state: &AppState,
    conn: &mut AnyConnection,
    list: Vec<Row>,
) -> ApiResult<Vec<Value>> {
    let providers: HashMap<i64, Value> = {
        let all = oauth2_providers::all(conn).await?;
        providers_oauth2_json(conn, all)
            .await?
            .into_iter()
            .filter_map(|m| Some((m.get("pk")?.as_i64()?, Value::Object(m))))
            .collect()
    };
    let mut user_ids: Vec<i64> = list.iter().map(|r| r.grant().user).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let mut found = Vec::with_capacity(user_ids.len());
    for pk in user_ids {
        if let Some(u) = users::get(conn, pk).await? {
            found.push(u);
        }
    }
    let owners: HashMap<i64, Value> = users_json(conn, found, &state.install_id, true, None)
        .await?
        .into_iter()
        .map(|u| (u.pk, serde_json::to_value(u).unwrap_or_default()))
        .collect();
    let now = state.store.now();
    Ok(list
        .into_iter()
        .map(|row| {
            let g = row.grant();
            let mut m = Map::new();
            m.insert("pk".into(), json!(row.pk()));
            m.insert(
                "provider".into(),
                providers.get(&g.provider).cloned().unwrap_or(Value::Null),
            );
            m.insert(
                "user".into(),
                owners.get(&g.user).cloned().unwrap_or(Value::Null),
            );
            m.insert("is_expired".into(), json!(g.expires < now));
            m.insert("expires".into(), json!(g.expires));
            m.insert("scope".into(), json!(g.scope));
            if let Row::Token(t) = &row {
                m.insert(
                    "id_token".into(),
                    json!(Value::Object(t.id_token.clone()).to_string()),
                );
                m.insert("revoked".into(), json!(t.revoked));
            }
            Value::Object(m)
        })
        .collect())
}

const INVALID_CHOICE: &str =
    "Select a valid choice. That choice is not one of the available choices.";

async fn list(
    r: Resource,
    state: AppState,
    principal: Principal,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    let page = params.page()?;
    let mut conn = state.store.conn().await?;
    let wanted_user = match params.text("user") {
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(pk) if users::get(&mut conn, pk).await?.is_some() => Some(pk),
            _ => return Err(ApiError::field("user", INVALID_CHOICE)),
        },
        None => None,
    };
    let provider = match params.text("provider") {
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(pk) => Some(pk),
            Err(_) => return Err(ApiError::field("provider", INVALID_CHOICE)),
        },
        None => None,
    };
    let scope = owner_scope(&principal);
    if let (Some(owner), Some(u)) = (scope, wanted_user)
        && owner != u
    {
        return Ok(Json(Paginated::new(Vec::new(), 0, page)?));
    }
    let mut list = rows(&mut conn, r, scope.or(wanted_user)).await?;
    list.retain(|row| provider.is_none_or(|p| row.grant().provider == p));
    match params.get("ordering") {
        Some("expires") => list.sort_by_key(|row| row.grant().expires),
        Some("-expires") => list.sort_by_key(|row| std::cmp::Reverse(row.grant().expires)),
        _ => {}
    }
    let mut items = to_json(&state, &mut conn, list).await?;
    if let Some(search) = params.search().map(|s| s.to_lowercase()) {
        items.retain(|i| {
            i["provider"]["name"]
                .as_str()
                .is_some_and(|n| n.to_lowercase().contains(&search))
                || i["user"]["username"]
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().contains(&search))
        });
    }
    let count = items.len() as i64;
    let start = ((page.page - 1) * page.page_size).max(0) as usize;
    let results = items
        .into_iter()
        .skip(start)
        .take(page.page_size as usize)
        .collect();
    Ok(Json(Paginated::new(results, count, page)?))
}

/// Loads a row the caller may see; unknown, malformed and foreign ids are all 404.
async fn load(
    conn: &mut AnyConnection,
    r: Resource,
    principal: &Principal,
    id: &str,
) -> ApiResult<Row> {
    let pk: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let row = match r {
        Resource::Codes => oauth2_tokens::code_by_pk(conn, pk).await?.map(Row::Code),
        Resource::Tokens(kind) => oauth2_tokens::token_by_pk(conn, kind, pk)
            .await?
            .map(Row::Token),
    };
    row.filter(|row| owner_scope(principal).is_none_or(|o| row.grant().user == o))
        .ok_or(ApiError::NotFound)
}

async fn retrieve(
    r: Resource,
    state: AppState,
    principal: Principal,
    id: String,
) -> ApiResult<Json<Value>> {
    let mut conn = state.store.conn().await?;
    let row = load(&mut conn, r, &principal, &id).await?;
    to_json(&state, &mut conn, vec![row])
        .await?
        .pop()
        .map(Json)
        .ok_or(ApiError::NotFound)
}

async fn destroy(
    r: Resource,
    state: AppState,
    principal: Principal,
    ctx: RequestContext,
    id: String,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let row = load(&mut tx, r, &principal, &id).await?;
    match &row {
        Row::Code(c) => oauth2_tokens::delete_code(&mut tx, c.pk).await?,
        Row::Token(t) => oauth2_tokens::delete_token(&mut tx, t.pk).await?,
    }
    let model = crate::audit::model_ref(
        "authentik_providers_oauth2",
        r.model_name(),
        row.pk(),
        &format!("{} {}", r.model_name(), row.pk()),
    );
    tx.event(&ctx, &principal.user, "model_deleted", model)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn used_by(
    r: Resource,
    state: AppState,
    principal: Principal,
    id: String,
) -> ApiResult<Json<Vec<UsedBy>>> {
    let mut conn = state.store.conn().await?;
    load(&mut conn, r, &principal, &id).await?;
    Ok(Json(Vec::new()))
}

fn resource_routes(base: &'static str, r: Resource) -> Router<AppState> {
    let one = format!("{base}{{id}}/");
    let used = format!("{base}{{id}}/used_by/");
    Router::new()
        .route(
            base,
            get(move |State(s): State<AppState>, p: Principal, q: Params| list(r, s, p, q)),
        )
        .route(
            &one,
            get(
                move |State(s): State<AppState>, p: Principal, Path(id): Path<String>| {
                    retrieve(r, s, p, id)
                },
            )
            .delete(
                move |State(s): State<AppState>,
                      p: Principal,
                      ctx: RequestContext,
                      Path(id): Path<String>| destroy(r, s, p, ctx, id),
            ),
        )
        .route(
            &used,
            get(
                move |State(s): State<AppState>, p: Principal, Path(id): Path<String>| {
                    used_by(r, s, p, id)
                },
            ),
        )
}

/// Routes of the three resources, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(resource_routes(
            "/oauth2/authorization_codes/",
            Resource::Codes,
        ))
        .merge(resource_routes(
            "/oauth2/access_tokens/",
            Resource::Tokens(TokenKind::Access),
        ))
        .merge(resource_routes(
            "/oauth2/refresh_tokens/",
            Resource::Tokens(TokenKind::Refresh),
        ))
}

/// Documented operations of the three resources.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/oauth2/access_tokens/",
        "oauth2_access_tokens_list",
        "oauth2",
        Some("PaginatedTokenModelList"),
        200,
    ),
    (
        "get",
        "/oauth2/access_tokens/{id}/",
        "oauth2_access_tokens_retrieve",
        "oauth2",
        Some("TokenModel"),
        200,
    ),
    (
        "delete",
        "/oauth2/access_tokens/{id}/",
        "oauth2_access_tokens_destroy",
        "oauth2",
        None,
        204,
    ),
    (
        "get",
        "/oauth2/access_tokens/{id}/used_by/",
        "oauth2_access_tokens_used_by_list",
        "oauth2",
        Some("[UsedBy]"),
        200,
    ),
    (
        "get",
        "/oauth2/authorization_codes/",
        "oauth2_authorization_codes_list",
        "oauth2",
        Some("PaginatedExpiringBaseGrantModelList"),
        200,
    ),
    (
        "get",
        "/oauth2/authorization_codes/{id}/",
        "oauth2_authorization_codes_retrieve",
        "oauth2",
        Some("ExpiringBaseGrantModel"),
        200,
    ),
    (
        "delete",
        "/oauth2/authorization_codes/{id}/",
        "oauth2_authorization_codes_destroy",
        "oauth2",
        None,
        204,
    ),
    (
        "get",
        "/oauth2/authorization_codes/{id}/used_by/",
        "oauth2_authorization_codes_used_by_list",
        "oauth2",
        Some("[UsedBy]"),
        200,
    ),
    (
        "get",
        "/oauth2/refresh_tokens/",
        "oauth2_refresh_tokens_list",
        "oauth2",
        Some("PaginatedTokenModelList"),
        200,
    ),
    (
        "get",
        "/oauth2/refresh_tokens/{id}/",
        "oauth2_refresh_tokens_retrieve",
        "oauth2",
        Some("TokenModel"),
        200,
    ),
    (
        "delete",
        "/oauth2/refresh_tokens/{id}/",
        "oauth2_refresh_tokens_destroy",
        "oauth2",
        None,
        204,
    ),
    (
        "get",
        "/oauth2/refresh_tokens/{id}/used_by/",
        "oauth2_refresh_tokens_used_by_list",
        "oauth2",
        Some("[UsedBy]"),
        200,
    ),
];
