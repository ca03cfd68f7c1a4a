//! The Duo setup stage's own API actions (spec §5.7): `enrollment_status/` asks Duo for the
//! status of the enrolment kept in the caller's flow session, `import_device_manual/` (admins)
//! saves a Duo device for a user already enrolled in Duo, and `import_devices_automatic/`
//! (admins, Duo Admin API; see `stages_authenticator_duo_import`) imports every matching user.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use castellan_core::mfa::{DeviceCommon, DuoDevice};
use castellan_stages::authenticator_duo::enrollment::{Enrollment, read_status, status_params};
use castellan_stages::authenticator_duo::{KIND, duo_api};
use castellan_store::{devices_duo, stages, users};
use http::request::Parts;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::{Admin, SESSION_COOKIE, cookie};
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::flow::{duo_client, session};
use crate::openapi::{Operation, RequestBody};
use crate::state::AppState;
use crate::write::Write;

const STATUS: &str = "/stages/authenticator/duo/{stage_uuid}/enrollment_status/";
const IMPORT: &str = "/stages/authenticator/duo/{stage_uuid}/import_device_manual/";
/// Name of manually imported devices (authentik's, as automatic imports).
pub const IMPORTED_NAME: &str = super::stages_authenticator_duo_import::NAME;

/// The documented operations.
pub const OPERATIONS: &[Operation] = &[
    (
        "post",
        STATUS,
        "stages_authenticator_duo_enrollment_status_create",
        "stages",
        Some("DuoDeviceEnrollmentStatus"),
        200,
    ),
    (
        "post",
        IMPORT,
        "stages_authenticator_duo_import_device_manual_create",
        "stages",
        None,
        204,
    ),
    (
        "post",
        super::stages_authenticator_duo_import::PATH,
        "stages_authenticator_duo_import_devices_automatic_create",
        "stages",
        Some("AuthenticatorDuoStageDeviceImportResponse"),
        200,
    ),
];

/// The documented request bodies.
pub const REQUEST_BODIES: &[RequestBody] = &[(
    "post",
    IMPORT,
    "AuthenticatorDuoStageManualDeviceImportRequest",
    true,
)];

/// The schemas of these actions.
pub fn schemas() -> Vec<(String, Value)> {
    vec![
        (
            "DuoResponseEnum".into(),
            json!({"enum": ["success", "waiting", "invalid"], "type": "string"}),
        ),
        (
            "DuoDeviceEnrollmentStatus".into(),
            json!({"type": "object",
                   "properties": {"duo_response": {"$ref": "#/components/schemas/DuoResponseEnum"}},
                   "required": ["duo_response"]}),
        ),
        (
            "AuthenticatorDuoStageManualDeviceImportRequest".into(),
            json!({"type": "object",
                   "properties": {"duo_user_id": {"type": "string", "minLength": 1},
                                  "username": {"type": "string", "minLength": 1}},
                   "required": ["duo_user_id", "username"]}),
        ),
        super::stages_authenticator_duo_import::schema(),
    ]
}

/// The Duo setup stage `id`, or 404.
pub(crate) async fn duo_stage(
    conn: &mut castellan_store::AnyConnection,
    id: &str,
) -> ApiResult<castellan_core::stage::Stage> {
    let pk = Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    stages::get(conn, pk)
        .await?
        .filter(|s| s.kind == KIND)
        .ok_or(ApiError::NotFound)
}

/// `POST …/enrollment_status/`: `{duo_response: success|waiting|invalid}` for the session's
/// enrolment; 400 without one.
pub async fn enrollment_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
) -> ApiResult<Json<Value>> {
    let mut conn = state.store.conn().await?;
    let stage = duo_stage(&mut conn, &id).await?;
    let raw = cookie(&parts, SESSION_COOKIE);
    let sess = session::load(&state, &mut conn, raw.as_deref()).await?;
    drop(conn);
    let Some(enrollment) = Enrollment::from_session(&sess.data).filter(|e| e.stage == stage.pk)
    else {
        return Err(ApiError::BadRequest(
            "No Duo enrollment in progress.".into(),
        ));
    };
    let api = duo_api(&stage.config);
    let params = status_params(&enrollment);
    let status = duo_client::request(&api, "/auth/v2/enroll_status", &params, state.store.now())
        .await
        .and_then(|r| read_status(&r))
        .map_err(|e| {
            tracing::warn!(error = %e, "Duo enroll_status failed");
            ApiError::BadRequest("Failed to check the enrollment status.".into())
        })?;
    Ok(Json(json!({"duo_response": status})))
}

/// `POST …/import_device_manual/` (`{username, duo_user_id}`): 204, or 400 with `error`.
pub async fn import_device_manual(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let mut fields = Fields::new(&body, false);
    let username = fields.string("username", true, false, usize::MAX);
    let duo_user_id = fields.string("duo_user_id", true, false, usize::MAX);
    fields.finish()?;
    let (Some(username), Some(duo_user_id)) = (username, duo_user_id) else {
        return Err(ApiError::BadRequest(
            "username and duo_user_id are required".into(),
        ));
    };
    let mut tx = Write::begin(&state.store).await?;
    let stage = duo_stage(&mut tx, &id).await?;
    let Some(user) = users::get_by_username(&mut tx, &username).await? else {
        return Err(ApiError::field("error", "User does not exist."));
    };
    let now = tx.now();
    let device = DuoDevice {
        common: DeviceCommon {
            pk: 0,
            user: user.pk,
            name: IMPORTED_NAME.into(),
            confirmed: true,
            created: now,
            last_updated: now,
            last_used: None,
        },
        stage: stage.pk,
        duo_user_id,
        last_t: None,
    };
    let Some(pk) = devices_duo::create(&mut tx, &device).await? else {
        return Err(ApiError::field("error", "Device exists already."));
    };
    let model = crate::audit::model_ref(
        "authentik_stages_authenticator_duo",
        "duodevice",
        pk,
        IMPORTED_NAME,
    );
    tx.event(&ctx, &admin.user, "model_created", model).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(STATUS, post(enrollment_status))
        .route(IMPORT, post(import_device_manual))
        .route(
            super::stages_authenticator_duo_import::PATH,
            post(super::stages_authenticator_duo_import::import_devices_automatic),
        )
}
