//! `/api/v3/core/applications/` (lookup by `slug`): CRUD and `check_access` (spec §1.3).
//!
//! Deviations until RBAC arrives: every endpoint requires a superuser (authentik lets any
//! authenticated user list the applications their policies allow and check their own access);
//! the list is not policy-filtered (superusers see every application, as with
//! `superuser_full_list=true`; the user interface's library is filtered); `for_user` naming another user than the caller is a 400. The
//! computed `launch_url` formats `meta_launch_url`, else the SAML or OAuth2 provider's launch URL.
use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::application::{
    Application, PolicyEngineMode, format_launch_url, validate_slug,
};
use castellan_core::user::User;
use castellan_store::applications::{self, ApplicationFilter};
use castellan_store::{AnyConnection, providers, users};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use super::providers::{ProviderJson, providers_json};
use crate::audit;
use crate::auth::Admin;
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Fields, TEXT_MAX, type_name};
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// Maximum length of an application slug (authentik's `SlugField(max_length=50)`).
pub const SLUG_MAX: usize = 50;

/// `Application`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Application)]
pub struct ApplicationJson {
    /// `pbm_uuid`.
    pub pk: Uuid,
    /// Display name.
    pub name: String,
    /// Internal application name, used in URLs.
    pub slug: String,
    /// Provider id.
    #[schema(required = false)]
    pub provider: Option<i64>,
    /// The provider, or null.
    #[schema(value_type = ProviderJson, required = true)]
    pub provider_obj: Option<ProviderJson>,
    /// Backchannel provider ids.
    #[schema(required = false)]
    pub backchannel_providers: Vec<i64>,
    /// Backchannel providers.
    pub backchannel_providers_obj: Vec<ProviderJson>,
    /// `meta_launch_url` formatted with the caller's fields, or null.
    #[schema(required = true)]
    pub launch_url: Option<String>,
    /// Open the launch URL in a new browser tab or window.
    #[schema(required = false)]
    pub open_in_new_tab: bool,
    /// Launch URL template.
    #[schema(required = false)]
    pub meta_launch_url: String,
    /// Icon URL, or null.
    #[schema(required = true)]
    pub meta_icon: Option<String>,
    /// Description.
    #[schema(required = false)]
    pub meta_description: String,
    /// Publisher.
    #[schema(required = false)]
    pub meta_publisher: String,
    /// Policy engine mode.
    #[schema(value_type = super::enums::PolicyEngineMode, required = false)]
    pub policy_engine_mode: String,
    /// UI group label.
    #[schema(required = false)]
    pub group: String,
}

/// `LogLevelEnum`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogLevelEnum {
    /// critical
    Critical,
    /// exception
    Exception,
    /// error
    Error,
    /// warn
    Warn,
    /// warning
    Warning,
    /// info
    Info,
    /// debug
    Debug,
    /// notset
    Notset,
}

/// `LogEvent`: one log line with its context.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogEvent {
    /// When.
    pub timestamp: chrono::DateTime<chrono::Utc>,
    /// Level.
    pub log_level: LogLevelEnum,
    /// Logger name.
    pub logger: String,
    /// Message.
    pub event: String,
    /// Structured context.
    #[schema(value_type = Object)]
    pub attributes: Value,
}

/// `PolicyTestResult`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyTestResult {
    /// Whether access is granted.
    pub passing: bool,
    /// Messages of the policies.
    pub messages: Vec<String>,
    /// Log lines of the evaluation (superusers only).
    pub log_messages: Vec<LogEvent>,
}

/// `ApplicationRequest` (POST and PUT; documents the body validated by [`validate`]).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationRequest {
    /// Display name.
    pub name: String,
    /// Internal application name, used in URLs (`^[-a-zA-Z0-9_]+$`, at most 50 characters).
    pub slug: String,
    /// Provider id.
    pub provider: Option<i64>,
    /// Backchannel provider ids.
    #[schema(required = false)]
    pub backchannel_providers: Vec<i64>,
    /// Open the launch URL in a new browser tab or window.
    #[schema(required = false)]
    pub open_in_new_tab: bool,
    /// Launch URL template.
    #[schema(required = false)]
    pub meta_launch_url: String,
    /// Description.
    #[schema(required = false)]
    pub meta_description: String,
    /// Publisher.
    #[schema(required = false)]
    pub meta_publisher: String,
    /// Policy engine mode.
    #[schema(required = false)]
    pub policy_engine_mode: super::enums::PolicyEngineMode,
    /// UI group label.
    #[schema(required = false)]
    pub group: String,
}

/// `PatchedApplicationRequest` (PATCH: every field optional).
#[derive(Debug, Serialize, ToSchema)]
pub struct PatchedApplicationRequest {
    /// Display name.
    #[schema(required = false)]
    pub name: String,
    /// Internal application name, used in URLs.
    #[schema(required = false)]
    pub slug: String,
    /// Provider id.
    pub provider: Option<i64>,
    /// Backchannel provider ids.
    #[schema(required = false)]
    pub backchannel_providers: Vec<i64>,
    /// Open the launch URL in a new browser tab or window.
    #[schema(required = false)]
    pub open_in_new_tab: bool,
    /// Launch URL template.
    #[schema(required = false)]
    pub meta_launch_url: String,
    /// Description.
    #[schema(required = false)]
    pub meta_description: String,
    /// Publisher.
    #[schema(required = false)]
    pub meta_publisher: String,
    /// Policy engine mode.
    #[schema(required = false)]
    pub policy_engine_mode: super::enums::PolicyEngineMode,
    /// UI group label.
    #[schema(required = false)]
    pub group: String,
}

fn model_ref(a: &Application) -> Value {
    audit::model_ref("authentik_core", "application", a.pk, &a.name)
}

/// The user fields a launch URL template may use (`%(username)s`, …), like authentik's
/// `user.__dict__` minus secrets.
fn user_fields(u: &User) -> Vec<(&'static str, String)> {
    let py_bool = |b: bool| if b { "True" } else { "False" }.to_string();
    vec![
        ("id", u.pk.to_string()),
        ("username", u.username.clone()),
        ("name", u.name.clone()),
        ("email", u.email.clone()),
        ("uuid", u.uuid.to_string()),
        ("path", u.path.clone()),
        ("type", u.user_type.as_str().to_string()),
        ("is_active", py_bool(u.is_active)),
    ]
}

/// `get_meta_icon`: null when empty, URLs and `/static` paths as-is, uploads under the media URL
/// of the default tenant.
fn meta_icon(icon: &str) -> Option<String> {
    if icon.is_empty() {
        None
    } else if icon.contains("://") || icon.starts_with("/static") {
        Some(icon.to_string())
    } else {
        Some(format!("/media/public/{}", icon.trim_start_matches('/')))
    }
}

/// `get_launch_url(user)`: `meta_launch_url`, else the provider's own launch URL (SAML's IdP-
/// initiated URL, or the origin of an OAuth2 provider's first strict redirect URI), formatted
/// with the user's fields.
fn launch_url(
    app: &Application,
    saml_provider: bool,
    provider_launch: Option<&String>,
    fields: &[(&'static str, String)],
) -> Option<String> {
    let url = if !app.meta_launch_url.is_empty() {
        app.meta_launch_url.clone()
    } else if saml_provider {
        format!("/application/saml/{}/sso/binding/init/", app.slug)
    } else if let Some(url) = provider_launch {
        url.clone()
    } else {
        return None;
    };
    Some(format_launch_url(&url, fields))
}

/// The launch URLs OAuth2 providers imply: the origin of their first redirect URI, when it is a
/// strict one (authentik guesses from the first entry whatever its mode).
async fn oauth2_launch_urls(
    conn: &mut AnyConnection,
    providers: &[castellan_core::provider::Provider],
) -> ApiResult<HashMap<i64, String>> {
    let mut out = HashMap::new();
    for p in providers
        .iter()
        .filter(|p| p.provider_type == castellan_core::provider::ProviderType::OAuth2)
    {
        let Some(o) = castellan_store::oauth2_providers::get(conn, p.pk).await? else {
            continue;
        };
        let first = o
            .redirect_uris
            .first()
            .filter(|r| r.matching_mode == castellan_core::oauth2::MatchingMode::Strict);
        if let Some(origin) = first
            .and_then(|r| castellan_oauth::redirect_uri::origins(std::slice::from_ref(r)).pop())
        {
            out.insert(p.pk, origin);
        }
    }
    Ok(out)
}

/// Serialises applications with their providers, formatting launch URLs for `caller` (also used
/// by the consent endpoints).
pub async fn applications_json(
    conn: &mut AnyConnection,
    apps: Vec<Application>,
    caller: &User,
) -> ApiResult<Vec<ApplicationJson>> {
    let provider_ids: Vec<i64> = apps.iter().filter_map(|a| a.provider).collect();
    let main = providers::get_many(conn, &provider_ids).await?;
    let oauth2_launch = oauth2_launch_urls(conn, &main).await?;
    let saml: Vec<i64> = main
        .iter()
        .filter(|p| p.provider_type == castellan_core::provider::ProviderType::Saml)
        .map(|p| p.pk)
        .collect();
    let main: HashMap<i64, ProviderJson> = providers_json(conn, main)
        .await?
        .into_iter()
        .map(|p| (p.pk, p))
        .collect();
    let app_ids: Vec<Uuid> = apps.iter().map(|a| a.pk).collect();
    let backchannel = providers::backchannel_of(conn, &app_ids).await?;
    let owners: Vec<Option<Uuid>> = backchannel
        .iter()
        .map(|p| p.backchannel_application)
        .collect();
    let backchannel = providers_json(conn, backchannel).await?;
    let mut by_app: HashMap<Uuid, Vec<ProviderJson>> = HashMap::new();
    for (owner, p) in owners.into_iter().zip(backchannel) {
        if let Some(app) = owner {
            by_app.entry(app).or_default().push(p);
        }
    }
    let fields = user_fields(caller);
    Ok(apps
        .into_iter()
        .map(|a| {
            let bc = by_app.remove(&a.pk).unwrap_or_default();
            ApplicationJson {
                pk: a.pk,
                provider_obj: a.provider.and_then(|p| main.get(&p).cloned()),
                provider: a.provider,
                backchannel_providers: bc.iter().map(|p| p.pk).collect(),
                backchannel_providers_obj: bc,
                launch_url: launch_url(
                    &a,
                    a.provider.is_some_and(|p| saml.contains(&p)),
                    a.provider.and_then(|p| oauth2_launch.get(&p)),
                    &fields,
                ),
                open_in_new_tab: a.open_in_new_tab,
                meta_icon: meta_icon(&a.meta_icon),
                meta_launch_url: a.meta_launch_url,
                meta_description: a.meta_description,
                meta_publisher: a.meta_publisher,
                policy_engine_mode: a.policy_engine_mode.as_str().to_string(),
                group: a.group,
                name: a.name,
                slug: a.slug,
            }
        })
        .collect())
}

async fn one_json(
    conn: &mut AnyConnection,
    app: Application,
    caller: &User,
) -> ApiResult<ApplicationJson> {
    applications_json(conn, vec![app], caller)
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("application vanished".into()))
}

/// Parses an integer query parameter that names a user (`for_user`).
fn for_user_param(params: &Params, message: &str) -> ApiResult<Option<i64>> {
    match params.get("for_user") {
        None | Some("") => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ApiError::field("for_user", message)),
    }
}

/// `GET /core/applications/`. Superusers see every application (the policy filtering of the
/// list arrives with the policy engine); `superuser_full_list` is accepted and changes nothing.
pub async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
    params: Params,
) -> ApiResult<Json<Paginated<ApplicationJson>>> {
    let page = params.page()?;
    if let Some(u) = for_user_param(&params, "A valid integer is required.")?
        && u != admin.user.pk
    {
        return Err(ApiError::field(
            "for_user",
            "for_user requires RBAC; not supported yet",
        ));
    }
    let only_with_launch_url = params
        .get("only_with_launch_url")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let f = ApplicationFilter {
        name: params.text("name"),
        slug: params.text("slug"),
        group: params.text("group"),
        meta_launch_url: params.text("meta_launch_url"),
        meta_description: params.text("meta_description"),
        meta_publisher: params.text("meta_publisher"),
        only_with_launch_url,
        search: params.search(),
        order_by: params.ordering(applications::ordering_all),
    };
    let mut conn = state.store.conn().await?;
    let (rows, count) = applications::list(&mut conn, &f, page).await?;
    let out = applications_json(&mut conn, rows, &admin.user).await?;
    Ok(Json(Paginated::new(out, count, page)?))
}

async fn load(conn: &mut AnyConnection, slug: &str) -> ApiResult<Application> {
    applications::get_by_slug(conn, slug)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `GET /core/applications/{slug}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(slug): Path<String>,
) -> ApiResult<Json<ApplicationJson>> {
    let mut conn = state.store.conn().await?;
    let app = load(&mut conn, &slug).await?;
    Ok(Json(one_json(&mut conn, app, &admin.user).await?))
}

/// Django's `URLValidator` as authentik relaxes it for `meta_launch_url`
/// (`DomainlessFormattedURLValidator`): a known scheme, `://`, a host (which may contain
/// `%(field)s` placeholders or lack a domain) and no whitespace.
fn valid_launch_url(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once("://") else {
        return false;
    };
    let scheme_ok = ["http", "https", "blank", "ftp", "ftps"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s));
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit('@')
        .next()
        .unwrap_or_default();
    scheme_ok && !host.is_empty() && !v.chars().any(char::is_whitespace)
}

/// A nullable primary-key reference by integer (DRF's `PrimaryKeyRelatedField` messages).
fn nullable_pk(f: &mut Fields<'_>, body: &Map<String, Value>, field: &str) -> Option<Option<i64>> {
    match body.get(field)? {
        Value::Null => Some(None),
        Value::Number(n) if n.as_i64().is_some() => Some(n.as_i64()),
        Value::String(s) if s.trim().parse::<i64>().is_ok() => Some(s.trim().parse().ok()),
        other => {
            f.error(
                field,
                format!(
                    "Incorrect type. Expected pk value, received {}.",
                    type_name(other)
                ),
            );
            None
        }
    }
}

/// Validated application and, when given, its backchannel providers.
async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut a: Application,
    existing: bool,
) -> ApiResult<(Application, Option<Vec<i64>>)> {
    let mut f = Fields::new(body, partial);
    if let Some(v) = f.string("name", true, false, TEXT_MAX) {
        a.name = v;
    }
    if let Some(v) = f.string("slug", true, false, SLUG_MAX) {
        if let Err(e) = validate_slug("slug", &v, SLUG_MAX) {
            f.error("slug", e.message);
        }
        a.slug = v;
    }
    if let Some(v) = nullable_pk(&mut f, body, "provider") {
        a.provider = v;
    }
    let backchannel = f.int_list("backchannel_providers");
    if let Some(v) = f.boolean("open_in_new_tab") {
        a.open_in_new_tab = v;
    }
    if let Some(v) = f.string("meta_launch_url", false, true, TEXT_MAX) {
        if !v.is_empty() && !valid_launch_url(&v) {
            f.error("meta_launch_url", "Enter a valid URL.");
        }
        a.meta_launch_url = v;
    }
    if let Some(v) = f.string("meta_description", false, true, TEXT_MAX) {
        a.meta_description = v;
    }
    if let Some(v) = f.string("meta_publisher", false, true, TEXT_MAX) {
        a.meta_publisher = v;
    }
    if let Some(v) = f.choice(
        "policy_engine_mode",
        &[
            PolicyEngineMode::All.as_str(),
            PolicyEngineMode::Any.as_str(),
        ],
    ) {
        a.policy_engine_mode = PolicyEngineMode::parse(&v).unwrap_or_default();
    }
    if let Some(v) = f.string("group", false, true, TEXT_MAX) {
        a.group = v;
    }
    let except = existing.then_some(a.pk);
    if !f.has_error("slug") && applications::slug_taken(conn, &a.slug, except).await? {
        f.error("slug", "This field must be unique.");
    }
    if !f.has_error("provider")
        && let Some(p) = a.provider
    {
        if providers::get(conn, p).await?.is_none() {
            f.error(
                "provider",
                format!("Invalid pk \"{p}\" - object does not exist."),
            );
        } else if applications::provider_taken(conn, p, except).await? {
            f.error("provider", "This field must be unique.");
        }
    }
    if let Some(list) = &backchannel {
        let found = providers::get_many(conn, list).await?;
        for pk in list {
            match found.iter().find(|p| p.pk == *pk) {
                None => {
                    f.error(
                        "backchannel_providers",
                        format!("Invalid pk \"{pk}\" - object does not exist."),
                    );
                    break;
                }
                Some(p) if !p.is_backchannel => {
                    f.error(
                        "backchannel_providers",
                        format!("Provider \"{}\" is not a backchannel provider.", p.name),
                    );
                    break;
                }
                Some(_) => {}
            }
        }
    }
    f.finish()?;
    Ok((a, backchannel))
}

/// `POST /core/applications/`.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let blank = Application {
        pk: Uuid::new_v4(),
        name: String::new(),
        slug: String::new(),
        group: String::new(),
        provider: None,
        meta_launch_url: String::new(),
        meta_icon: String::new(),
        meta_description: String::new(),
        meta_publisher: String::new(),
        open_in_new_tab: false,
        policy_engine_mode: PolicyEngineMode::default(),
    };
    let mut tx = Write::begin(&state.store).await?;
    let (a, backchannel) = validate(&mut tx, &body, false, blank, false).await?;
    applications::create(&mut tx, &a).await?;
    if let Some(list) = &backchannel {
        providers::set_backchannel_application(&mut tx, a.pk, list).await?;
    }
    tx.event(&ctx, &admin.user, "model_created", model_ref(&a))
        .await?;
    let out = one_json(&mut tx, a, &admin.user).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn write(
    state: &AppState,
    admin: &Admin,
    ctx: &RequestContext,
    slug: &str,
    body: &Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<ApplicationJson>> {
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, slug).await?;
    let (a, backchannel) = validate(&mut tx, body, partial, before, true).await?;
    applications::update(&mut tx, &a).await?;
    if let Some(list) = &backchannel {
        providers::set_backchannel_application(&mut tx, a.pk, list).await?;
    }
    tx.event(ctx, &admin.0.user, "model_updated", model_ref(&a))
        .await?;
    let out = one_json(&mut tx, a, &admin.0.user).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// `PUT /core/applications/{slug}/`.
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<ApplicationJson>> {
    write(&state, &admin, &ctx, &slug, &body, false).await
}

/// `PATCH /core/applications/{slug}/`.
pub async fn partial_update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<ApplicationJson>> {
    write(&state, &admin, &ctx, &slug, &body, true).await
}

/// `DELETE /core/applications/{slug}/`.
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let a = load(&mut tx, &slug).await?;
    applications::delete(&mut tx, a.pk).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&a))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /core/applications/{slug}/check_access/?for_user=<id>`: runs the application's policy
/// bindings for the caller or `for_user` (spec §1.3) with the engine flows use. Superusers only
/// for now (authentik also lets any user check their own access); `for_user` must name an
/// existing user (authentik's "User not found" / "for_user must be numerical").
pub async fn check_access(
    State(state): State<AppState>,
    admin: Admin,
    Path(slug): Path<String>,
    params: Params,
    ctx: RequestContext,
) -> ApiResult<Json<PolicyTestResult>> {
    let mut conn = state.store.conn().await?;
    let application = load(&mut conn, &slug).await?;
    let user = match for_user_param(&params, "for_user must be numerical")? {
        Some(pk) => users::get(&mut conn, pk)
            .await?
            .ok_or_else(|| ApiError::field("for_user", "User not found"))?,
        None => admin.0.user.clone(),
    };
    let tagged = crate::flow::user_json::of(&state, &mut conn, &user).await?;
    let request = castellan_flows::FlowRequest {
        client_ip: ctx.client_ip.clone(),
        user_agent: ctx.user_agent.clone(),
        request_id: ctx.request_id.clone(),
        is_superuser: tagged.get("is_superuser").and_then(Value::as_bool) == Some(true),
        user: Some(tagged.clone()),
        ..Default::default()
    };
    let mut env = crate::flow::env::StoreFlowEnv::new(state.clone(), conn, ctx);
    let verdict = crate::flow::policies::evaluate(
        &mut env,
        application.pk,
        application.policy_engine_mode,
        Some(&tagged),
        &Map::new(),
        &request,
    )
    .await
    .map_err(|e| ApiError::Internal(e.0))?;
    Ok(Json(PolicyTestResult {
        passing: verdict.passing,
        messages: verdict.messages,
        log_messages: Vec::new(),
    }))
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/core/applications/", get(list).post(create))
        .route(
            "/core/applications/{slug}/",
            get(retrieve)
                .put(update)
                .patch(partial_update)
                .delete(destroy),
        )
        .route("/core/applications/{slug}/check_access/", get(check_access))
}

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/core/applications/",
        "core_applications_list",
        "core",
        Some("PaginatedApplicationList"),
        200,
    ),
    (
        "post",
        "/core/applications/",
        "core_applications_create",
        "core",
        Some("Application"),
        201,
    ),
    (
        "get",
        "/core/applications/{slug}/",
        "core_applications_retrieve",
        "core",
        Some("Application"),
        200,
    ),
    (
        "put",
        "/core/applications/{slug}/",
        "core_applications_update",
        "core",
        Some("Application"),
        200,
    ),
    (
        "patch",
        "/core/applications/{slug}/",
        "core_applications_partial_update",
        "core",
        Some("Application"),
        200,
    ),
    (
        "delete",
        "/core/applications/{slug}/",
        "core_applications_destroy",
        "core",
        None,
        204,
    ),
    (
        "get",
        "/core/applications/{slug}/check_access/",
        "core_applications_check_access_retrieve",
        "core",
        Some("PolicyTestResult"),
        200,
    ),
];

/// Request bodies of this resource (method, path, schema, required).
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", "/core/applications/", "ApplicationRequest", true),
    (
        "put",
        "/core/applications/{slug}/",
        "ApplicationRequest",
        true,
    ),
    (
        "patch",
        "/core/applications/{slug}/",
        "PatchedApplicationRequest",
        false,
    ),
];

/// Component schemas of this resource.
#[derive(OpenApi)]
#[openapi(components(schemas(
    ApplicationJson,
    ApplicationRequest,
    PatchedApplicationRequest,
    PolicyTestResult,
    LogEvent,
    LogLevelEnum
)))]
pub struct Doc;
