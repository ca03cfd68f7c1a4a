//! The login behind a token (spec §7.1.5 `auth_time`, `amr`, `sid`): read from the session's
//! login facts, which the user_login stage stores at every login.
use castellan_oauth::claims::amr;
use castellan_store::{Db, sessions};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::issue::Login;
use crate::error::ApiResult;
use crate::flow::session::SESSION_LOGIN_EVENT;

/// Whether the login used MFA devices (`auth_method_args.mfa_devices` non-empty).
fn used_mfa(event: &Value) -> bool {
    event
        .pointer("/auth_method_args/mfa_devices")
        .and_then(Value::as_array)
        .is_some_and(|d| !d.is_empty())
}

/// The login time of the session's last login.
pub fn login_time(data: &Map<String, Value>) -> Option<DateTime<Utc>> {
    let secs = data.get(SESSION_LOGIN_EVENT)?.get("time")?.as_i64()?;
    Utc.timestamp_opt(secs, 0).single()
}

/// The id of the session's last login (a new login has a new id).
pub fn login_id(data: &Map<String, Value>) -> Option<String> {
    data.get(SESSION_LOGIN_EVENT)?
        .get("id")?
        .as_str()
        .map(str::to_string)
}

/// The login facts of session data, with its key.
pub fn from_session_data(data: &Map<String, Value>, key: Option<&str>) -> Login {
    let event = data
        .get(SESSION_LOGIN_EVENT)
        .cloned()
        .unwrap_or(Value::Null);
    let method = event
        .get("auth_method")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Login {
        auth_time: login_time(data),
        amr: amr(method, used_mfa(&event)),
        session_key: key.map(str::to_string),
        session: event
            .get("session")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok()),
    }
}

/// The login facts of an authenticated session, while it lasts; only `session` otherwise.
pub async fn from_authenticated_session(
    db: Db<'_>,
    id: Option<Uuid>,
    now: DateTime<Utc>,
) -> ApiResult<Login> {
    let Some(id) = id else {
        return Ok(Login::default());
    };
    let Some((key, data)) = sessions::authenticated_data(db, id, now).await? else {
        return Ok(Login {
            session: Some(id),
            ..Login::default()
        });
    };
    let data = match data {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut login = from_session_data(&data, Some(&key));
    login.session = Some(id);
    Ok(login)
}
