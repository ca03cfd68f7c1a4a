//! User consent records.
use castellan_core::consent::UserConsent;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{boolean, int, opt_time, opt_ts, text, ts, uuid};
use crate::list::{ListQuery, Page, Param};

const COLUMNS: &str = "id, user_id, application, permissions, expires, expiring";

fn from_row(row: &AnyRow) -> Result<UserConsent, StoreError> {
    Ok(UserConsent {
        pk: int(row, "id")?,
        user: int(row, "user_id")?,
        application: uuid(row, "application")?,
        permissions: text(row, "permissions")?,
        expires: opt_time(row, "expires")?,
        expiring: boolean(row, "expiring")?,
    })
}

/// Records consent; returns its id.
pub async fn create(conn: &mut AnyConnection, c: &UserConsent) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO consent_userconsent (user_id, application, permissions, expires, expiring) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(c.user)
    .bind(c.application.to_string())
    .bind(c.permissions.clone())
    .bind(opt_ts(c.expires))
    .bind(c.expiring)
    .fetch_one(&mut *conn)
    .await?;
    int(&row, "id")
}

/// The newest consent of `user` to `application` that has not expired at `now` (a record
/// with `expiring` false never expires), as authentik's `UserConsent.filter_not_expired`.
pub async fn find_valid(
    conn: &mut AnyConnection,
    user: i64,
    application: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<UserConsent>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM consent_userconsent WHERE user_id = $1 AND application = $2 \
         AND (NOT expiring OR expires IS NULL OR expires > $3) ORDER BY id DESC LIMIT 1"
    );
    sqlx::query(&sql)
        .bind(user)
        .bind(application.to_string())
        .bind(ts(now))
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Records `c` as the consent of its user to its application: the user's existing records for
/// that application (expired or not) are replaced, so there is one per pair. Returns the id.
pub async fn save_for(conn: &mut AnyConnection, c: &UserConsent) -> Result<i64, StoreError> {
    let existing = sqlx::query(
        "SELECT id FROM consent_userconsent WHERE user_id = $1 AND application = $2 ORDER BY id DESC",
    )
    .bind(c.user)
    .bind(c.application.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let Some(first) = existing.first() else {
        return create(conn, c).await;
    };
    let id = int(first, "id")?;
    sqlx::query(
        "UPDATE consent_userconsent SET permissions = $1, expires = $2, expiring = $3 WHERE id = $4",
    )
    .bind(c.permissions.clone())
    .bind(opt_ts(c.expires))
    .bind(c.expiring)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    for row in &existing[1..] {
        delete(conn, int(row, "id")?).await?;
    }
    Ok(id)
}

/// Loads a consent record.
pub async fn get(conn: &mut AnyConnection, pk: i64) -> Result<Option<UserConsent>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM consent_userconsent WHERE id = $1");
    sqlx::query(&sql)
        .bind(pk)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Deletes a consent record.
pub async fn delete(conn: &mut AnyConnection, pk: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM consent_userconsent WHERE id = $1")
        .bind(pk)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Lists consent, optionally for one user and/or application.
pub async fn list(
    conn: &mut AnyConnection,
    user: Option<i64>,
    application: Option<Uuid>,
    page: Page,
) -> Result<(Vec<UserConsent>, i64), StoreError> {
    let mut q = ListQuery::new("id ASC");
    if let Some(u) = user {
        q.eq("user_id", Param::Int(u));
    }
    if let Some(a) = application {
        q.eq("application", Param::Text(a.to_string()));
    }
    let (rows, count) = q.fetch(conn, COLUMNS, "consent_userconsent", page).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}

/// Filters of `GET /core/user_consent/`.
#[derive(Debug, Clone, Default)]
pub struct ConsentFilter {
    /// Only this owner's consent (non-superusers).
    pub owner: Option<i64>,
    /// `user` filter.
    pub user: Option<i64>,
    /// `application` filter.
    pub application: Option<Uuid>,
    /// ORDER BY (from [`ordering`]).
    pub order_by: Option<String>,
}

/// Orderings `GET /core/user_consent/` accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "pk" | "id" => "c.id ASC",
        "-pk" | "-id" => "c.id DESC",
        "expires" => "c.expires IS NULL, c.expires ASC, c.id ASC",
        "-expires" => "c.expires IS NULL, c.expires DESC, c.id ASC",
        "expiring" => "c.expiring ASC, c.id ASC",
        "-expiring" => "c.expiring DESC, c.id ASC",
        "user" => "c.user_id ASC, c.id ASC",
        "-user" => "c.user_id DESC, c.id ASC",
        "application" => "a.name ASC, c.id ASC",
        "-application" => "a.name DESC, c.id ASC",
        "permissions" => "c.permissions ASC, c.id ASC",
        "-permissions" => "c.permissions DESC, c.id ASC",
        _ => return None,
    })
}

const JOINED_COLUMNS: &str = "c.id AS id, c.user_id AS user_id, c.application AS application, \
     c.permissions AS permissions, c.expires AS expires, c.expiring AS expiring";

/// Lists consent with the API's filters; the default order is authentik's (application name,
/// then expiry, never-expiring last).
pub async fn list_filtered(
    conn: &mut AnyConnection,
    f: &ConsentFilter,
    page: Page,
) -> Result<(Vec<UserConsent>, i64), StoreError> {
    let mut q = ListQuery::new(
        f.order_by
            .as_deref()
            .unwrap_or("a.name ASC, c.expires IS NULL, c.expires ASC, c.id ASC"),
    );
    if let Some(u) = f.owner {
        q.eq("c.user_id", Param::Int(u));
    }
    if let Some(u) = f.user {
        q.eq("c.user_id", Param::Int(u));
    }
    if let Some(a) = f.application {
        q.eq("c.application", Param::Text(a.to_string()));
    }
    let (rows, count) = q
        .fetch(
            conn,
            JOINED_COLUMNS,
            "consent_userconsent c JOIN core_application a ON a.pbm_uuid = c.application",
            page,
        )
        .await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}
