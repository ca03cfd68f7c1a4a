//! Session binding enforcement (spec §4.11): every request of a logged-in session bound by a user
//! login stage is checked against the IP the session was last seen from; a request from a new IP
//! that keeps the binding moves the session there, one that breaks it ends the session with a
//! `logout` event ("Session binding broken") and is served as anonymous.
use castellan_core::user::User;
use castellan_stages::session_binding::{IpFacts, SESSION_LAST_IP, check, needs_check};
use castellan_store::{AnyConnection, StoreError, sessions};
use serde_json::{Map, Value};

use crate::audit;
use crate::context::RequestContext;
use crate::state::AppState;

/// The outcome of checking one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Recheck {
    /// Not bound, or seen from the same IP: nothing to do.
    Unchanged,
    /// Bound and still valid from a new IP: the session data now names it (save the session).
    Moved,
    /// The binding broke: end the session with a `logout` event carrying this context.
    Broken(Map<String, Value>),
}

fn facts(state: &AppState, ip: &str) -> IpFacts {
    IpFacts {
        ip: ip.to_string(),
        asn: state.geoip.asn_dict(ip),
        geo: state.geoip.city_dict(ip),
    }
}

/// Checks a request from `client_ip` against a logged-in session's `data`.
pub fn recheck(state: &AppState, client_ip: &str, data: &mut Map<String, Value>) -> Recheck {
    if !needs_check(data, client_ip) {
        return Recheck::Unchanged;
    }
    let last_ip = data
        .get(SESSION_LAST_IP)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (last, new) = (facts(state, &last_ip), facts(state, client_ip));
    match check(data, &last, &new) {
        Ok(()) => {
            data.insert(SESSION_LAST_IP.into(), Value::String(client_ip.to_string()));
            Recheck::Moved
        }
        Err(broken) => Recheck::Broken(broken.event_context(&last, &new)),
    }
}

/// Ends a session whose binding broke: deletes it and records the `logout` event.
///
/// # Errors
/// Database failures.
pub async fn end(
    state: &AppState,
    conn: &mut AnyConnection,
    ctx: &RequestContext,
    session_key: &str,
    user: Option<&User>,
    context: Map<String, Value>,
) -> Result<(), StoreError> {
    tracing::info!(reason = "session binding broken", "ending session");
    sessions::delete(conn, session_key).await?;
    let now = state.store.now();
    audit::record(
        conn,
        now,
        ctx,
        user,
        "logout",
        "authentik.events.signals",
        Value::Object(context),
    )
    .await
}
