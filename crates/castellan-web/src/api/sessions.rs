//! `/api/v3/core/authenticated_sessions/` (lookup `uuid`): list, retrieve, delete and `used_by`
//! (spec §1.7). Superusers see every session, other users only their own (someone else's is a
//! 404). Deleting one ends the browser session it tracks.
use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use castellan_core::session::AuthenticatedSession;
use castellan_store::AnyConnection;
use castellan_store::sessions::{self, AuthenticatedSessionFilter};
use chrono::{DateTime, Utc};
use http::request::Parts;
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use super::used_by::UsedBy;
use super::user_agent::{self, UserAgent};
use crate::auth::{self, Principal, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult};
use crate::geoip::GeoIp as GeoIpDatabases;
use crate::openapi::Operation;
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// The session key the request's own session cookie resolves to, if its signature holds.
#[derive(Debug, Clone, Default)]
pub struct CurrentSessionKey(pub Option<String>);

impl FromRequestParts<AppState> for CurrentSessionKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(auth::cookie(parts, SESSION_COOKIE).and_then(|raw| {
            auth::session_key_from_cookie(state, &raw)
        })))
    }
}

/// GeoIP data of the last IP (null without a GeoIP database or data for the IP).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GeoIp {
    /// Continent code.
    pub continent: String,
    /// Country code.
    pub country: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub long: f64,
    /// City.
    pub city: String,
}

/// ASN data of the last IP (null without an ASN database or data for the IP).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Asn {
    /// AS number.
    pub asn: i64,
    /// AS organisation.
    pub as_org: Option<String>,
    /// Network.
    pub network: Option<String>,
}

/// `AuthenticatedSession`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = AuthenticatedSession)]
pub struct AuthenticatedSessionJson {
    /// Record id.
    #[schema(required = false)]
    pub uuid: Uuid,
    /// Whether this is the session of the request.
    pub current: bool,
    /// Parsed last user agent.
    #[schema(inline)]
    pub user_agent: UserAgent,
    /// GeoIP data of `last_ip` (null: no GeoIP database or no data).
    #[schema(inline, required = true)]
    pub geo_ip: Option<GeoIp>,
    /// ASN data of `last_ip` (null: no ASN database or no data).
    #[schema(inline, required = true)]
    pub asn: Option<Asn>,
    /// Owner id.
    pub user: i64,
    /// Last client IP.
    pub last_ip: String,
    /// Last user agent.
    #[schema(required = false)]
    pub last_user_agent: String,
    /// Last activity.
    pub last_used: DateTime<Utc>,
    /// Expiry.
    pub expires: Option<DateTime<Utc>>,
}

impl GeoIp {
    /// From a City dict; missing parts become empty / zero, as authentik's serializer shows them.
    fn from_dict(d: &Value) -> Self {
        let text = |k: &str| {
            d.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let number = |k: &str| d.get(k).and_then(Value::as_f64).unwrap_or_default();
        Self {
            continent: text("continent"),
            country: text("country"),
            lat: number("lat"),
            long: number("long"),
            city: text("city"),
        }
    }
}

impl Asn {
    /// From an ASN dict; `None` without an AS number.
    fn from_dict(d: &Value) -> Option<Self> {
        let text = |k: &str| d.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            asn: d.get("asn").and_then(Value::as_i64)?,
            as_org: text("as_org"),
            network: text("network"),
        })
    }
}

/// The API shape of a session record; `current` compares with the request's session key.
/// GeoIP and ASN data are looked up for `last_ip` when read, as authentik's serializer does.
pub fn to_json(
    s: AuthenticatedSession,
    current_key: Option<&str>,
    geoip: &GeoIpDatabases,
) -> AuthenticatedSessionJson {
    AuthenticatedSessionJson {
        uuid: s.uuid,
        current: current_key == Some(s.session_key.as_str()),
        user_agent: user_agent::parse(&s.last_user_agent),
        geo_ip: geoip.city_dict(&s.last_ip).as_ref().map(GeoIp::from_dict),
        asn: geoip.asn_dict(&s.last_ip).as_ref().and_then(Asn::from_dict),
        user: s.user,
        last_ip: s.last_ip,
        last_user_agent: s.last_user_agent,
        last_used: s.last_used,
        expires: s.expires,
    }
}

/// The owner restriction for `p`: none for superusers, their own pk otherwise.
fn owner_scope(p: &Principal) -> Option<i64> {
    (!p.is_superuser).then_some(p.user.pk)
}

/// `GET /core/authenticated_sessions/`.
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    CurrentSessionKey(current): CurrentSessionKey,
    params: Params,
) -> ApiResult<Json<Paginated<AuthenticatedSessionJson>>> {
    let page = params.page()?;
    let f = AuthenticatedSessionFilter {
        owner: owner_scope(&principal),
        user_username: params.text("user__username"),
        last_ip: params.text("last_ip"),
        last_user_agent: params.text("last_user_agent"),
        search: params.search(),
        order_by: params.ordering(sessions::authenticated_ordering),
    };
    let mut conn = state.store.conn().await?;
    let (rows, count) = sessions::list_authenticated_filtered(&mut conn, &f, page).await?;
    let out = rows
        .into_iter()
        .map(|s| to_json(s, current.as_deref(), &state.geoip))
        .collect();
    Ok(Json(Paginated::new(out, count, page)?))
}

/// Loads a record the caller may see; unknown, malformed and foreign ids are all 404.
async fn load(
    conn: &mut AnyConnection,
    principal: &Principal,
    raw: &str,
) -> ApiResult<AuthenticatedSession> {
    let id = Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)?;
    sessions::get_authenticated(conn, id)
        .await?
        .filter(|s| owner_scope(principal).is_none_or(|owner| s.user == owner))
        .ok_or(ApiError::NotFound)
}

/// `GET /core/authenticated_sessions/{uuid}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    principal: Principal,
    CurrentSessionKey(current): CurrentSessionKey,
    Path(id): Path<String>,
) -> ApiResult<Json<AuthenticatedSessionJson>> {
    let mut conn = state.store.conn().await?;
    let s = load(&mut conn, &principal, &id).await?;
    Ok(Json(to_json(s, current.as_deref(), &state.geoip)))
}

/// `DELETE /core/authenticated_sessions/{uuid}/`: deletes the session itself, which removes
/// the record with it. Like authentik (which excludes `AuthenticatedSession` from model
/// events), no `model_deleted` event is written.
pub async fn destroy(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let s = load(&mut tx, &principal, &id).await?;
    sessions::delete_authenticated(&mut tx, s.uuid).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /core/authenticated_sessions/{uuid}/used_by/`: nothing references a session record.
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
        .route("/core/authenticated_sessions/", get(list))
        .route(
            "/core/authenticated_sessions/{uuid}/",
            get(retrieve).delete(destroy),
        )
        .route("/core/authenticated_sessions/{uuid}/used_by/", get(used_by))
}

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/core/authenticated_sessions/",
        "core_authenticated_sessions_list",
        "core",
        Some("PaginatedAuthenticatedSessionList"),
        200,
    ),
    (
        "get",
        "/core/authenticated_sessions/{uuid}/",
        "core_authenticated_sessions_retrieve",
        "core",
        Some("AuthenticatedSession"),
        200,
    ),
    (
        "delete",
        "/core/authenticated_sessions/{uuid}/",
        "core_authenticated_sessions_destroy",
        "core",
        None,
        204,
    ),
    (
        "get",
        "/core/authenticated_sessions/{uuid}/used_by/",
        "core_authenticated_sessions_used_by_list",
        "core",
        Some("[UsedBy]"),
        200,
    ),
];

/// Component schemas of this resource.
#[derive(OpenApi)]
#[openapi(components(schemas(AuthenticatedSessionJson)))]
pub struct Doc;
