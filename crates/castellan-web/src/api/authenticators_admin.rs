//! `/api/v3/authenticators/admin/` for superusers (spec §5.2): `all/?user=` (unpaginated, every
//! device or one user's) and per class `duo/`, `sms/`, `totp/`, `static/` and `webauthn/` (list,
//! retrieve, rename, delete).
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use super::authenticators::{Target, delete, load_one, paginate, rename};
use super::authenticators_json::{AnyDevice, DeviceKind, load};
use crate::auth::Admin;
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::ApiResult;
use crate::openapi::Operation;
use crate::query::{Paginated, Params};
use crate::state::AppState;

/// `GET /authenticators/admin/all/?user=`.
pub async fn all(
    State(state): State<AppState>,
    _: Admin,
    params: Params,
) -> ApiResult<Json<Vec<Value>>> {
    let user = params.integer("user")?;
    let mut conn = state.store.conn().await?;
    let list = load(&mut conn, None, user, false).await?;
    Ok(Json(list.iter().map(AnyDevice::device_json).collect()))
}

macro_rules! admin_handlers {
    ($kind:expr, $list:ident, $retrieve:ident, $update:ident, $patch:ident, $destroy:ident) => {
        /// List every device of the class.
        pub async fn $list(
            State(state): State<AppState>,
            _: Admin,
            params: Params,
        ) -> ApiResult<Json<Paginated<Value>>> {
            let mut conn = state.store.conn().await?;
            let list = load(&mut conn, Some($kind), None, false).await?;
            Ok(Json(paginate(&params, list)?))
        }
        /// Retrieve any device.
        pub async fn $retrieve(
            State(state): State<AppState>,
            _: Admin,
            Path(id): Path<String>,
        ) -> ApiResult<Json<Value>> {
            let mut conn = state.store.conn().await?;
            Ok(Json(
                load_one(&mut conn, $kind, &id, None).await?.class_json(),
            ))
        }
        /// Rename any device (PUT).
        pub async fn $update(
            State(state): State<AppState>,
            Admin(admin): Admin,
            ctx: RequestContext,
            Path(id): Path<String>,
            JsonBody(body): JsonBody,
        ) -> ApiResult<Json<Value>> {
            rename(
                &state,
                &admin,
                &ctx,
                Target {
                    kind: $kind,
                    id: &id,
                    owner: None,
                },
                &body,
                false,
            )
            .await
        }
        /// Rename any device (PATCH).
        pub async fn $patch(
            State(state): State<AppState>,
            Admin(admin): Admin,
            ctx: RequestContext,
            Path(id): Path<String>,
            JsonBody(body): JsonBody,
        ) -> ApiResult<Json<Value>> {
            rename(
                &state,
                &admin,
                &ctx,
                Target {
                    kind: $kind,
                    id: &id,
                    owner: None,
                },
                &body,
                true,
            )
            .await
        }
        /// Delete any device.
        pub async fn $destroy(
            State(state): State<AppState>,
            Admin(admin): Admin,
            ctx: RequestContext,
            Path(id): Path<String>,
        ) -> ApiResult<StatusCode> {
            delete(
                &state,
                &admin,
                &ctx,
                Target {
                    kind: $kind,
                    id: &id,
                    owner: None,
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
        .route("/authenticators/admin/totp/", get(totp_list))
        .route(
            "/authenticators/admin/totp/{id}/",
            get(totp_retrieve)
                .put(totp_update)
                .patch(totp_patch)
                .delete(totp_destroy),
        )
        .route("/authenticators/admin/static/", get(static_list))
        .route(
            "/authenticators/admin/static/{id}/",
            get(static_retrieve)
                .put(static_update)
                .patch(static_patch)
                .delete(static_destroy),
        )
        .route("/authenticators/admin/duo/", get(duo_list))
        .route(
            "/authenticators/admin/duo/{id}/",
            get(duo_retrieve)
                .put(duo_update)
                .patch(duo_patch)
                .delete(duo_destroy),
        )
        .route("/authenticators/admin/sms/", get(sms_list))
        .route(
            "/authenticators/admin/sms/{id}/",
            get(sms_retrieve)
                .put(sms_update)
                .patch(sms_patch)
                .delete(sms_destroy),
        )
        .route("/authenticators/admin/webauthn/", get(webauthn_list))
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
