//! `/api/v3/core/user_consent/` (lookup `id`): list, retrieve, delete and `used_by`. Superusers
//! see all consent, other users only their own (someone else's is a 404).
//!
//! The embedded `Application` JSON is built here by [`consent_applications_json`] (authentik's
//! `ApplicationSerializer` keys) so this module does not depend on the applications endpoints;
//! it should be unified with the applications module's serialiser once that exists.
use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use castellan_core::application::{Application, format_launch_url};
use castellan_core::consent::UserConsent;
use castellan_core::provider::{Provider, ProviderType};
use castellan_core::user::User;
use castellan_store::consent::{self, ConsentFilter};
use castellan_store::{AnyConnection, StoreError, applications, providers, users};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use super::certificates::UsedBy;
use super::providers::{ProviderJson, providers_json};
use super::user_json::{UserJson, users_json};
use crate::audit;
use crate::auth::Principal;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::openapi::Operation;
use crate::query::{Paginated, Params};
use crate::state::AppState;

/// `Application`, as embedded in `UserConsent`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Application)]
pub struct ConsentApplicationJson {
    /// `pbm_uuid`.
    pub pk: Uuid,
    /// Display name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Provider id.
    #[schema(required = false)]
    pub provider: Option<i64>,
    /// Provider (null when none, although authentik's schema does not say so).
    #[schema(value_type = ProviderJson, required = true)]
    pub provider_obj: Option<ProviderJson>,
    /// Backchannel provider ids.
    #[schema(required = false)]
    pub backchannel_providers: Vec<i64>,
    /// Backchannel providers.
    pub backchannel_providers_obj: Vec<ProviderJson>,
    /// Launch URL formatted for the requesting user.
    #[schema(required = true)]
    pub launch_url: Option<String>,
    /// Open the launch URL in a new tab.
    #[schema(required = false)]
    pub open_in_new_tab: bool,
    /// Launch URL template.
    #[schema(required = false)]
    pub meta_launch_url: String,
    /// Icon URL.
    #[schema(required = true)]
    pub meta_icon: Option<String>,
    /// Description.
    #[schema(required = false)]
    pub meta_description: String,
    /// Publisher.
    #[schema(required = false)]
    pub meta_publisher: String,
    /// Policy engine mode (`all` or `any`).
    #[schema(value_type = super::enums::PolicyEngineMode, required = false)]
    pub policy_engine_mode: String,
    /// UI group.
    #[schema(required = false)]
    pub group: String,
}

/// `UserConsent`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = UserConsent)]
pub struct UserConsentJson {
    /// Id.
    pub pk: i64,
    /// Expiry.
    pub expires: Option<DateTime<Utc>>,
    /// Whether `expires` applies.
    #[schema(required = false)]
    pub expiring: bool,
    /// Who consented.
    pub user: UserJson,
    /// To which application.
    pub application: ConsentApplicationJson,
    /// Space-separated permissions consented to.
    #[schema(required = false)]
    pub permissions: String,
}

/// authentik's `Application.get_meta_icon`: URLs and `/static` paths as-is, uploads under the
/// media URL of the default tenant.
fn meta_icon_url(icon: &str) -> Option<String> {
    if icon.is_empty() {
        None
    } else if icon.contains("://") || icon.starts_with("/static") {
        Some(icon.to_string())
    } else {
        Some(format!("/media/public/{}", icon.trim_start_matches('/')))
    }
}

/// The user fields `%(field)s` placeholders of a launch URL may use (the user's attributes as
/// authentik's `user.__dict__`, minus the password hash).
fn launch_fields(u: &User) -> Vec<(&'static str, String)> {
    vec![
        ("id", u.pk.to_string()),
        ("username", u.username.clone()),
        ("name", u.name.clone()),
        ("email", u.email.clone()),
        ("uuid", u.uuid.to_string()),
        ("path", u.path.clone()),
        ("type", u.user_type.as_str().to_string()),
        (
            "is_active",
            if u.is_active { "True" } else { "False" }.to_string(),
        ),
    ]
}

/// authentik's `Application.get_launch_url(request.user)`: `meta_launch_url`, else the
/// provider's own launch URL (only SAML's is derivable from what Castellan stores), formatted
/// with the requesting user's fields.
fn launch_url(app: &Application, provider: Option<&Provider>, viewer: &User) -> Option<String> {
    let url = if !app.meta_launch_url.is_empty() {
        Some(app.meta_launch_url.clone())
    } else {
        provider
            .filter(|p| p.provider_type == ProviderType::Saml)
            .map(|_| format!("/application/saml/{}/sso/binding/init/", app.slug))
    }?;
    Some(format_launch_url(&url, &launch_fields(viewer)))
}

/// Serialises applications with authentik's `Application` keys for consent records; `viewer`
/// formats launch URLs. (To be unified with the applications module's serialiser.)
pub async fn consent_applications_json(
    conn: &mut AnyConnection,
    apps: Vec<Application>,
    viewer: &User,
) -> ApiResult<Vec<ConsentApplicationJson>> {
    let provider_ids: Vec<i64> = apps.iter().filter_map(|a| a.provider).collect();
    let main = providers::get_many(conn, &provider_ids).await?;
    let app_ids: Vec<Uuid> = apps.iter().map(|a| a.pk).collect();
    let backchannel = providers::backchannel_of(conn, &app_ids).await?;
    let mut backchannel_by_app: HashMap<Uuid, Vec<Provider>> = HashMap::new();
    for p in backchannel {
        if let Some(app) = p.backchannel_application {
            backchannel_by_app.entry(app).or_default().push(p);
        }
    }
    let main_by_pk: HashMap<i64, Provider> = main.iter().map(|p| (p.pk, p.clone())).collect();
    let main_json: HashMap<i64, ProviderJson> = providers_json(conn, main)
        .await?
        .into_iter()
        .map(|p| (p.pk, p))
        .collect();
    let all_backchannel: Vec<Provider> = backchannel_by_app.values().flatten().cloned().collect();
    let backchannel_json: HashMap<i64, ProviderJson> = providers_json(conn, all_backchannel)
        .await?
        .into_iter()
        .map(|p| (p.pk, p))
        .collect();
    let mut out = Vec::with_capacity(apps.len());
    for app in apps {
        let provider = app.provider.and_then(|pk| main_by_pk.get(&pk));
        let provider_obj = app.provider.and_then(|pk| main_json.get(&pk)).cloned();
        let bc = backchannel_by_app.remove(&app.pk).unwrap_or_default();
        let backchannel_providers = bc.iter().map(|p| p.pk).collect();
        let backchannel_providers_obj = bc
            .iter()
            .filter_map(|p| backchannel_json.get(&p.pk).cloned())
            .collect();
        out.push(ConsentApplicationJson {
            launch_url: launch_url(&app, provider, viewer),
            meta_icon: meta_icon_url(&app.meta_icon),
            pk: app.pk,
            name: app.name,
            slug: app.slug,
            provider: app.provider,
            provider_obj,
            backchannel_providers,
            backchannel_providers_obj,
            open_in_new_tab: app.open_in_new_tab,
            meta_launch_url: app.meta_launch_url,
            meta_description: app.meta_description,
            meta_publisher: app.meta_publisher,
            policy_engine_mode: app.policy_engine_mode.as_str().to_string(),
            group: app.group,
        });
    }
    Ok(out)
}

/// Serialises consent records (users and applications loaded in batches).
async fn to_json(
    conn: &mut AnyConnection,
    state: &AppState,
    rows: Vec<UserConsent>,
    viewer: &User,
) -> ApiResult<Vec<UserConsentJson>> {
    let mut user_ids: Vec<i64> = rows.iter().map(|c| c.user).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let (owners, _) = users::list(
        conn,
        &users::UserFilter {
            pks: Some(user_ids.clone()),
            ..Default::default()
        },
        castellan_store::Page {
            page: 1,
            page_size: user_ids.len().max(1) as i64,
        },
    )
    .await?;
    let owners: HashMap<i64, UserJson> = users_json(conn, owners, &state.install_id, true, None)
        .await?
        .into_iter()
        .map(|u| (u.pk, u))
        .collect();
    let mut app_ids: Vec<Uuid> = rows.iter().map(|c| c.application).collect();
    app_ids.sort_unstable();
    app_ids.dedup();
    let apps = applications::get_many(conn, &app_ids).await?;
    let apps: HashMap<Uuid, ConsentApplicationJson> = consent_applications_json(conn, apps, viewer)
        .await?
        .into_iter()
        .map(|a| (a.pk, a))
        .collect();
    rows.into_iter()
        .map(|c| {
            let missing = || ApiError::Internal("consent references a missing row".into());
            Ok(UserConsentJson {
                pk: c.pk,
                expires: c.expires,
                expiring: c.expiring,
                user: owners.get(&c.user).cloned().ok_or_else(missing)?,
                application: apps.get(&c.application).cloned().ok_or_else(missing)?,
                permissions: c.permissions,
            })
        })
        .collect()
}

/// The owner restriction for `p`: none for superusers, their own pk otherwise.
fn owner_scope(p: &Principal) -> Option<i64> {
    (!p.is_superuser).then_some(p.user.pk)
}

const INVALID_CHOICE: &str =
    "Select a valid choice. That choice is not one of the available choices.";

/// `GET /core/user_consent/`.
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    params: Params,
) -> ApiResult<Json<Paginated<UserConsentJson>>> {
    let page = params.page()?;
    let mut conn = state.store.conn().await?;
    // django-filter's model choice filters: an unparsable or unknown pk is a 400.
    let user = match params.text("user") {
        Some(raw) => {
            let pk = raw.trim().parse::<i64>().ok();
            match pk {
                Some(pk) if users::get(&mut conn, pk).await?.is_some() => Some(pk),
                _ => return Err(ApiError::field("user", INVALID_CHOICE)),
            }
        }
        None => None,
    };
    let application = match params.text("application") {
        Some(raw) => {
            let pk = Uuid::parse_str(raw.trim()).ok();
            match pk {
                Some(pk) if applications::get(&mut conn, pk).await?.is_some() => Some(pk),
                _ => return Err(ApiError::field("application", INVALID_CHOICE)),
            }
        }
        None => None,
    };
    let f = ConsentFilter {
        owner: owner_scope(&principal),
        user,
        application,
        order_by: params.ordering(consent::ordering),
    };
    let (rows, count) = consent::list_filtered(&mut conn, &f, page).await?;
    let out = to_json(&mut conn, &state, rows, &principal.user).await?;
    Ok(Json(Paginated::new(out, count, page)?))
}

/// Loads a record the caller may see; unknown, malformed and foreign ids are all 404.
async fn load(
    conn: &mut AnyConnection,
    principal: &Principal,
    raw: &str,
) -> ApiResult<UserConsent> {
    let id: i64 = raw.parse().map_err(|_| ApiError::NotFound)?;
    consent::get(conn, id)
        .await?
        .filter(|c| owner_scope(principal).is_none_or(|owner| c.user == owner))
        .ok_or(ApiError::NotFound)
}

/// `GET /core/user_consent/{id}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<UserConsentJson>> {
    let mut conn = state.store.conn().await?;
    let c = load(&mut conn, &principal, &id).await?;
    to_json(&mut conn, &state, vec![c], &principal.user)
        .await?
        .pop()
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// `str(UserConsent)` in authentik: `User Consent <application> by <user>`.
async fn display_name(conn: &mut AnyConnection, c: &UserConsent) -> Result<String, StoreError> {
    let app = applications::get(conn, c.application)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let user = users::get(conn, c.user)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    Ok(format!("User Consent {app} by {user}"))
}

/// `DELETE /core/user_consent/{id}/` (logs `model_deleted`).
pub async fn destroy(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let now = state.store.now();
    let mut tx = state.store.begin().await?;
    let c = load(&mut tx, &principal, &id).await?;
    let name = display_name(&mut tx, &c).await?;
    consent::delete(&mut tx, c.pk).await?;
    let model: Value = audit::model_ref("authentik_stages_consent", "userconsent", c.pk, &name);
    audit::model_event(&mut tx, now, &ctx, &principal.user, "model_deleted", model).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /core/user_consent/{id}/used_by/`: nothing references a consent record.
pub async fn used_by(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<UsedBy>>> {
    let mut conn = state.store.conn().await?;
    load(&mut conn, &principal, &id).await?;
    Ok(Json(Vec::new()))
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/core/user_consent/", get(list))
        .route("/core/user_consent/{id}/", get(retrieve).delete(destroy))
        .route("/core/user_consent/{id}/used_by/", get(used_by))
}

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/core/user_consent/",
        "core_user_consent_list",
        "core",
        Some("PaginatedUserConsentList"),
        200,
    ),
    (
        "get",
        "/core/user_consent/{id}/",
        "core_user_consent_retrieve",
        "core",
        Some("UserConsent"),
        200,
    ),
    (
        "delete",
        "/core/user_consent/{id}/",
        "core_user_consent_destroy",
        "core",
        None,
        204,
    ),
    (
        "get",
        "/core/user_consent/{id}/used_by/",
        "core_user_consent_used_by_list",
        "core",
        Some("[UsedBy]"),
        200,
    ),
];

/// Component schemas of this resource.
#[derive(OpenApi)]
#[openapi(components(schemas(UserConsentJson, ConsentApplicationJson)))]
pub struct Doc;
