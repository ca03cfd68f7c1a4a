//! `/api/v3/core/user_consent/` (lookup `id`): list, retrieve, delete and `used_by`. Superusers
//! see all consent, other users only their own (someone else's is a 404).
//! The embedded `Application` JSON is the applications module's.
use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use castellan_core::consent::UserConsent;
use castellan_core::user::User;
use castellan_store::consent::{self, ConsentFilter};
use castellan_store::{AnyConnection, StoreError, applications, users};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use super::applications::{ApplicationJson, applications_json};
use super::used_by::UsedBy;
use super::user_json::{UserJson, users_json};
use crate::audit;
use crate::auth::Principal;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::openapi::Operation;
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

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
    pub application: ApplicationJson,
    /// Space-separated permissions consented to.
    #[schema(required = false)]
    pub permissions: String,
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
    let apps: HashMap<Uuid, ApplicationJson> = applications_json(conn, apps, viewer)
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
    let mut tx = Write::begin(&state.store).await?;
    let c = load(&mut tx, &principal, &id).await?;
    let name = display_name(&mut tx, &c).await?;
    consent::delete(&mut tx, c.pk).await?;
    let model: Value = audit::model_ref("authentik_stages_consent", "userconsent", c.pk, &name);
    tx.event(&ctx, &principal.user, "model_deleted", model)
        .await?;
    tx.commit().await?;
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
#[openapi(components(schemas(UserConsentJson)))]
pub struct Doc;
