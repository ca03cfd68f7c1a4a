//! `POST /stages/authenticator/duo/{stage_uuid}/import_devices_automatic/` (spec §5.7, admins):
//! pages through the Duo Admin API's `GET /admin/v1/users` with the stage's admin keys and saves
//! a Duo device for every Duo user whose username is a Castellan user's, unless a device already
//! holds that Duo user id. Answers `{"count": <created>, "error": ""}`, or 400 with Duo's error
//! and the count of devices saved before it (each page is committed as it is read).
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use castellan_core::mfa::{DeviceCommon, DuoApi, DuoDevice};
use castellan_core::stage::Stage;
use castellan_store::{devices_duo, users};
use serde_json::{Map, Value, json};

use crate::auth::Admin;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::flow::duo_client;
use crate::state::AppState;
use crate::write::Write;

/// The route, relative to `/api/v3`.
pub const PATH: &str = "/stages/authenticator/duo/{stage_uuid}/import_devices_automatic/";
/// Name of automatically imported devices (authentik's).
pub const NAME: &str = "Imported Duo Authenticator";
/// The Duo Admin API's user list.
const USERS: &str = "/admin/v1/users";
/// Users per page (the Admin API's largest page).
const PAGE: usize = 300;
/// At most this many pages are read (a guard against a server that never stops paging).
const MAX_PAGES: usize = 10_000;
/// authentik's answer for a stage without Admin API keys.
const NO_ADMIN_API: &str =
    "Stage does not have Admin API configured, which is required for automatic imports.";

/// The schema of the answer.
pub fn schema() -> (String, Value) {
    (
        "AuthenticatorDuoStageDeviceImportResponse".into(),
        json!({"type": "object",
               "properties": {"count": {"type": "integer", "readOnly": true},
                              "error": {"type": "string", "readOnly": true}},
               "required": ["count", "error"]}),
    )
}

/// The Duo Admin API credentials of a Duo setup stage's settings, if both keys are set.
pub fn admin_api(config: &Map<String, Value>) -> Option<DuoApi> {
    let text = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let api = DuoApi {
        api_hostname: text("api_hostname"),
        integration_key: text("admin_integration_key"),
        secret_key: text("admin_secret_key"),
    };
    (!api.integration_key.is_empty() && !api.secret_key.is_empty()).then_some(api)
}

/// One page of Duo users: `(user_id, username)` pairs and the next page's offset, if any.
pub fn read_page(envelope: &Value) -> (Vec<(String, String)>, Option<usize>) {
    let users = envelope
        .get("response")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|u| {
                    let id = u.get("user_id").and_then(Value::as_str)?;
                    let name = u.get("username").and_then(Value::as_str)?;
                    Some((id.to_string(), name.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    let next = envelope.pointer("/metadata/next_offset").and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .and_then(|n| usize::try_from(n).ok())
    });
    (users, next)
}

/// Saves the devices of one page in one transaction; how many were created.
async fn save_page(
    state: &AppState,
    ctx: &RequestContext,
    admin: &castellan_core::user::User,
    stage: &Stage,
    duo_users: &[(String, String)],
) -> ApiResult<usize> {
    let mut tx = Write::begin(&state.store).await?;
    let mut created = 0;
    for (duo_user_id, username) in duo_users {
        let Some(user) = users::get_by_username(&mut tx, username).await? else {
            continue;
        };
        let now = tx.now();
        let device = DuoDevice {
            common: DeviceCommon {
                pk: 0,
                user: user.pk,
                name: NAME.into(),
                confirmed: true,
                created: now,
                last_updated: now,
                last_used: None,
            },
            stage: stage.pk,
            duo_user_id: duo_user_id.clone(),
            last_t: None,
        };
        // `None`: a device already holds this Duo user id.
        let Some(pk) = devices_duo::create(&mut tx, &device).await? else {
            continue;
        };
        let model =
            crate::audit::model_ref("authentik_stages_authenticator_duo", "duodevice", pk, NAME);
        tx.event(ctx, admin, "model_created", model).await?;
        created += 1;
    }
    tx.commit().await?;
    Ok(created)
}

/// `POST …/import_devices_automatic/`: 200 `{count, error: ""}`; 400 `{count, error}` when Duo
/// fails, 400 `non_field_errors` without Admin API keys.
pub async fn import_devices_automatic(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut conn = state.store.conn().await?;
    let stage = super::stages_authenticator_duo::duo_stage(&mut conn, &id).await?;
    drop(conn);
    let Some(api) = admin_api(&stage.config) else {
        return Err(ApiError::field("non_field_errors", NO_ADMIN_API));
    };
    let mut count = 0;
    let mut offset = 0;
    for _ in 0..MAX_PAGES {
        let params = [
            ("limit".to_string(), PAGE.to_string()),
            ("offset".to_string(), offset.to_string()),
        ];
        let envelope = match duo_client::get(&api, USERS, &params, state.store.now()).await {
            Ok(envelope) => envelope,
            Err(error) => {
                tracing::warn!(%error, count, "Duo device import failed");
                return Ok((
                    StatusCode::BAD_REQUEST,
                    Json(json!({"count": count, "error": error})),
                ));
            }
        };
        let (duo_users, next) = read_page(&envelope);
        count += save_page(&state, &ctx, &admin.user, &stage, &duo_users).await?;
        match next {
            Some(n) if n > offset => offset = n,
            _ => break,
        }
    }
    Ok((StatusCode::OK, Json(json!({"count": count, "error": ""}))))
}

#[cfg(test)]
mod tests {
    //! Admin keys and pages.

    use super::*;

    #[test]
    fn admin_keys_needed() {
        let mut config = Map::new();
        config.insert("api_hostname".into(), json!("api-x.duosecurity.com"));
        config.insert("admin_integration_key".into(), json!("DIADMIN"));
        assert!(admin_api(&config).is_none());
        config.insert("admin_secret_key".into(), json!("secret"));
        let api = admin_api(&config).unwrap_or_else(|| panic!("keys are set"));
        assert_eq!(api.integration_key, "DIADMIN");
        assert_eq!(api.api_hostname, "api-x.duosecurity.com");
    }

    #[test]
    fn pages() {
        let page = json!({"stat": "OK",
            "response": [{"user_id": "DU1", "username": "ann"}, {"user_id": "DU2"}],
            "metadata": {"next_offset": 300, "total_objects": 301}});
        assert_eq!(
            read_page(&page),
            (vec![("DU1".into(), "ann".into())], Some(300))
        );
        let last = json!({"stat": "OK", "response": [], "metadata": {"total_objects": 301}});
        assert_eq!(read_page(&last), (vec![], None));
    }
}
