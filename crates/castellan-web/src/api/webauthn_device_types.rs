//! `/api/v3/stages/authenticator/webauthn_device_types/` (spec §5.6): the known authenticator
//! models by AAGUID, read-only — a paginated list (`search`, `description`, `aaguid`, `icon`,
//! ordered by description) and one model by AAGUID, for callers holding
//! `authentik_stages_authenticator_webauthn.view_webauthndevicetype` (spec §12).
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::webauthn_device_type::WebAuthnDeviceType;
use castellan_store::webauthn_device_types;
use serde_json::{Value, json};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::openapi::Operation;
use crate::query::{Paginated, Params};
use crate::state::AppState;

/// The serializer: `{aaguid, description}` (authentik 2024.10's `WebAuthnDeviceType`).
pub fn to_json(t: &WebAuthnDeviceType) -> Value {
    json!({"aaguid": t.aaguid, "description": t.description})
}

/// The permission to read the table.
const VIEW: &str = "authentik_stages_authenticator_webauthn.view_webauthndevicetype";

fn require(p: &Principal) -> ApiResult<()> {
    if p.has_perm(VIEW) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "You do not have permission to perform this action.".into(),
        ))
    }
}

fn ordering(field: &str) -> Option<&'static str> {
    match field {
        "description" => Some("description"),
        "-description" => Some("-description"),
        "aaguid" => Some("aaguid"),
        "-aaguid" => Some("-aaguid"),
        _ => None,
    }
}

fn sort(list: &mut [WebAuthnDeviceType], order: Option<&str>) {
    match order {
        Some("-description") => list.sort_by(|a, b| b.description.cmp(&a.description)),
        Some("aaguid") => list.sort_by(|a, b| a.aaguid.cmp(&b.aaguid)),
        Some("-aaguid") => list.sort_by(|a, b| b.aaguid.cmp(&a.aaguid)),
        // The store already orders by description.
        _ => {}
    }
}

/// `GET /stages/authenticator/webauthn_device_types/`.
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    require(&p)?;
    let page = params.page()?;
    let aaguid = params.uuid("aaguid")?.map(|u| u.to_string());
    let description = params.text("description");
    let icon = params.text("icon");
    let search = params.search();
    let mut conn = state.store.conn().await?;
    let mut list: Vec<WebAuthnDeviceType> =
        webauthn_device_types::list(&mut conn, search.as_deref())
            .await?
            .into_iter()
            .filter(|t| aaguid.as_ref().is_none_or(|a| &t.aaguid == a))
            .filter(|t| description.as_ref().is_none_or(|d| &t.description == d))
            .filter(|t| icon.is_none() || t.icon == icon)
            .collect();
    sort(&mut list, params.ordering(ordering).as_deref());
    let count = i64::try_from(list.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from((page.page - 1).max(0) * page.page_size).unwrap_or(usize::MAX);
    let take = usize::try_from(page.page_size).unwrap_or(100);
    let rows = list.iter().skip(skip).take(take).map(to_json).collect();
    Ok(Json(Paginated::new(rows, count, page)?))
}

/// `GET /stages/authenticator/webauthn_device_types/{aaguid}/` (404 when unknown).
pub async fn retrieve(
    State(state): State<AppState>,
    p: Principal,
    Path(aaguid): Path<String>,
) -> ApiResult<Json<Value>> {
    require(&p)?;
    let aaguid = uuid::Uuid::parse_str(&aaguid).map_err(|_| ApiError::NotFound)?;
    let mut conn = state.store.conn().await?;
    let found = webauthn_device_types::get(&mut conn, &aaguid.to_string())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(to_json(&found)))
}

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stages/authenticator/webauthn_device_types/", get(list))
        .route(
            "/stages/authenticator/webauthn_device_types/{aaguid}/",
            get(retrieve),
        )
}

/// The OpenAPI schemas: `WebAuthnDeviceType` and its request form.
pub fn schemas() -> Vec<(String, Value)> {
    let description = "WebAuthnDeviceType Serializer";
    let aaguid = json!({"type": "string", "format": "uuid"});
    vec![
        (
            "WebAuthnDeviceType".into(),
            json!({"type": "object", "description": description,
                   "properties": {"aaguid": aaguid, "description": {"type": "string"}},
                   "required": ["aaguid", "description"]}),
        ),
        (
            "WebAuthnDeviceTypeRequest".into(),
            json!({"type": "object", "description": description,
                   "properties": {"aaguid": aaguid,
                                  "description": {"type": "string", "minLength": 1}},
                   "required": ["aaguid", "description"]}),
        ),
    ]
}

/// Documented operations.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/stages/authenticator/webauthn_device_types/",
        "stages_authenticator_webauthn_device_types_list",
        "stages",
        Some("PaginatedWebAuthnDeviceTypeList"),
        200,
    ),
    (
        "get",
        "/stages/authenticator/webauthn_device_types/{aaguid}/",
        "stages_authenticator_webauthn_device_types_retrieve",
        "stages",
        Some("WebAuthnDeviceType"),
        200,
    ),
];
