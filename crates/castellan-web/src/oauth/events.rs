//! Events the OAuth2 provider records (`suspicious_request`, `configuration_error`,
//! `authorize_application`, `login`), with the request's facts.
use castellan_store::{AnyConnection, users};
use http::request::Parts;
use serde_json::Value;

use crate::audit;
use crate::context::RequestContext;
use crate::error::ApiResult;
use crate::state::AppState;

const APP: &str = "authentik.providers.oauth2";

/// Records `action` for `user` (when known) with `context`.
pub async fn record(
    state: &AppState,
    conn: &mut AnyConnection,
    parts: &Parts,
    user: Option<i64>,
    action: &str,
    context: Value,
) -> ApiResult<()> {
    let account = match user {
        Some(pk) => users::get(conn, pk).await?,
        None => None,
    };
    record_user(state, conn, parts, account.as_ref(), action, context).await
}

/// Records `action` for a user already loaded.
pub async fn record_user<'c>(
    state: &AppState,
    db: impl Into<castellan_store::Db<'c>>,
    parts: &Parts,
    user: Option<&castellan_core::user::User>,
    action: &str,
    context: Value,
) -> ApiResult<()> {
    let ctx = RequestContext::of(parts, state);
    audit::record(db, state.store.now(), &ctx, user, action, APP, context).await?;
    Ok(())
}

/// The statement that records `action` for a user already loaded, to be written with others
/// ([`castellan_store::write_all`]).
pub fn user_event_write(
    state: &AppState,
    parts: &Parts,
    user: Option<&castellan_core::user::User>,
    action: &str,
    context: Value,
) -> castellan_store::Write {
    let ctx = RequestContext::of(parts, state);
    let event = audit::event(state.store.now(), &ctx, user, action, APP, context);
    castellan_store::events::insert(&event)
}

/// A `suspicious_request` event (token reuse, revoked token presented).
pub async fn suspicious(
    state: &AppState,
    conn: &mut AnyConnection,
    parts: &Parts,
    user: i64,
    context: Value,
) -> ApiResult<()> {
    record(
        state,
        conn,
        parts,
        Some(user),
        "suspicious_request",
        context,
    )
    .await
}

/// A `configuration_error` event (an invalid redirect URI pattern, a failing mapping).
pub async fn configuration_error(
    state: &AppState,
    conn: &mut AnyConnection,
    parts: &Parts,
    message: String,
) -> ApiResult<()> {
    record(
        state,
        conn,
        parts,
        None,
        "configuration_error",
        serde_json::json!({ "message": message }),
    )
    .await
}
