//! `POST /api/v3/core/users/{id}/impersonate/` and `GET /api/v3/core/users/impersonate_end/`
//! (spec §1.1 users, "impersonate"): a superuser switches their browser session to another user
//! and back. The session's user becomes the impersonated user, so every page, flow and API call
//! of that session acts as them; the session data keeps both pks under authentik's keys
//! (`authentik/impersonate/user`, `authentik/impersonate/original_user`), which
//! [`crate::auth`] checks on every request. Events of the session name the original user as
//! `user` and the impersonated one as `on_behalf_of` (spec §10.1).
//!
//! Refusals as authentik 2024.10: not a superuser (no RBAC yet) → 403; tenant setting
//! `impersonation` off → 401; unknown user → 404; oneself → 401. Castellan also answers 401
//! when the caller has no browser session to switch (API token), and keeps the first original
//! user when an impersonated superuser impersonates again (authentik would record the
//! impersonated one), refusing to "impersonate" that original user (401).
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use castellan_core::user::User;
use castellan_store::{AnyConnection, StoreError, sessions, settings, users};
use serde_json::{Value, json};

use crate::audit;
use crate::auth::{
    Admin, AuthMethod, Impersonation, Principal, SESSION_KEY_IMPERSONATE_ORIGINAL_USER,
    SESSION_KEY_IMPERSONATE_USER, impersonation_keys,
};
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::openapi::{Operation, OperationExtra};
use crate::state::AppState;
use crate::write::Write;

const START: &str = "/core/users/{id}/impersonate/";
const END: &str = "/core/users/impersonate_end/";
/// The `app` of the impersonation events (authentik's calling module).
const APP: &str = "authentik.core.api.users";

/// The two operations (authentik's document says 204 for the start; it answers 201).
pub const OPERATIONS: &[Operation] = &[
    (
        "post",
        START,
        "core_users_impersonate_create",
        "core",
        None,
        204,
    ),
    (
        "get",
        END,
        "core_users_impersonate_end_retrieve",
        "core",
        None,
        204,
    ),
];

fn start_extra() -> Value {
    json!({"description": "Impersonate a user",
           "responses": {"204": {"description": "Successfully started impersonation"},
                         "201": {"description": "Impersonation started (the status sent)"},
                         "401": {"description": "Access denied"}}})
}

fn end_extra() -> Value {
    json!({"description": "End Impersonation a user",
           "responses": {"204": {"description": "Successfully started impersonation"}}})
}

/// Their descriptions and extra answers.
pub const EXTRAS: &[OperationExtra] = &[("post", START, start_extra), ("get", END, end_extra)];

/// Whether the tenant setting `impersonation` allows impersonating (default: yes).
pub async fn enabled(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    let value = settings::get(conn, settings::IMPERSONATION).await?;
    Ok(match value.as_deref().map(str::trim) {
        None => true,
        Some(v) => serde_json::from_str::<bool>(v).unwrap_or_else(|_| {
            !matches!(
                v.to_ascii_lowercase().as_str(),
                "false" | "0" | "no" | "off"
            )
        }),
    })
}

fn session_key(principal: &Principal) -> Option<&str> {
    match &principal.method {
        AuthMethod::Session(key) => Some(key),
        AuthMethod::Token => None,
    }
}

/// `POST /core/users/{id}/impersonate/`: switches the caller's session to user `id`.
pub async fn impersonate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    if !enabled(&mut tx).await? {
        tracing::debug!(user = %admin.user.username, "impersonation is disabled");
        return Ok(StatusCode::UNAUTHORIZED);
    }
    let target = users::get(&mut tx, id).await?.ok_or(ApiError::NotFound)?;
    let original = match &admin.impersonation {
        Some(imp) => imp.original.clone(),
        None => admin.user.clone(),
    };
    if target.pk == admin.user.pk || target.pk == original.pk {
        tracing::debug!(user = %admin.user.username, "attempt to impersonate oneself");
        return Ok(StatusCode::UNAUTHORIZED);
    }
    let Some(key) = session_key(&admin) else {
        return Ok(StatusCode::UNAUTHORIZED);
    };
    let now = tx.now();
    let mut session = sessions::get(&mut tx, key, now)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !session.data.is_object() {
        session.data = json!({});
    }
    session.data[SESSION_KEY_IMPERSONATE_USER] = json!(target.pk);
    session.data[SESSION_KEY_IMPERSONATE_ORIGINAL_USER] = json!(original.pk);
    session.user = Some(target.pk);
    sessions::save(&mut tx, &session, now).await?;
    let ctx = RequestContext {
        impersonation: Some(Arc::new(Impersonation {
            original,
            user: target.clone(),
        })),
        ..ctx
    };
    let event = json!({});
    audit::record(
        &mut tx,
        now,
        &ctx,
        Some(&target),
        "impersonation_started",
        APP,
        event,
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// Ends the impersonation of session `key`: its user becomes the original user again and
/// `impersonation_ended` is recorded. Returns the original user, or `None` when the session
/// does not impersonate.
pub async fn end(state: &AppState, ctx: RequestContext, key: &str) -> ApiResult<Option<User>> {
    let mut tx = Write::begin(&state.store).await?;
    let now = tx.now();
    let Some(mut session) = sessions::get(&mut tx, key, now).await? else {
        return Ok(None);
    };
    let Some((user, original)) = impersonation_keys(&session.data) else {
        return Ok(None);
    };
    if let Value::Object(data) = &mut session.data {
        data.remove(SESSION_KEY_IMPERSONATE_USER);
        data.remove(SESSION_KEY_IMPERSONATE_ORIGINAL_USER);
    }
    let original = match users::get(&mut tx, original).await? {
        Some(u) if session.user == Some(user) => {
            session.user = Some(u.pk);
            Some(u)
        }
        // An inconsistent pair (a later login) or a vanished original: just drop the keys.
        _ => None,
    };
    sessions::save(&mut tx, &session, now).await?;
    if let Some(u) = &original {
        let ctx = RequestContext {
            impersonation: None,
            ..ctx
        };
        audit::record(
            &mut tx,
            now,
            &ctx,
            Some(u),
            "impersonation_ended",
            APP,
            json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(original)
}

/// `GET /core/users/impersonate_end/`: restores the original user (204 also when the session
/// does not impersonate, as authentik).
pub async fn impersonate_end(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> ApiResult<StatusCode> {
    if let Some(key) = session_key(&principal) {
        end(&state, ctx, key).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The routes, relative to `/api/v3`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(START, post(impersonate))
        .route(END, get(impersonate_end))
}
