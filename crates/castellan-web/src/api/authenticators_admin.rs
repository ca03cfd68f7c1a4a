//! `/api/v3/authenticators/admin/` (spec §5.2), RBAC-checked per device model (spec §12):
//! `all/?user=` (unpaginated: every device, or one user's, the caller may view — `view_<model>`
//! globally or on the device) and per class `duo/`, `sms/`, `totp/`, `static/` and `webauthn/`
//! (list and retrieve with `view_`, rename with `change_`, delete with `delete_<model>`; `create`
//! is refused, devices are enrolled by their user through a setup stage).
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::rbac::model_permission;
use serde_json::Value;

use super::authenticators::{Target, delete, load_one, paginate, rename};
use super::authenticators_json::{AnyDevice, DeviceKind, load};
use crate::auth::Principal;
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::openapi::Operation;
use crate::query::{Paginated, Params};
use crate::state::AppState;

fn denied() -> ApiError {
    ApiError::Forbidden("You do not have permission to perform this action.".into())
}

/// Whether the caller holds `action` on the device.
fn may(p: &Principal, action: &str, d: &AnyDevice) -> bool {
    let model = d.kind().meta_model_name();
    p.has_perm_on(
        &model_permission(action, model),
        model,
        &d.common().pk.to_string(),
    )
}

/// 403 unless the caller may view some device of the class (globally or on one device).
fn require_class(p: &Principal, kind: DeviceKind) -> ApiResult<()> {
    let model = kind.meta_model_name();
    if p.has_perm_on_any(&model_permission("view", model), model) {
        Ok(())
    } else {
        Err(denied())
    }
}

/// Checks `action` on a loaded device: 404 for a device the caller cannot see, 403 for a
/// visible one they may not `action` (authentik's object filter, then its object permission).
pub fn permit(p: &Principal, action: &str, d: &AnyDevice) -> ApiResult<()> {
    if !may(p, "view", d) {
        return Err(ApiError::NotFound);
    }
    if !may(p, action, d) {
        return Err(denied());
    }
    Ok(())
}

/// `GET /authenticators/admin/all/?user=`: the devices of every class the caller may view.
pub async fn all(
    State(state): State<AppState>,
    p: Principal,
    params: Params,
) -> ApiResult<Json<Vec<Value>>> {
    let user = params.integer("user")?;
    let mut conn = state.store.conn().await?;
    let list = load(&mut conn, None, user, false).await?;
    Ok(Json(
        list.iter()
            .filter(|d| may(&p, "view", d))
            .map(AnyDevice::device_json)
            .collect(),
    ))
}

/// `POST /authenticators/admin/<class>/`: refused with a field error. authentik's serializers
/// carry no user, so its create cannot save a device either; devices come from setup stages.
async fn create_refused(p: Principal) -> ApiResult<Json<Value>> {
    if !p.is_superuser && p.permissions.is_empty() {
        return Err(denied());
    }
    Err(ApiError::field(
        "non_field_errors",
        "Devices cannot be created through the API: users enrol them through an authenticator setup stage.",
    ))
}

macro_rules! admin_handlers {
    ($kind:expr, $list:ident, $retrieve:ident, $update:ident, $patch:ident, $destroy:ident) => {
        /// List every device of the class.
        pub async fn $list(
            State(state): State<AppState>,
            p: Principal,
            params: Params,
        ) -> ApiResult<Json<Paginated<Value>>> {
            require_class(&p, $kind)?;
            let mut conn = state.store.conn().await?;
            let mut list = load(&mut conn, Some($kind), None, false).await?;
            list.retain(|d| may(&p, "view", d));
            Ok(Json(paginate(&params, list)?))
        }
        /// Retrieve any device.
        pub async fn $retrieve(
            State(state): State<AppState>,
            p: Principal,
            Path(id): Path<String>,
        ) -> ApiResult<Json<Value>> {
            require_class(&p, $kind)?;
            let mut conn = state.store.conn().await?;
            let d = load_one(&mut conn, $kind, &id, None).await?;
            permit(&p, "view", &d)?;
            Ok(Json(d.class_json()))
        }
        /// Rename any device (PUT).
        pub async fn $update(
            State(state): State<AppState>,
            admin: Principal,
            ctx: RequestContext,
            Path(id): Path<String>,
            JsonBody(body): JsonBody,
        ) -> ApiResult<Json<Value>> {
            require_class(&admin, $kind)?;
            rename(
                &state,
                &admin,
                &ctx,
                Target {
                    kind: $kind,
                    id: &id,
                    owner: None,
                    action: Some("change"),
                },
                &body,
                false,
            )
            .await
        }
        /// Rename any device (PATCH).
        pub async fn $patch(
            State(state): State<AppState>,
            admin: Principal,
            ctx: RequestContext,
            Path(id): Path<String>,
            JsonBody(body): JsonBody,
        ) -> ApiResult<Json<Value>> {
            require_class(&admin, $kind)?;
            rename(
                &state,
                &admin,
                &ctx,
                Target {
                    kind: $kind,
                    id: &id,
                    owner: None,
                    action: Some("change"),
                },
                &body,
                true,
            )
            .await
        }
        /// Delete any device.
        pub async fn $destroy(
            State(state): State<AppState>,
            admin: Principal,
            ctx: RequestContext,
            Path(id): Path<String>,
        ) -> ApiResult<StatusCode> {
            require_class(&admin, $kind)?;
            delete(
                &state,
                &admin,
                &ctx,
                Target {
                    kind: $kind,
                    id: &id,
                    owner: None,
                    action: Some("delete"),
                },
            )
            .await
        }
    };
}

admin_handlers!(
    DeviceKind::Totp,
    totp_list,
    totp_retrieve,
    totp_update,
    totp_patch,
    totp_destroy
);
admin_handlers!(
    DeviceKind::Static,
    static_list,
    static_retrieve,
    static_update,
    static_patch,
    static_destroy
);
admin_handlers!(
    DeviceKind::Duo,
    duo_list,
    duo_retrieve,
    duo_update,
    duo_patch,
    duo_destroy
);
admin_handlers!(
    DeviceKind::Sms,
    sms_list,
    sms_retrieve,
    sms_update,
    sms_patch,
    sms_destroy
);
admin_handlers!(
    DeviceKind::WebAuthn,
    webauthn_list,
    webauthn_retrieve,
    webauthn_update,
    webauthn_patch,
    webauthn_destroy
);

/// The admin routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/authenticators/admin/all/", get(all))
        .route(
            "/authenticators/admin/totp/",
            get(totp_list).post(create_refused),
        )
        .route(
            "/authenticators/admin/totp/{id}/",
            get(totp_retrieve)
                .put(totp_update)
                .patch(totp_patch)
                .delete(totp_destroy),
        )
        .route(
            "/authenticators/admin/static/",
            get(static_list).post(create_refused),
        )
        .route(
            "/authenticators/admin/static/{id}/",
            get(static_retrieve)
                .put(static_update)
                .patch(static_patch)
                .delete(static_destroy),
        )
        .route(
            "/authenticators/admin/duo/",
            get(duo_list).post(create_refused),
        )
        .route(
            "/authenticators/admin/duo/{id}/",
            get(duo_retrieve)
                .put(duo_update)
                .patch(duo_patch)
                .delete(duo_destroy),
        )
        .route(
            "/authenticators/admin/sms/",
            get(sms_list).post(create_refused),
        )
        .route(
            "/authenticators/admin/sms/{id}/",
            get(sms_retrieve)
                .put(sms_update)
                .patch(sms_patch)
                .delete(sms_destroy),
        )
        .route(
            "/authenticators/admin/webauthn/",
            get(webauthn_list).post(create_refused),
        )
        .route(
            "/authenticators/admin/webauthn/{id}/",
            get(webauthn_retrieve)
                .put(webauthn_update)
                .patch(webauthn_patch)
                .delete(webauthn_destroy),
        )
}

/// Documented operations.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/authenticators/admin/all/",
        "authenticators_admin_all_list",
        "authenticators",
        Some("[Device]"),
        200,
    ),
    (
        "get",
        "/authenticators/admin/totp/",
        "authenticators_admin_totp_list",
        "authenticators",
        Some("PaginatedTOTPDeviceList"),
        200,
    ),
    (
        "get",
        "/authenticators/admin/totp/{id}/",
        "authenticators_admin_totp_retrieve",
        "authenticators",
        Some("TOTPDevice"),
        200,
    ),
    (
        "put",
        "/authenticators/admin/totp/{id}/",
        "authenticators_admin_totp_update",
        "authenticators",
        Some("TOTPDevice"),
        200,
    ),
    (
        "patch",
        "/authenticators/admin/totp/{id}/",
        "authenticators_admin_totp_partial_update",
        "authenticators",
        Some("TOTPDevice"),
        200,
    ),
    (
        "delete",
        "/authenticators/admin/totp/{id}/",
        "authenticators_admin_totp_destroy",
        "authenticators",
        None,
        204,
    ),
    (
        "get",
        "/authenticators/admin/static/",
        "authenticators_admin_static_list",
        "authenticators",
        Some("PaginatedStaticDeviceList"),
        200,
    ),
    (
        "get",
        "/authenticators/admin/static/{id}/",
        "authenticators_admin_static_retrieve",
        "authenticators",
        Some("StaticDevice"),
        200,
    ),
    (
        "put",
        "/authenticators/admin/static/{id}/",
        "authenticators_admin_static_update",
        "authenticators",
        Some("StaticDevice"),
        200,
    ),
    (
        "patch",
        "/authenticators/admin/static/{id}/",
        "authenticators_admin_static_partial_update",
        "authenticators",
        Some("StaticDevice"),
        200,
    ),
    (
        "delete",
        "/authenticators/admin/static/{id}/",
        "authenticators_admin_static_destroy",
        "authenticators",
        None,
        204,
    ),
    (
        "get",
        "/authenticators/admin/sms/",
        "authenticators_admin_sms_list",
        "authenticators",
        Some("PaginatedSMSDeviceList"),
        200,
    ),
    (
        "get",
        "/authenticators/admin/sms/{id}/",
        "authenticators_admin_sms_retrieve",
        "authenticators",
        Some("SMSDevice"),
        200,
    ),
    (
        "put",
        "/authenticators/admin/sms/{id}/",
        "authenticators_admin_sms_update",
        "authenticators",
        Some("SMSDevice"),
        200,
    ),
    (
        "patch",
        "/authenticators/admin/sms/{id}/",
        "authenticators_admin_sms_partial_update",
        "authenticators",
        Some("SMSDevice"),
        200,
    ),
    (
        "delete",
        "/authenticators/admin/sms/{id}/",
        "authenticators_admin_sms_destroy",
        "authenticators",
        None,
        204,
    ),
    (
        "get",
        "/authenticators/admin/webauthn/",
        "authenticators_admin_webauthn_list",
        "authenticators",
        Some("PaginatedWebAuthnDeviceList"),
        200,
    ),
    (
        "get",
        "/authenticators/admin/webauthn/{id}/",
        "authenticators_admin_webauthn_retrieve",
        "authenticators",
        Some("WebAuthnDevice"),
        200,
    ),
    (
        "put",
        "/authenticators/admin/webauthn/{id}/",
        "authenticators_admin_webauthn_update",
        "authenticators",
        Some("WebAuthnDevice"),
        200,
    ),
    (
        "patch",
        "/authenticators/admin/webauthn/{id}/",
        "authenticators_admin_webauthn_partial_update",
        "authenticators",
        Some("WebAuthnDevice"),
        200,
    ),
    (
        "delete",
        "/authenticators/admin/webauthn/{id}/",
        "authenticators_admin_webauthn_destroy",
        "authenticators",
        None,
        204,
    ),
    (
        "get",
        "/authenticators/admin/duo/",
        "authenticators_admin_duo_list",
        "authenticators",
        Some("PaginatedDuoDeviceList"),
        200,
    ),
    (
        "get",
        "/authenticators/admin/duo/{id}/",
        "authenticators_admin_duo_retrieve",
        "authenticators",
        Some("DuoDevice"),
        200,
    ),
    (
        "put",
        "/authenticators/admin/duo/{id}/",
        "authenticators_admin_duo_update",
        "authenticators",
        Some("DuoDevice"),
        200,
    ),
    (
        "patch",
        "/authenticators/admin/duo/{id}/",
        "authenticators_admin_duo_partial_update",
        "authenticators",
        Some("DuoDevice"),
        200,
    ),
    (
        "delete",
        "/authenticators/admin/duo/{id}/",
        "authenticators_admin_duo_destroy",
        "authenticators",
        None,
        204,
    ),
];
