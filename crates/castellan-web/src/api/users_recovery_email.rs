//! `POST /api/v3/core/users/{id}/recovery_email/?email_stage=<uuid>` (spec §3 users,
//! "recovery_email"): mails the user the brand's recovery link (as `recovery/` makes it) with
//! the chosen email stage's template, subject and connection settings. Castellan sends at once,
//! so an SMTP failure is a 400 ("Failed to send email.") instead of a failed background task.
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::post;
use castellan_flows::env::EmailRequest;
use castellan_stages::email::{EmailSettings as StageSettings, KIND, SEND_FAILED};
use castellan_store::{stages, users};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::api::users_recovery::recovery_link;
use crate::auth::Admin;
use crate::context::RequestContext;
use crate::email;
use crate::error::{ApiError, ApiResult};
use crate::flow::user_json;
use crate::openapi::{Operation, OperationExtra};
use crate::state::AppState;

const PATH: &str = "/core/users/{id}/recovery_email/";
/// Lifetime of the link `recovery/` creates (authentik's default token duration).
const VALIDITY_MINUTES: i64 = 30;

/// The operation.
pub const OPERATIONS: &[Operation] = &[(
    "post",
    PATH,
    "core_users_recovery_email_create",
    "core",
    None,
    204,
)];

fn extra() -> Value {
    json!({"parameters": [{"in": "query", "name": "email_stage",
                           "schema": {"type": "string"}, "required": true}],
           "responses": {"204": {"description": "Successfully sent recover email"}}})
}

/// Its required query parameter.
pub const EXTRAS: &[OperationExtra] = &[("post", PATH, extra)];

fn email_stage_param(query: Option<&str>) -> Option<Uuid> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "email_stage")
        .and_then(|(_, v)| Uuid::parse_str(&v).ok())
}

/// Sends the recovery link of user `id`.
pub async fn recovery_email(
    State(state): State<AppState>,
    _: Admin,
    ctx: RequestContext,
    Path(id): Path<i64>,
    RawQuery(query): RawQuery,
) -> ApiResult<StatusCode> {
    let mut conn = state.store.conn().await?;
    let account = users::get(&mut conn, id).await?.ok_or(ApiError::NotFound)?;
    if account.email.is_empty() {
        return Err(ApiError::field(
            "non_field_errors",
            "User does not have an email address set.",
        ));
    }
    let stage = match email_stage_param(query.as_deref()) {
        Some(pk) => stages::get(&mut conn, pk).await?,
        None => None,
    };
    let Some(stage) = stage.filter(|s| s.kind == KIND) else {
        return Err(ApiError::field(
            "non_field_errors",
            "Email stage does not exist.",
        ));
    };
    let user = user_json::load(&state, &mut conn, id).await?;
    drop(conn);
    let settings: StageSettings =
        serde_json::from_value(Value::Object(stage.config)).unwrap_or_default();
    let expires = state.store.now() + chrono::Duration::minutes(VALIDITY_MINUTES);
    let link = recovery_link(&state, ctx, id).await?;
    let mut context = Map::new();
    context.insert("url".into(), Value::String(link));
    context.insert("user".into(), user.unwrap_or_default());
    context.insert("expires".into(), Value::String(expires.to_rfc3339()));
    let request = EmailRequest {
        smtp: settings.smtp(),
        to_name: account.name.clone(),
        to_address: account.email.clone(),
        subject: settings.subject.clone(),
        template: settings.template.clone(),
        context,
    };
    if let Err(e) = email::deliver(&state.settings.email, &request).await {
        tracing::warn!(to = %account.email, error = %e, "sending the recovery email failed");
        return Err(ApiError::field("non_field_errors", SEND_FAILED));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The route, relative to `/api/v3`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route(PATH, post(recovery_email))
}
