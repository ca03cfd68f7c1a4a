//! `/api/v3/core/tokens/` (lookup by `identifier`) with `view_key` and `set_key` (spec §1.6).
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use castellan_core::token::{DEFAULT_TOKEN_LENGTH, Token, TokenIntent};
use castellan_crypto::token::generate_key;
use castellan_store::tokens::{self, TokenFilter};
use castellan_store::{AnyConnection, users};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::user_json::{UserJson, user_json};
use crate::audit;
use crate::auth::Admin;
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Fields, TEXT_MAX};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// `Token`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Token)]
pub struct TokenJson {
    /// Token UUID.
    pub pk: Uuid,
    /// Managed key.
    pub managed: Option<String>,
    /// Identifier.
    pub identifier: String,
    /// Intent.
    #[schema(value_type = super::enums::IntentEnum, required = false)]
    pub intent: String,
    /// Owner id.
    #[schema(required = false)]
    pub user: i64,
    /// Owner.
    pub user_obj: UserJson,
    /// Description.
    #[schema(required = false)]
    pub description: String,
    /// Expiry.
    pub expires: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether it expires.
    #[schema(required = false)]
    pub expiring: bool,
}

/// `TokenView`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// The secret key.
    pub key: String,
}

/// The audit model reference of a token (shared with the user interface).
pub(crate) fn model_ref(t: &Token) -> Value {
    audit::model_ref("authentik_core", "token", t.token_uuid, &t.identifier)
}

async fn to_json(conn: &mut AnyConnection, state: &AppState, t: Token) -> ApiResult<TokenJson> {
    let owner = users::get(conn, t.user)
        .await?
        .ok_or_else(|| ApiError::Internal("token owner missing".into()))?;
    Ok(TokenJson {
        pk: t.token_uuid,
        managed: t.managed,
        identifier: t.identifier,
        intent: t.intent.as_str().into(),
        user: t.user,
        user_obj: user_json(conn, owner, &state.install_id).await?,
        description: t.description,
        expires: t.expires,
        expiring: t.expiring,
    })
}

/// `GET /core/tokens/`.
pub async fn list(
    State(state): State<AppState>,
    _a: Admin,
    params: Params,
) -> ApiResult<Json<Paginated<TokenJson>>> {
    let page = params.page()?;
    let intent = match params.text("intent") {
        Some(i) => Some(TokenIntent::parse(&i).ok_or_else(|| {
            ApiError::field(
                "intent",
                format!("Select a valid choice. {i} is not one of the available choices."),
            )
        })?),
        None => None,
    };
    let f = TokenFilter {
        identifier: params.text("identifier"),
        intent,
        user: None,
        user_username: params.text("user__username"),
        description: params.text("description"),
        managed: params.text("managed"),
        expiring: params.boolean("expiring")?,
        search: params.search(),
        order_by: params.ordering(tokens::ordering),
    };
    let mut conn = state.store.conn().await?;
    let (rows, count) = tokens::list(&mut conn, &f, page).await?;
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        out.push(to_json(&mut conn, &state, t).await?);
    }
    Ok(Json(Paginated::new(out, count, page)?))
}

async fn load(conn: &mut AnyConnection, identifier: &str) -> ApiResult<Token> {
    tokens::get_by_identifier(conn, identifier)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `GET /core/tokens/{identifier}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    _a: Admin,
    Path(identifier): Path<String>,
) -> ApiResult<Json<TokenJson>> {
    let mut conn = state.store.conn().await?;
    let t = load(&mut conn, &identifier).await?;
    Ok(Json(to_json(&mut conn, &state, t).await?))
}

/// Validates a body into a token (`now` starts the default expiry of new API tokens); shared
/// with blueprints.
pub async fn validate(
    conn: &mut AnyConnection,
    now: chrono::DateTime<chrono::Utc>,
    admin_pk: i64,
    body: &Map<String, Value>,
    partial: bool,
    mut t: Token,
    existing: bool,
) -> ApiResult<Token> {
    let mut f = Fields::new(body, partial);
    if let Some(v) = f.string("identifier", true, false, 255) {
        if let Err(e) = castellan_core::application::validate_slug("identifier", &v, 255) {
            f.error("identifier", e.message);
        }
        t.identifier = v;
    }
    if let Some(v) = f.choice("intent", &TokenIntent::ALL.map(TokenIntent::as_str)) {
        t.intent = TokenIntent::parse(&v).unwrap_or_default();
    }
    if let Some(v) = f.integer("user", false) {
        t.user = v;
    } else if !existing {
        t.user = admin_pk;
    }
    if let Some(v) = f.string("description", false, true, TEXT_MAX) {
        t.description = v;
    }
    if let Some(v) = f.nullable_datetime("expires") {
        t.expires = v;
    }
    if let Some(v) = f.boolean("expiring") {
        t.expiring = v;
    }
    if let Some(v) = f.nullable_string("managed", TEXT_MAX) {
        t.managed = v.filter(|m| !m.is_empty());
    }
    if !existing && !matches!(t.intent, TokenIntent::Api | TokenIntent::AppPassword) {
        f.error("intent", "Only api and app_password tokens can be created.");
    }
    if t.intent == TokenIntent::Api && !existing {
        t.expires = Some(now + castellan_core::token::default_token_duration());
    }
    if !f.has_error("identifier")
        && tokens::identifier_taken(conn, &t.identifier, existing.then_some(t.token_uuid)).await?
    {
        f.error("identifier", "This field must be unique.");
    }
    if !f.has_error("user") && users::get(conn, t.user).await?.is_none() {
        f.error(
            "user",
            format!("Invalid pk \"{}\" - object does not exist.", t.user),
        );
    }
    f.finish()?;
    Ok(t)
}

/// `POST /core/tokens/`.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let now = state.store.now();
    let blank = Token {
        token_uuid: Uuid::new_v4(),
        identifier: String::new(),
        key: generate_key(DEFAULT_TOKEN_LENGTH),
        intent: TokenIntent::Api,
        user: admin.user.pk,
        description: String::new(),
        expires: Some(now + castellan_core::token::default_token_duration()),
        expiring: true,
        managed: None,
    };
    let mut tx = Write::begin(&state.store).await?;
    let t = validate(&mut tx, now, admin.user.pk, &body, false, blank, false).await?;
    tokens::save(&mut tx, &t, true).await?;
    tx.event(&ctx, &admin.user, "model_created", model_ref(&t))
        .await?;
    let out = to_json(&mut tx, &state, t).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn write(
    state: &AppState,
    admin: &Admin,
    ctx: &RequestContext,
    identifier: &str,
    body: &Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<TokenJson>> {
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, identifier).await?;
    let t = validate(
        &mut tx,
        state.store.now(),
        admin.0.user.pk,
        body,
        partial,
        before,
        true,
    )
    .await?;
    tokens::save(&mut tx, &t, false).await?;
    tx.event(ctx, &admin.0.user, "model_updated", model_ref(&t))
        .await?;
    let out = to_json(&mut tx, state, t).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// `PUT /core/tokens/{identifier}/`.
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<TokenJson>> {
    write(&state, &admin, &ctx, &id, &body, false).await
}

/// `PATCH /core/tokens/{identifier}/`.
pub async fn partial_update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<TokenJson>> {
    write(&state, &admin, &ctx, &id, &body, true).await
}

/// `DELETE /core/tokens/{identifier}/`.
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let t = load(&mut tx, &id).await?;
    tokens::delete(&mut tx, &id).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&t))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /core/tokens/{identifier}/view_key/` (logs `secret_view`).
pub async fn view_key(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenView>> {
    let mut tx = Write::begin(&state.store).await?;
    let now = tx.now();
    let t = load(&mut tx, &id).await?;
    audit::record(
        &mut tx,
        now,
        &ctx,
        Some(&admin.user),
        "secret_view",
        "authentik.core",
        json!({"secret": model_ref(&t)}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(TokenView { key: t.key }))
}

/// `POST /core/tokens/{identifier}/set_key/`.
pub async fn set_key(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let mut f = Fields::new(&body, false);
    let key = f.string("key", true, false, 512);
    f.finish()?;
    let mut tx = Write::begin(&state.store).await?;
    let mut t = load(&mut tx, &id).await?;
    t.key = key.unwrap_or_default();
    tokens::save(&mut tx, &t, false).await?;
    tx.event(&ctx, &admin.user, "model_updated", model_ref(&t))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
