//! The browser session a flow runs in (spec §0.5): loaded from the signed `authentik_session`
//! cookie, created lazily for anonymous visitors, saved after every executor request, and
//! re-issued (new key) on login and logout.
use castellan_core::session::Session;
use castellan_crypto::hs256;
use castellan_flows::SessionState;
use castellan_store::{AnyConnection, StoreError, sessions};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::auth::{SESSION_COOKIE, session_key_from_cookie};
use crate::state::AppState;

/// Server-side lifetime of a session without an explicit login duration (`days=1`).
pub const DEFAULT_AGE: Duration = Duration::days(1);

/// Session key of the last login (the `login` event's facts): providers read `auth_time`,
/// `amr` and re-authentication (`prompt=login`, `max_age`) from it.
pub const SESSION_LOGIN_EVENT: &str = "authentik/stages/user_login/login_event";

/// The login facts stored under [`SESSION_LOGIN_EVENT`]: a fresh id (a new login is a new id),
/// the time, the authenticated session's id, and the `auth_method` / `auth_method_args` of the
/// login event.
pub fn login_event(
    event_context: &serde_json::Map<String, serde_json::Value>,
    now: DateTime<Utc>,
    authenticated_session: uuid::Uuid,
) -> serde_json::Value {
    json!({
        "id": uuid::Uuid::new_v4().simple().to_string(),
        "time": now.timestamp(),
        "session": authenticated_session.to_string(),
        "auth_method": event_context.get("auth_method").cloned().unwrap_or(serde_json::Value::Null),
        "auth_method_args": event_context.get("auth_method_args").cloned().unwrap_or_else(|| json!({})),
    })
}

/// A fresh random session key.
pub fn new_key() -> String {
    castellan_crypto::token::random_hex(16)
}

fn state_of(s: Session) -> SessionState {
    SessionState {
        key: Some(s.session_key),
        user: s.user,
        data: match s.data {
            serde_json::Value::Object(m) => m,
            _ => Default::default(),
        },
        expires: Some(s.expires),
        rotated: false,
    }
}

/// Loads the session named by the cookie (or an empty one) and, in the same statement, the
/// configuration version for the executor's cache.
pub async fn load_with_config_version(
    state: &AppState,
    conn: &mut AnyConnection,
    raw_cookie: Option<&str>,
) -> Result<(SessionState, i64), StoreError> {
    let key = raw_cookie.and_then(|raw| session_key_from_cookie(state, raw));
    let (row, version) =
        sessions::get_with_config_version(conn, key.as_deref(), state.store.now()).await?;
    Ok((row.map(state_of).unwrap_or_default(), version))
}

/// Loads the session named by the cookie, or an empty one.
pub async fn load(
    state: &AppState,
    conn: &mut AnyConnection,
    raw_cookie: Option<&str>,
) -> Result<SessionState, StoreError> {
    let Some(key) = raw_cookie.and_then(|raw| session_key_from_cookie(state, raw)) else {
        return Ok(SessionState::default());
    };
    let Some(s) = sessions::get(conn, &key, state.store.now()).await? else {
        return Ok(SessionState::default());
    };
    Ok(state_of(s))
}

/// Saves the session, creating a key if it has none; returns the `Set-Cookie` value when the
/// client must get a new cookie.
pub async fn save(
    state: &AppState,
    conn: &mut AnyConnection,
    session: &mut SessionState,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let mut fresh = session.rotated;
    let key = match &session.key {
        Some(k) => k.clone(),
        None => {
            fresh = true;
            let k = new_key();
            session.key = Some(k.clone());
            k
        }
    };
    let expires = session.expires.unwrap_or(now + DEFAULT_AGE);
    session.expires = Some(expires);
    let row = Session {
        session_key: key.clone(),
        user: session.user,
        data: serde_json::Value::Object(session.data.clone()),
        expires,
    };
    sessions::save(conn, &row, now).await?;
    session.rotated = false;
    Ok(fresh.then(|| cookie(state, &key, session.user.is_some())))
}

/// The `Set-Cookie` header value for a session key.
pub fn cookie(state: &AppState, key: &str, authenticated: bool) -> String {
    let claims = json!({"sid": key, "iss": "authentik", "sub": "anonymous",
                        "authenticated": authenticated, "acr": "goauthentik.io/core/default"});
    let signing = hs256::session_signing_key(&state.secret_key);
    let value = hs256::sign(&claims, &signing).unwrap_or_default();
    let mut c = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(domain) = &state.settings.cookie_domain {
        c.push_str(&format!("; Domain={domain}"));
    }
    c
}
