//! `/api/v3/authenticators/` for the caller's own devices (spec §5.2): `all/` (unpaginated,
//! confirmed devices of every class) and per class `duo/`, `sms/`, `totp/`, `static/` and
//! `webauthn/` (list, retrieve, rename, delete, `used_by`). Another user's device is a 404.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value};

use super::authenticators_json::{AnyDevice, DeviceKind, get as get_device, load};
use super::used_by::UsedBy;
use crate::auth::Principal;
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// Pages an in-memory list with the request's `page`/`page_size`, filtered by `name`.
pub fn paginate(params: &Params, devices: Vec<AnyDevice>) -> ApiResult<Paginated<Value>> {
    let page = params.page()?;
    let name = params.text("name");
    let list: Vec<AnyDevice> = devices
        .into_iter()
        .filter(|d| name.as_ref().is_none_or(|n| &d.common().name == n))
        .collect();
    let count = i64::try_from(list.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from((page.page - 1).max(0) * page.page_size).unwrap_or(usize::MAX);
    let take = usize::try_from(page.page_size).unwrap_or(100);
    let rows = list
        .iter()
        .skip(skip)
        .take(take)
        .map(AnyDevice::class_json)
        .collect();
    Paginated::new(rows, count, page)
}

/// Loads a device of `kind` by path id, visible to `owner` (`None`: any owner).
pub async fn load_one(
    conn: &mut castellan_store::AnyConnection,
    kind: DeviceKind,
    id: &str,
    owner: Option<i64>,
) -> ApiResult<AnyDevice> {
    let pk: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    get_device(conn, kind, pk)
        .await?
        .filter(|d| owner.is_none_or(|o| d.common().user == o))
        .ok_or(ApiError::NotFound)
}

/// Which device a request addresses: class, path id, the owner it must have (`None`: any), and
/// the RBAC action the caller must hold on it (admin endpoints; checked on the device as loaded
/// in the write's transaction).
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// Class.
    pub kind: DeviceKind,
    /// Path id.
    pub id: &'a str,
    /// Required owner.
    pub owner: Option<i64>,
    /// `change` / `delete` for admin endpoints (see `authenticators_admin::permit`).
    pub action: Option<&'static str>,
}

/// Renames a device (PUT/PATCH body `{name}`), recording `model_updated`.
pub async fn rename(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    target: Target<'_>,
    body: &Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let Target {
        kind,
        id,
        owner,
        action,
    } = target;
    let mut fields = Fields::new(body, partial);
    let name = fields.string("name", true, false, kind.name_max_length());
    fields.finish()?;
    let mut tx = Write::begin(&state.store).await?;
    let device = load_one(&mut tx, kind, id, owner).await?;
    if let Some(action) = action {
        super::authenticators_admin::permit(principal, action, &device)?;
    }
    let pk = device.common().pk;
    if let Some(name) = name {
        castellan_store::devices::rename(&mut tx, kind.table(), pk, &name, state.store.now())
            .await?;
    }
    let after = load_one(&mut tx, kind, id, owner).await?;
    tx.event(
        ctx,
        &principal.user,
        "model_updated",
        kind.model_ref(after.common()),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after.class_json()))
}

/// Deletes a device, recording `model_deleted`.
pub async fn delete(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    target: Target<'_>,
) -> ApiResult<StatusCode> {
    let Target {
        kind,
        id,
        owner,
        action,
    } = target;
    let mut tx = Write::begin(&state.store).await?;
    let device = load_one(&mut tx, kind, id, owner).await?;
    if let Some(action) = action {
        super::authenticators_admin::permit(principal, action, &device)?;
    }
    castellan_store::devices::delete(&mut tx, kind.table(), device.common().pk).await?;
    tx.event(
        ctx,
        &principal.user,
        "model_deleted",
        kind.model_ref(device.common()),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /authenticators/all/`.
pub async fn all(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<Vec<Value>>> {
    let mut conn = state.store.conn().await?;
    let list = load(&mut conn, None, Some(principal.user.pk), true).await?;
    Ok(Json(list.iter().map(AnyDevice::device_json).collect()))
}

macro_rules! class_handlers {
    ($kind:expr, $list:ident, $retrieve:ident, $update:ident, $patch:ident, $destroy:ident, $used_by:ident) => {
        /// List own devices of the class.
        pub async fn $list(
            State(state): State<AppState>,
            principal: Principal,
            params: Params,
        ) -> ApiResult<Json<Paginated<Value>>> {
            let mut conn = state.store.conn().await?;
            let list = load(&mut conn, Some($kind), Some(principal.user.pk), false).await?;
            Ok(Json(paginate(&params, list)?))
        }
        /// Retrieve an own device.
        pub async fn $retrieve(
            State(state): State<AppState>,
            principal: Principal,
            Path(id): Path<String>,
        ) -> ApiResult<Json<Value>> {
            let mut conn = state.store.conn().await?;
            let d = load_one(&mut conn, $kind, &id, Some(principal.user.pk)).await?;
            Ok(Json(d.class_json()))
        }
        /// Rename an own device (PUT).
        pub async fn $update(
            State(state): State<AppState>,
            principal: Principal,
            ctx: RequestContext,
            Path(id): Path<String>,
            JsonBody(body): JsonBody,
        ) -> ApiResult<Json<Value>> {
            let owner = Some(principal.user.pk);
            rename(
                &state,
                &principal,
                &ctx,
                Target {
                    kind: $kind,
                    id: &id,
                    owner,
                    action: None,
                },
                &body,
                false,
            )
            .await
        }
        /// Rename an own device (PATCH).
        pub async fn $patch(
            State(state): State<AppState>,
            principal: Principal,
            ctx: RequestContext,
            Path(id): Path<String>,
            JsonBody(body): JsonBody,
        ) -> ApiResult<Json<Value>> {
            let owner = Some(principal.user.pk);
            rename(
                &state,
                &principal,
                &ctx,
                Target {
                    kind: $kind,
                    id: &id,
                    owner,
                    action: None,
                },
                &body,
                true,
            )
            .await
        }
        /// Delete an own device.
        pub async fn $destroy(
            State(state): State<AppState>,
            principal: Principal,
            ctx: RequestContext,
            Path(id): Path<String>,
        ) -> ApiResult<StatusCode> {
            let owner = Some(principal.user.pk);
            delete(
                &state,
                &principal,
                &ctx,
                Target {
                    kind: $kind,
                    id: &id,
                    owner,
                    action: None,
                },
            )
            .await
        }
        /// Objects using an own device (none).
        pub async fn $used_by(
            State(state): State<AppState>,
            principal: Principal,
            Path(id): Path<String>,
        ) -> ApiResult<Json<Vec<UsedBy>>> {
            let mut conn = state.store.conn().await?;
            load_one(&mut conn, $kind, &id, Some(principal.user.pk)).await?;
            Ok(Json(Vec::new()))
        }
    };
}

class_handlers!(
    DeviceKind::Totp,
    totp_list,
    totp_retrieve,
    totp_update,
    totp_patch,
    totp_destroy,
    totp_used_by
);
class_handlers!(
    DeviceKind::Static,
    static_list,
    static_retrieve,
    static_update,
    static_patch,
    static_destroy,
    static_used_by
);
class_handlers!(
    DeviceKind::Duo,
    duo_list,
    duo_retrieve,
    duo_update,
    duo_patch,
    duo_destroy,
    duo_used_by
);
class_handlers!(
    DeviceKind::Sms,
    sms_list,
    sms_retrieve,
    sms_update,
    sms_patch,
    sms_destroy,
    sms_used_by
);
class_handlers!(
    DeviceKind::WebAuthn,
    webauthn_list,
    webauthn_retrieve,
    webauthn_update,
    webauthn_patch,
    webauthn_destroy,
    webauthn_used_by
);

/// The routes (own devices and the admin ones).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/authenticators/all/", get(all))
        .route("/authenticators/totp/", get(totp_list))
        .route(
            "/authenticators/totp/{id}/",
            get(totp_retrieve)
                .put(totp_update)
                .patch(totp_patch)
                .delete(totp_destroy),
        )
        .route("/authenticators/totp/{id}/used_by/", get(totp_used_by))
        .route("/authenticators/static/", get(static_list))
        .route(
            "/authenticators/static/{id}/",
            get(static_retrieve)
                .put(static_update)
                .patch(static_patch)
                .delete(static_destroy),
        )
        .route("/authenticators/static/{id}/used_by/", get(static_used_by))
        .route("/authenticators/sms/", get(sms_list))
        .route(
            "/authenticators/sms/{id}/",
            get(sms_retrieve)
                .put(sms_update)
                .patch(sms_patch)
                .delete(sms_destroy),
        )
        .route("/authenticators/sms/{id}/used_by/", get(sms_used_by))
        .route("/authenticators/duo/", get(duo_list))
        .route(
            "/authenticators/duo/{id}/",
            get(duo_retrieve)
                .put(duo_update)
                .patch(duo_patch)
                .delete(duo_destroy),
        )
        .route("/authenticators/duo/{id}/used_by/", get(duo_used_by))
        .route("/authenticators/webauthn/", get(webauthn_list))
        .route(
            "/authenticators/webauthn/{id}/",
            get(webauthn_retrieve)
                .put(webauthn_update)
                .patch(webauthn_patch)
                .delete(webauthn_destroy),
        )
        .route(
            "/authenticators/webauthn/{id}/used_by/",
            get(webauthn_used_by),
        )
        .merge(super::authenticators_admin::routes())
        .merge(super::webauthn_device_types::routes())
}

/// Documented operations.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/authenticators/all/",
        "authenticators_all_list",
        "authenticators",
        Some("[Device]"),
        200,
    ),
    (
        "get",
        "/authenticators/totp/",
        "authenticators_totp_list",
        "authenticators",
        Some("PaginatedTOTPDeviceList"),
        200,
    ),
    (
        "get",
        "/authenticators/totp/{id}/",
        "authenticators_totp_retrieve",
        "authenticators",
        Some("TOTPDevice"),
        200,
    ),
    (
        "put",
        "/authenticators/totp/{id}/",
        "authenticators_totp_update",
        "authenticators",
        Some("TOTPDevice"),
        200,
    ),
    (
        "patch",
        "/authenticators/totp/{id}/",
        "authenticators_totp_partial_update",
        "authenticators",
        Some("TOTPDevice"),
        200,
    ),
    (
        "delete",
        "/authenticators/totp/{id}/",
        "authenticators_totp_destroy",
        "authenticators",
        None,
        204,
    ),
    (
        "get",
        "/authenticators/totp/{id}/used_by/",
        "authenticators_totp_used_by_list",
        "authenticators",
        Some("[UsedBy]"),
        200,
    ),
    (
        "get",
        "/authenticators/sms/",
        "authenticators_sms_list",
        "authenticators",
        Some("PaginatedSMSDeviceList"),
        200,
    ),
    (
        "get",
        "/authenticators/sms/{id}/",
        "authenticators_sms_retrieve",
        "authenticators",
        Some("SMSDevice"),
        200,
    ),
    (
        "put",
        "/authenticators/sms/{id}/",
        "authenticators_sms_update",
        "authenticators",
        Some("SMSDevice"),
        200,
    ),
    (
        "patch",
        "/authenticators/sms/{id}/",
        "authenticators_sms_partial_update",
        "authenticators",
        Some("SMSDevice"),
        200,
    ),
    (
        "delete",
        "/authenticators/sms/{id}/",
        "authenticators_sms_destroy",
        "authenticators",
        None,
        204,
    ),
    (
        "get",
        "/authenticators/sms/{id}/used_by/",
        "authenticators_sms_used_by_list",
        "authenticators",
        Some("[UsedBy]"),
        200,
    ),
    (
        "get",
        "/authenticators/static/",
        "authenticators_static_list",
        "authenticators",
        Some("PaginatedStaticDeviceList"),
        200,
    ),
    (
        "get",
        "/authenticators/static/{id}/",
        "authenticators_static_retrieve",
        "authenticators",
        Some("StaticDevice"),
        200,
    ),
    (
        "put",
        "/authenticators/static/{id}/",
        "authenticators_static_update",
        "authenticators",
        Some("StaticDevice"),
        200,
    ),
    (
        "patch",
        "/authenticators/static/{id}/",
        "authenticators_static_partial_update",
        "authenticators",
        Some("StaticDevice"),
        200,
    ),
    (
        "delete",
        "/authenticators/static/{id}/",
        "authenticators_static_destroy",
        "authenticators",
        None,
        204,
    ),
    (
        "get",
        "/authenticators/static/{id}/used_by/",
        "authenticators_static_used_by_list",
        "authenticators",
        Some("[UsedBy]"),
        200,
    ),
    (
        "get",
        "/authenticators/webauthn/",
        "authenticators_webauthn_list",
        "authenticators",
        Some("PaginatedWebAuthnDeviceList"),
        200,
    ),
    (
        "get",
        "/authenticators/webauthn/{id}/",
        "authenticators_webauthn_retrieve",
        "authenticators",
        Some("WebAuthnDevice"),
        200,
    ),
    (
        "put",
        "/authenticators/webauthn/{id}/",
        "authenticators_webauthn_update",
        "authenticators",
        Some("WebAuthnDevice"),
        200,
    ),
    (
        "patch",
        "/authenticators/webauthn/{id}/",
        "authenticators_webauthn_partial_update",
        "authenticators",
        Some("WebAuthnDevice"),
        200,
    ),
    (
        "delete",
        "/authenticators/webauthn/{id}/",
        "authenticators_webauthn_destroy",
        "authenticators",
        None,
        204,
    ),
    (
        "get",
        "/authenticators/webauthn/{id}/used_by/",
        "authenticators_webauthn_used_by_list",
        "authenticators",
        Some("[UsedBy]"),
        200,
    ),
    (
        "get",
        "/authenticators/duo/",
        "authenticators_duo_list",
        "authenticators",
        Some("PaginatedDuoDeviceList"),
        200,
    ),
    (
        "get",
        "/authenticators/duo/{id}/",
        "authenticators_duo_retrieve",
        "authenticators",
        Some("DuoDevice"),
        200,
    ),
    (
        "put",
        "/authenticators/duo/{id}/",
        "authenticators_duo_update",
        "authenticators",
        Some("DuoDevice"),
        200,
    ),
    (
        "patch",
        "/authenticators/duo/{id}/",
        "authenticators_duo_partial_update",
        "authenticators",
        Some("DuoDevice"),
        200,
    ),
    (
        "delete",
        "/authenticators/duo/{id}/",
        "authenticators_duo_destroy",
        "authenticators",
        None,
        204,
    ),
    (
        "get",
        "/authenticators/duo/{id}/used_by/",
        "authenticators_duo_used_by_list",
        "authenticators",
        Some("[UsedBy]"),
        200,
    ),
];

/// Request bodies of the documented operations.
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("put", "/authenticators/duo/{id}/", "DuoDeviceRequest", true),
    (
        "patch",
        "/authenticators/duo/{id}/",
        "PatchedDuoDeviceRequest",
        false,
    ),
    (
        "put",
        "/authenticators/admin/duo/{id}/",
        "DuoDeviceRequest",
        true,
    ),
    (
        "patch",
        "/authenticators/admin/duo/{id}/",
        "PatchedDuoDeviceRequest",
        false,
    ),
    (
        "put",
        "/authenticators/totp/{id}/",
        "TOTPDeviceRequest",
        true,
    ),
    (
        "patch",
        "/authenticators/totp/{id}/",
        "PatchedTOTPDeviceRequest",
        false,
    ),
    ("put", "/authenticators/sms/{id}/", "SMSDeviceRequest", true),
    (
        "patch",
        "/authenticators/sms/{id}/",
        "PatchedSMSDeviceRequest",
        false,
    ),
    (
        "put",
        "/authenticators/admin/sms/{id}/",
        "SMSDeviceRequest",
        true,
    ),
    (
        "patch",
        "/authenticators/admin/sms/{id}/",
        "PatchedSMSDeviceRequest",
        false,
    ),
    (
        "put",
        "/authenticators/static/{id}/",
        "StaticDeviceRequest",
        true,
    ),
    (
        "patch",
        "/authenticators/static/{id}/",
        "PatchedStaticDeviceRequest",
        false,
    ),
    (
        "put",
        "/authenticators/admin/totp/{id}/",
        "TOTPDeviceRequest",
        true,
    ),
    (
        "patch",
        "/authenticators/admin/totp/{id}/",
        "PatchedTOTPDeviceRequest",
        false,
    ),
    (
        "put",
        "/authenticators/admin/static/{id}/",
        "StaticDeviceRequest",
        true,
    ),
    (
        "patch",
        "/authenticators/admin/static/{id}/",
        "PatchedStaticDeviceRequest",
        false,
    ),
    (
        "put",
        "/authenticators/webauthn/{id}/",
        "WebAuthnDeviceRequest",
        true,
    ),
    (
        "patch",
        "/authenticators/webauthn/{id}/",
        "PatchedWebAuthnDeviceRequest",
        false,
    ),
    (
        "put",
        "/authenticators/admin/webauthn/{id}/",
        "WebAuthnDeviceRequest",
        true,
    ),
    (
        "patch",
        "/authenticators/admin/webauthn/{id}/",
        "PatchedWebAuthnDeviceRequest",
        false,
    ),
];
