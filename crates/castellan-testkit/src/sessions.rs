//! Logged-in sessions for tests: a session row with its authenticated-session record, as the
//! user_login stage leaves them.
use castellan_core::session::{AuthenticatedSession, Session};
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::TestApp;

/// What a test session holds.
pub struct Login<'a> {
    /// The session key (the cookie's `sid`).
    pub key: &'a str,
    /// Its user.
    pub user: i64,
    /// The session data (the login facts, flow state).
    pub data: Value,
    /// When the session ends (the record expires with it).
    pub expires: DateTime<Utc>,
    /// The client's address.
    pub ip: &'a str,
    /// The client's user agent.
    pub user_agent: &'a str,
}

/// Stores the session and its authenticated-session record; the record's id.
///
/// # Panics
/// When the database refuses either row.
pub async fn login(app: &TestApp, l: Login<'_>) -> Uuid {
    let mut conn = app.store.conn().await.expect("a connection");
    let now = app.store.now();
    let session = Session {
        session_key: l.key.into(),
        user: Some(l.user),
        data: l.data,
        expires: l.expires,
    };
    castellan_store::sessions::save(&mut conn, &session, now)
        .await
        .expect("the session is stored");
    let record = AuthenticatedSession {
        uuid: Uuid::new_v4(),
        session_key: l.key.into(),
        user: l.user,
        last_ip: l.ip.into(),
        last_user_agent: l.user_agent.into(),
        last_used: now,
        expires: Some(l.expires),
        expiring: true,
    };
    castellan_store::sessions::create_authenticated(&mut conn, &record)
        .await
        .expect("the authenticated session is stored");
    record.uuid
}
