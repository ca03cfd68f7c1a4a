//! Audit events.
use castellan_core::event::Event;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{json, opt_text, text, time, to_json, ts, uuid};
use crate::db::{Arg, Db, Write};
use crate::list::{ListQuery, Page, Param};

const COLUMNS: &str =
    "event_uuid, user_json, action, app, context, client_ip, created, expires, brand";

fn from_row(row: &AnyRow) -> Result<Event, StoreError> {
    Ok(Event {
        event_uuid: uuid(row, "event_uuid")?,
        user: json(row, "user_json")?,
        action: text(row, "action")?,
        app: text(row, "app")?,
        context: json(row, "context")?,
        client_ip: opt_text(row, "client_ip")?,
        created: time(row, "created")?,
        expires: time(row, "expires")?,
        brand: json(row, "brand")?,
    })
}

/// Stores an event.
pub async fn create<'c>(db: impl Into<Db<'c>>, e: &Event) -> Result<(), StoreError> {
    let w = insert(e);
    db.into().execute(w.sql, &w.args).await?;
    Ok(())
}

/// The statement that stores `e`, for [`crate::write_all`].
pub fn insert(e: &Event) -> Write {
    let username = e
        .user
        .get("username")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    Write {
        sql: "INSERT INTO events_event (event_uuid, user_json, username, action, app, context, client_ip, created, expires, brand) \
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        args: vec![
            Arg::from(e.event_uuid.to_string()),
            Arg::from(to_json(&e.user)),
            Arg::from(username),
            Arg::from(e.action.as_str()),
            Arg::from(e.app.as_str()),
            Arg::from(to_json(&e.context)),
            Arg::from(e.client_ip.clone()),
            Arg::from(ts(e.created)),
            Arg::from(ts(e.expires)),
            Arg::from(to_json(&e.brand)),
        ],
    }
}

/// Loads an event.
pub async fn get(conn: &mut AnyConnection, pk: Uuid) -> Result<Option<Event>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM events_event WHERE event_uuid = $1");
    sqlx::query(&sql)
        .bind(pk.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Filters of `GET /events/events/`.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Action.
    pub action: Option<String>,
    /// Client IP.
    pub client_ip: Option<String>,
    /// Username of the acting user.
    pub username: Option<String>,
    /// Search over action, app, client IP, username.
    pub search: Option<String>,
    /// ORDER BY.
    pub order_by: Option<String>,
}

/// Orderings the API accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "created" => "created ASC",
        "-created" => "created DESC",
        "action" => "action ASC, created DESC",
        "-action" => "action DESC, created DESC",
        "app" => "app ASC, created DESC",
        "-app" => "app DESC, created DESC",
        "client_ip" => "client_ip ASC, created DESC",
        "-client_ip" => "client_ip DESC, created DESC",
        "user" => "username ASC, created DESC",
        "-user" => "username DESC, created DESC",
        _ => return None,
    })
}

/// Lists events.
pub async fn list(
    conn: &mut AnyConnection,
    f: &EventFilter,
    page: Page,
) -> Result<(Vec<Event>, i64), StoreError> {
    let mut q = ListQuery::new(f.order_by.as_deref().unwrap_or("created DESC"));
    if let Some(v) = &f.action {
        q.eq("action", Param::Text(v.clone()));
    }
    if let Some(v) = &f.client_ip {
        q.eq("client_ip", Param::Text(v.clone()));
    }
    if let Some(v) = &f.username {
        q.eq("username", Param::Text(v.clone()));
    }
    if let Some(s) = &f.search {
        q.search(&["action", "app", "client_ip", "username"], s);
    }
    let (rows, count) = q.fetch(conn, COLUMNS, "events_event", page).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}

/// Deletes expired events; returns how many.
pub async fn delete_expired(
    conn: &mut AnyConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM events_event WHERE expires < $1")
        .bind(ts(now))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
