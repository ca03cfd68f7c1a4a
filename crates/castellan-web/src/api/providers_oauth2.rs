//! `/api/v3/providers/oauth2/` (spec §7.1.1): CRUD of OAuth2/OpenID providers with authentik's
//! `OAuth2Provider` JSON (the client secret is readable, as in authentik), plus
//! `{id}/setup_urls/` (the endpoints a relying party is configured with; 404 without an
//! application) and `{id}/preview_user/?for_user=` (the ID token claims the user would get
//! for every scope of the provider). Validation lives in [`super::providers_oauth2_validate`].
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::oauth2::{
    ClientType, DEFAULT_ACCESS_CODE_VALIDITY, DEFAULT_ACCESS_TOKEN_VALIDITY,
    DEFAULT_REFRESH_TOKEN_VALIDITY, IssuerMode, OAuth2Provider, SubMode,
};
use castellan_core::provider::{Provider, ProviderType};
use castellan_core::timedelta::parse_timedelta;
use castellan_store::{
    AnyConnection, applications, oauth2_providers, oauth2_tokens, providers, users,
};
use serde_json::{Map, Value, json};

use super::model_api;
use super::providers::providers_json;
use super::providers_oauth2_validate::validate;
use super::used_by::{UsedBy, UsedByActionEnum};
use crate::auth::{Admin, AdminDb};
use crate::body::JsonBody;
use crate::context::{RequestContext, base_url};
use crate::error::{ApiError, ApiResult};
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// The audit reference of a provider.
fn model_ref(p: &OAuth2Provider) -> Value {
    crate::audit::model_ref(
        "authentik_providers_oauth2",
        "oauth2provider",
        p.base.pk,
        &p.base.name,
    )
}

/// Serialises providers (base fields with their application assignments, then their own).
pub async fn providers_oauth2_json(
    conn: &mut AnyConnection,
    list: Vec<OAuth2Provider>,
) -> ApiResult<Vec<Map<String, Value>>> {
    let bases = providers_json(conn, list.iter().map(|p| p.base.clone()).collect()).await?;
    let mut out = Vec::with_capacity(list.len());
    for (p, base) in list.into_iter().zip(bases) {
        let Value::Object(mut m) = serde_json::to_value(base)
            .map_err(|e| ApiError::Internal(format!("provider JSON: {e}")))?
        else {
            return Err(ApiError::Internal("provider JSON is not an object".into()));
        };
        m.insert("property_mappings".into(), json!(p.property_mappings));
        m.insert("client_type".into(), json!(p.client_type.as_str()));
        m.insert("client_id".into(), json!(p.client_id));
        m.insert("client_secret".into(), json!(p.client_secret));
        m.insert("access_code_validity".into(), json!(p.access_code_validity));
        m.insert(
            "access_token_validity".into(),
            json!(p.access_token_validity),
        );
        m.insert(
            "refresh_token_validity".into(),
            json!(p.refresh_token_validity),
        );
        m.insert(
            "include_claims_in_id_token".into(),
            json!(p.include_claims_in_id_token),
        );
        m.insert("signing_key".into(), json!(p.signing_key));
        m.insert("encryption_key".into(), json!(p.encryption_key));
        m.insert("redirect_uris".into(), json!(p.redirect_uris));
        m.insert("sub_mode".into(), json!(p.sub_mode.as_str()));
        m.insert("issuer_mode".into(), json!(p.issuer_mode.as_str()));
        m.insert("jwks_sources".into(), json!(p.jwks_sources));
        out.push(m);
    }
    Ok(out)
}

async fn one_json(conn: &mut AnyConnection, p: OAuth2Provider) -> ApiResult<Value> {
    providers_oauth2_json(conn, vec![p])
        .await?
        .pop()
        .map(Value::Object)
        .ok_or_else(|| ApiError::Internal("provider vanished".into()))
}

async fn load(conn: &mut AnyConnection, id: &str) -> ApiResult<OAuth2Provider> {
    let pk: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    oauth2_providers::get(conn, pk)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A new provider with authentik's defaults (random client id and secret).
pub fn blank() -> OAuth2Provider {
    OAuth2Provider {
        base: Provider {
            pk: 0,
            name: String::new(),
            provider_type: ProviderType::OAuth2,
            authentication_flow: None,
            authorization_flow: None,
            invalidation_flow: None,
            backchannel_application: None,
            is_backchannel: false,
        },
        client_type: ClientType::default(),
        client_id: castellan_crypto::token::generate_key(40),
        client_secret: castellan_crypto::token::generate_key(128),
        redirect_uris: Vec::new(),
        include_claims_in_id_token: true,
        access_code_validity: DEFAULT_ACCESS_CODE_VALIDITY.into(),
        access_token_validity: DEFAULT_ACCESS_TOKEN_VALIDITY.into(),
        refresh_token_validity: DEFAULT_REFRESH_TOKEN_VALIDITY.into(),
        sub_mode: SubMode::default(),
        issuer_mode: IssuerMode::default(),
        signing_key: None,
        encryption_key: None,
        jwks_sources: Vec::new(),
        property_mappings: Vec::new(),
    }
}

/// The fields `?<field>=` filters on.
const FILTERS: &[&str] = &[
    "name",
    "client_id",
    "client_type",
    "authorization_flow",
    "include_claims_in_id_token",
    "issuer_mode",
    "sub_mode",
    "signing_key",
    "access_code_validity",
    "access_token_validity",
    "refresh_token_validity",
    "property_mappings",
    "assigned_application_slug",
];

async fn list(AdminDb(_, mut conn): AdminDb, params: Params) -> ApiResult<Json<Paginated<Value>>> {
    let all = oauth2_providers::all(&mut conn).await?;
    let items = providers_oauth2_json(&mut conn, all).await?;
    // `?application=<slug>` filters on the assigned application.
    let renamed = Params(
        params
            .0
            .iter()
            .map(|(k, v)| match k.as_str() {
                "application" => ("assigned_application_slug".to_string(), v.clone()),
                _ => (k.clone(), v.clone()),
            })
            .collect(),
    );
    Ok(Json(model_api::filter_page(
        items, &renamed, FILTERS, "id",
    )?))
}

async fn retrieve(AdminDb(_, mut conn): AdminDb, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let p = load(&mut conn, &id).await?;
    Ok(Json(one_json(&mut conn, p).await?))
}

async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut tx = Write::begin(&state.store).await?;
    let mut p = validate(&mut tx, &body, false, blank(), false).await?;
    p.base.pk = oauth2_providers::create(&mut tx, &p).await?;
    tx.event(&ctx, &admin.user, "model_created", model_ref(&p))
        .await?;
    let out = one_json(&mut tx, p).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn write(
    state: AppState,
    admin: Admin,
    ctx: RequestContext,
    id: String,
    body: Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, &id).await?;
    let p = validate(&mut tx, &body, partial, before, true).await?;
    oauth2_providers::update(&mut tx, &p).await?;
    tx.event(&ctx, &admin.0.user, "model_updated", model_ref(&p))
        .await?;
    let out = one_json(&mut tx, p).await?;
    tx.commit().await?;
    Ok(Json(out))
}

async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let p = load(&mut tx, &id).await?;
    providers::delete(&mut tx, p.base.pk).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&p))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `OAuth2ProviderSetupURLs` of a provider assigned to the application `slug`.
pub fn setup_urls(p: &OAuth2Provider, base: &str, slug: &str) -> Value {
    let base = base.strip_suffix('/').unwrap_or(base);
    json!({
        "issuer": castellan_oauth::issuer::issuer(p.issuer_mode, base, slug),
        "authorize": format!("{base}/application/o/authorize/"),
        "token": format!("{base}/application/o/token/"),
        "user_info": format!("{base}/application/o/userinfo/"),
        "provider_info": format!("{base}/application/o/{slug}/.well-known/openid-configuration"),
        "logout": format!("{base}/application/o/{slug}/end-session/"),
        "jwks": format!("{base}/application/o/{slug}/jwks/"),
    })
}

async fn setup_urls_view(
    State(state): State<AppState>,
    AdminDb(_, mut conn): AdminDb,
    Path(id): Path<String>,
    parts: Parts,
) -> ApiResult<Json<Value>> {
    let p = load(&mut conn, &id).await?;
    let app = applications::by_provider(&mut conn, &[p.base.pk])
        .await?
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound)?;
    Ok(Json(setup_urls(&p, &base_url(&parts, &state), &app.slug)))
}

/// The claims an ID token of `p` for `user_pk` would carry with every scope of the provider.
pub async fn preview_claims(
    state: &AppState,
    conn: &mut AnyConnection,
    p: &OAuth2Provider,
    user_pk: i64,
    base: &str,
) -> ApiResult<Map<String, Value>> {
    let user = users::get(conn, user_pk).await?.ok_or(ApiError::NotFound)?;
    let mut scopes: Vec<String> =
        castellan_store::scope_mappings::get_many(conn, &p.property_mappings)
            .await?
            .into_iter()
            .map(|m| m.scope_name)
            .collect();
    scopes.sort();
    scopes.dedup();
    let claims =
        crate::oauth_claims::scope_claims(state, conn, p, user_pk, &scopes, json!({})).await?;
    let slug = applications::by_provider(conn, &[p.base.pk])
        .await?
        .into_iter()
        .next()
        .map(|a| a.slug)
        .unwrap_or_default();
    let issuer = castellan_oauth::issuer::issuer(p.issuer_mode, base, &slug);
    let now = state.store.now();
    let lifetime = parse_timedelta(&p.access_token_validity).unwrap_or_default();
    let claims_user = castellan_oauth::claims::ClaimsUser {
        pk: user.pk,
        uid: castellan_core::user::user_uid(user.pk, &state.install_id),
        uuid: user.uuid,
        username: user.username.clone(),
        email: user.email.clone(),
        name: user.name.clone(),
        attributes: user.attributes.as_object().cloned().unwrap_or_default(),
    };
    Ok(castellan_oauth::claims::id_token_claims(
        castellan_oauth::claims::IdTokenInput {
            issuer: &issuer,
            client_id: &p.client_id,
            sub: castellan_oauth::claims::subject(p.sub_mode, &claims_user),
            now,
            expires: now + lifetime,
            auth_time: None,
            amr: Vec::new(),
            nonce: None,
            session_key: None,
            at_hash: None,
            c_hash: None,
            scope_claims: Some(claims),
        },
    ))
}

async fn preview_user(
    State(state): State<AppState>,
    AdminDb(admin, mut conn): AdminDb,
    Path(id): Path<String>,
    params: Params,
    parts: Parts,
) -> ApiResult<Json<Value>> {
    let p = load(&mut conn, &id).await?;
    let user = match params.get("for_user") {
        None | Some("") => admin.user.pk,
        Some(raw) => raw
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::field("for_user", "for_user must be numerical"))?,
    };
    if users::get(&mut conn, user).await?.is_none() {
        return Err(ApiError::field("for_user", "User not found"));
    }
    let base = base_url(&parts, &state);
    let preview = preview_claims(&state, &mut conn, &p, user, &base).await?;
    Ok(Json(json!({ "preview": preview })))
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/providers/oauth2/", get(list).post(create))
        .route(
            "/providers/oauth2/{id}/",
            super::put_patch::put_and_patch!(get(retrieve), write, Admin).delete(destroy),
        )
        .route("/providers/oauth2/{id}/setup_urls/", get(setup_urls_view))
        .route("/providers/oauth2/{id}/preview_user/", get(preview_user))
        .route("/providers/oauth2/{id}/used_by/", get(used_by))
}

/// `used_by`: the applications using the provider (their `provider` is cleared when it is
/// deleted) and the codes and tokens it issued (deleted with it).
async fn used_by(
    AdminDb(_, mut conn): AdminDb,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<UsedBy>>> {
    let p = load(&mut conn, &id).await?;
    let pk = p.base.pk;
    let mut out: Vec<UsedBy> = applications::by_provider(&mut conn, &[pk])
        .await?
        .into_iter()
        .map(|a| UsedBy {
            app: "authentik_core".into(),
            model_name: "application".into(),
            pk: a.pk.to_string(),
            name: a.name,
            action: UsedByActionEnum::SetNull,
        })
        .collect();
    for (model, token, user) in oauth2_tokens::for_provider(&mut conn, pk).await? {
        let what = match model {
            "authorizationcode" => "Authorization code",
            "refreshtoken" => "Refresh token",
            "devicetoken" => "Device token",
            _ => "Access token",
        };
        let owner = user.map_or_else(String::new, |u| format!(" of user {u}"));
        out.push(UsedBy {
            app: "authentik_providers_oauth2".into(),
            model_name: model.into(),
            pk: token.to_string(),
            name: format!("{what} {token} for {}{owner}", p.base.name),
            action: UsedByActionEnum::Cascade,
        });
    }
    Ok(Json(out))
}

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/providers/oauth2/",
        "providers_oauth2_list",
        "providers",
        Some("PaginatedOAuth2ProviderList"),
        200,
    ),
    (
        "post",
        "/providers/oauth2/",
        "providers_oauth2_create",
        "providers",
        Some("OAuth2Provider"),
        201,
    ),
    (
        "get",
        "/providers/oauth2/{id}/",
        "providers_oauth2_retrieve",
        "providers",
        Some("OAuth2Provider"),
        200,
    ),
    (
        "put",
        "/providers/oauth2/{id}/",
        "providers_oauth2_update",
        "providers",
        Some("OAuth2Provider"),
        200,
    ),
    (
        "patch",
        "/providers/oauth2/{id}/",
        "providers_oauth2_partial_update",
        "providers",
        Some("OAuth2Provider"),
        200,
    ),
    (
        "delete",
        "/providers/oauth2/{id}/",
        "providers_oauth2_destroy",
        "providers",
        None,
        204,
    ),
    (
        "get",
        "/providers/oauth2/{id}/preview_user/",
        "providers_oauth2_preview_user_retrieve",
        "providers",
        Some("PropertyMappingPreview"),
        200,
    ),
    (
        "get",
        "/providers/oauth2/{id}/setup_urls/",
        "providers_oauth2_setup_urls_retrieve",
        "providers",
        Some("OAuth2ProviderSetupURLs"),
        200,
    ),
    (
        "get",
        "/providers/oauth2/{id}/used_by/",
        "providers_oauth2_used_by_list",
        "providers",
        Some("[UsedBy]"),
        200,
    ),
];

/// Request bodies of this resource.
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", "/providers/oauth2/", "OAuth2ProviderRequest", true),
    (
        "put",
        "/providers/oauth2/{id}/",
        "OAuth2ProviderRequest",
        true,
    ),
    (
        "patch",
        "/providers/oauth2/{id}/",
        "PatchedOAuth2ProviderRequest",
        false,
    ),
];
