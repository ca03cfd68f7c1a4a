//! Server-side sessions and authenticated-session records.
use castellan_core::session::{AuthenticatedSession, Session};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{
    boolean, int, json, opt_int, opt_text, opt_time, opt_ts, text, time, to_json, ts, uuid,
};
use crate::db::{Arg, Db};
use crate::list::{ListQuery, Page, Param};

/// Creates or replaces a session.
pub async fn save(
    conn: &mut AnyConnection,
    s: &Session,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO core_session (session_key, user_id, data, expires, created) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (session_key) DO UPDATE SET user_id = $2, data = $3, expires = $4",
    )
    .bind(s.session_key.clone())
    .bind(s.user)
    .bind(to_json(&s.data))
    .bind(ts(s.expires))
    .bind(ts(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Loads a non-expired session.
pub async fn get(
    conn: &mut AnyConnection,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<Session>, StoreError> {
    let row = sqlx::query("SELECT session_key, user_id, data, expires FROM core_session WHERE session_key = $1 AND expires > $2")
        .bind(key.to_string())
        .bind(ts(now))
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(Session {
            session_key: text(&r, "session_key")?,
            user: opt_int(&r, "user_id")?,
            data: json(&r, "data")?,
            expires: time(&r, "expires")?,
        })
    })
    .transpose()
}

/// The key and data of the session behind authenticated session `id`, while that session lasts
/// (its `expires` after `now`), in one statement: the login facts of a token grant.
pub async fn authenticated_data<'c>(
    db: impl Into<Db<'c>>,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<(String, serde_json::Value)>, StoreError> {
    const SQL: &str = "SELECT s.session_key, s.data FROM core_authenticatedsession a \
                       JOIN core_session s ON s.session_key = a.session_key \
                       WHERE a.uuid = $1 AND s.expires > $2";
    db.into()
        .fetch_optional(
            SQL,
            &[Arg::from(id.to_string()), Arg::from(ts(now))],
            |row| Ok((text(row, "session_key")?, json(row, "data")?)),
        )
        .await
}

/// [`get`] and the configuration version (`config_version::current`) in one statement: the
/// first read of every flow-executor request.
///
/// # Errors
/// Database failures.
pub async fn get_with_config_version(
    conn: &mut AnyConnection,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Option<Session>, i64), StoreError> {
    let row = sqlx::query(
        "SELECT v.version AS config_version, s.session_key, s.user_id, s.data, s.expires \
         FROM castellan_config_version v LEFT JOIN core_session s \
         ON s.session_key = $1 AND s.expires > $2 WHERE v.id = 1",
    )
    .bind(key.unwrap_or_default().to_string())
    .bind(ts(now))
    .fetch_one(&mut *conn)
    .await?;
    let version = row.try_get::<i64, _>("config_version")?;
    let session = match opt_text(&row, "session_key")? {
        Some(session_key) if key.is_some() => Some(Session {
            session_key,
            user: opt_int(&row, "user_id")?,
            data: json(&row, "data")?,
            expires: time(&row, "expires")?,
        }),
        _ => None,
    };
    Ok((session, version))
}

/// Deletes a session (and, by cascade, its authenticated-session record).
pub async fn delete(conn: &mut AnyConnection, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM core_session WHERE session_key = $1")
        .bind(key.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes every session of a user.
pub async fn delete_for_user(conn: &mut AnyConnection, user: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM core_session WHERE user_id = $1")
        .bind(user)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

const AS_COLUMNS: &str =
    "uuid, session_key, user_id, last_ip, last_user_agent, last_used, expires, expiring";

fn as_from_row(row: &AnyRow) -> Result<AuthenticatedSession, StoreError> {
    Ok(AuthenticatedSession {
        uuid: uuid(row, "uuid")?,
        session_key: text(row, "session_key")?,
        user: int(row, "user_id")?,
        last_ip: text(row, "last_ip")?,
        last_user_agent: text(row, "last_user_agent")?,
        last_used: time(row, "last_used")?,
        expires: opt_time(row, "expires")?,
        expiring: boolean(row, "expiring")?,
    })
}

/// Records an authenticated session.
pub async fn create_authenticated(
    conn: &mut AnyConnection,
    a: &AuthenticatedSession,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO core_authenticatedsession (uuid, session_key, user_id, last_ip, last_user_agent, last_used, expires, expiring) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(a.uuid.to_string())
    .bind(a.session_key.clone())
    .bind(a.user)
    .bind(a.last_ip.clone())
    .bind(a.last_user_agent.clone())
    .bind(ts(a.last_used))
    .bind(opt_ts(a.expires))
    .bind(a.expiring)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Loads an authenticated session.
pub async fn get_authenticated(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<AuthenticatedSession>, StoreError> {
    let sql = format!("SELECT {AS_COLUMNS} FROM core_authenticatedsession WHERE uuid = $1");
    sqlx::query(&sql)
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(as_from_row)
        .transpose()
}

/// Lists authenticated sessions, optionally for one user.
pub async fn list_authenticated(
    conn: &mut AnyConnection,
    user: Option<i64>,
    search: Option<&str>,
    page: Page,
) -> Result<(Vec<AuthenticatedSession>, i64), StoreError> {
    let mut q = ListQuery::new("last_used DESC");
    if let Some(u) = user {
        q.eq("user_id", Param::Int(u));
    }
    if let Some(s) = search {
        q.search(&["last_ip", "last_user_agent"], s);
    }
    let (rows, count) = q
        .fetch(conn, AS_COLUMNS, "core_authenticatedsession", page)
        .await?;
    Ok((
        rows.iter().map(as_from_row).collect::<Result<_, _>>()?,
        count,
    ))
}

/// Filters of `GET /core/authenticated_sessions/`.
#[derive(Debug, Clone, Default)]
pub struct AuthenticatedSessionFilter {
    /// Only this owner's sessions (non-superusers).
    pub owner: Option<i64>,
    /// Exact owner username.
    pub user_username: Option<String>,
    /// Exact last IP.
    pub last_ip: Option<String>,
    /// Exact last user agent.
    pub last_user_agent: Option<String>,
    /// Search over username, last IP and last user agent.
    pub search: Option<String>,
    /// ORDER BY (from [`authenticated_ordering`]).
    pub order_by: Option<String>,
}

/// Orderings `GET /core/authenticated_sessions/` accepts.
pub fn authenticated_ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "user__username" => "u.username ASC, s.uuid ASC",
        "-user__username" => "u.username DESC, s.uuid ASC",
        "user" => "s.user_id ASC, s.uuid ASC",
        "-user" => "s.user_id DESC, s.uuid ASC",
        "uuid" => "s.uuid ASC",
        "-uuid" => "s.uuid DESC",
        "last_ip" => "s.last_ip ASC, s.uuid ASC",
        "-last_ip" => "s.last_ip DESC, s.uuid ASC",
        "last_user_agent" => "s.last_user_agent ASC, s.uuid ASC",
        "-last_user_agent" => "s.last_user_agent DESC, s.uuid ASC",
        "last_used" => "s.last_used ASC, s.uuid ASC",
        "-last_used" => "s.last_used DESC, s.uuid ASC",
        "expires" => "s.expires IS NULL, s.expires ASC, s.uuid ASC",
        "-expires" => "s.expires IS NULL, s.expires DESC, s.uuid ASC",
        _ => return None,
    })
}

const AS_JOINED_COLUMNS: &str = "s.uuid AS uuid, s.session_key AS session_key, s.user_id AS user_id, \
     s.last_ip AS last_ip, s.last_user_agent AS last_user_agent, s.last_used AS last_used, \
     s.expires AS expires, s.expiring AS expiring";

/// Lists authenticated sessions with the API's filters (default order: owner username).
pub async fn list_authenticated_filtered(
    conn: &mut AnyConnection,
    f: &AuthenticatedSessionFilter,
    page: Page,
) -> Result<(Vec<AuthenticatedSession>, i64), StoreError> {
    let mut q = ListQuery::new(
        f.order_by
            .as_deref()
            .unwrap_or("u.username ASC, s.last_used DESC, s.uuid ASC"),
    );
    if let Some(u) = f.owner {
        q.eq("s.user_id", Param::Int(u));
    }
    if let Some(v) = &f.user_username {
        q.eq("u.username", Param::Text(v.clone()));
    }
    if let Some(v) = &f.last_ip {
        q.eq("s.last_ip", Param::Text(v.clone()));
    }
    if let Some(v) = &f.last_user_agent {
        q.eq("s.last_user_agent", Param::Text(v.clone()));
    }
    if let Some(s) = &f.search {
        q.search(&["u.username", "s.last_ip", "s.last_user_agent"], s);
    }
    let (rows, count) = q
        .fetch(
            conn,
            AS_JOINED_COLUMNS,
            "core_authenticatedsession s JOIN core_user u ON u.id = s.user_id",
            page,
        )
        .await?;
    Ok((
        rows.iter().map(as_from_row).collect::<Result<_, _>>()?,
        count,
    ))
}

/// Deletes an authenticated session and the session it tracks (the session row goes first;
/// its cascade removes the record, which is then deleted explicitly in case it outlived it).
pub async fn delete_authenticated(conn: &mut AnyConnection, id: Uuid) -> Result<bool, StoreError> {
    let Some(record) = get_authenticated(conn, id).await? else {
        return Ok(false);
    };
    delete(conn, &record.session_key).await?;
    sqlx::query("DELETE FROM core_authenticatedsession WHERE uuid = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(true)
}
