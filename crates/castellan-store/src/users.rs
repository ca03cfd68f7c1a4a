//! Users and their direct group memberships.
use std::collections::HashMap;
use std::sync::LazyLock;

use castellan_core::user::{User, UserType};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{RowRead, boolean, int, json, opt_time, opt_ts, text, time, to_json, ts, uuid};
use crate::db::{Arg, Db};
use crate::list::{ListQuery, Page, Param};

pub(crate) const COLUMNS: &str = "id, uuid, username, name, email, password, password_change_date, is_active, \
                       last_login, date_joined, path, type, attributes";

/// Decodes a user row (the user columns under their own names).
pub(crate) fn from_row(row: &(impl RowRead + ?Sized)) -> Result<User, StoreError> {
    let raw_type = text(row, "type")?;
    Ok(User {
        pk: int(row, "id")?,
        uuid: uuid(row, "uuid")?,
        username: text(row, "username")?,
        name: text(row, "name")?,
        email: text(row, "email")?,
        password: text(row, "password")?,
        password_change_date: time(row, "password_change_date")?,
        is_active: boolean(row, "is_active")?,
        last_login: opt_time(row, "last_login")?,
        date_joined: time(row, "date_joined")?,
        path: text(row, "path")?,
        user_type: UserType::parse(&raw_type)
            .ok_or_else(|| StoreError::Corrupt(format!("type: {raw_type}")))?,
        attributes: json(row, "attributes")?,
    })
}

/// Fields of a new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Encoded password (empty = unusable).
    pub password: String,
    /// Active flag.
    pub is_active: bool,
    /// Path.
    pub path: String,
    /// Type.
    pub user_type: UserType,
    /// Attributes.
    pub attributes: serde_json::Value,
    /// Last login (the API allows setting it).
    pub last_login: Option<DateTime<Utc>>,
}

/// Inserts a user and returns it.
pub async fn create(
    conn: &mut AnyConnection,
    new: &NewUser,
    now: DateTime<Utc>,
) -> Result<User, StoreError> {
    let sql = format!(
        "INSERT INTO core_user (uuid, username, name, email, password, password_change_date, \
         is_active, last_login, date_joined, path, type, attributes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {COLUMNS}"
    );
    let row = sqlx::query(&sql)
        .bind(Uuid::new_v4().to_string())
        .bind(new.username.clone())
        .bind(new.name.clone())
        .bind(new.email.clone())
        .bind(new.password.clone())
        .bind(ts(now))
        .bind(new.is_active)
        .bind(opt_ts(new.last_login))
        .bind(ts(now))
        .bind(new.path.clone())
        .bind(new.user_type.as_str())
        .bind(to_json(&new.attributes))
        .fetch_one(&mut *conn)
        .await?;
    from_row(&row)
}

/// Writes every mutable field of `user` (identified by `user.pk`).
pub async fn update(conn: &mut AnyConnection, user: &User) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE core_user SET username = $1, name = $2, email = $3, password = $4, \
         password_change_date = $5, is_active = $6, last_login = $7, path = $8, type = $9, \
         attributes = $10 WHERE id = $11",
    )
    .bind(user.username.clone())
    .bind(user.name.clone())
    .bind(user.email.clone())
    .bind(user.password.clone())
    .bind(ts(user.password_change_date))
    .bind(user.is_active)
    .bind(opt_ts(user.last_login))
    .bind(user.path.clone())
    .bind(user.user_type.as_str())
    .bind(to_json(&user.attributes))
    .bind(user.pk)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets the encoded password and its change date.
pub async fn set_password(
    conn: &mut AnyConnection,
    pk: i64,
    encoded: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE core_user SET password = $1, password_change_date = $2 WHERE id = $3")
        .bind(encoded.to_string())
        .bind(ts(now))
        .bind(pk)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes a user; returns whether a row was deleted.
pub async fn delete(conn: &mut AnyConnection, pk: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM core_user WHERE id = $1")
        .bind(pk)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Loads a user by primary key.
pub async fn get(conn: &mut AnyConnection, pk: i64) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM core_user WHERE id = $1");
    sqlx::query(&sql)
        .bind(pk)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Loads a user by username (exact match).
pub async fn get_by_username(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM core_user WHERE username = $1");
    sqlx::query(&sql)
        .bind(username.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A user with the groups it is a direct member of.
pub type WithGroups = (User, Vec<Uuid>);

/// The configuration version and the user matching `on` (alias `t`) with its direct groups, in
/// the SQLite and the PostgreSQL dialect.
fn select_with_groups(on: &str) -> [String; 2] {
    [false, true].map(|pg| {
        let direct = format!(
            "{} AS direct_groups",
            crate::groups::direct_ids_sql(pg, "t.id")
        );
        crate::config_version::select_with_version(COLUMNS, &[&direct], "core_user", on)
    })
}

/// The user (and its groups) and the version of a [`select_with_groups`] row.
fn with_groups_of(row: &(impl RowRead + ?Sized)) -> Result<(Option<WithGroups>, i64), StoreError> {
    let version = int(row, "config_version")?;
    let user = match row.read_int("id")? {
        Some(_) => Some((
            from_row(row)?,
            crate::groups::direct_ids(row, "direct_groups")?,
        )),
        None => None,
    };
    Ok((user, version))
}

/// [`get_by_username`] with the user's direct groups, and the configuration version
/// (`config_version::current`), in one statement (a `client_credentials` request's service
/// account, its groups and its provider's cache check).
pub async fn get_by_username_with_config_version<'c>(
    db: impl Into<Db<'c>>,
    username: &str,
) -> Result<(Option<WithGroups>, i64), StoreError> {
    static SQL: LazyLock<[String; 2]> = LazyLock::new(|| select_with_groups("t.username = $1"));
    let db = db.into();
    let sql = &SQL[usize::from(db.is_postgres())];
    db.fetch_one(sql, &[Arg::from(username)], |row| with_groups_of(row))
        .await
}

/// [`get`] with the user's direct groups, and the configuration version, in one statement.
pub async fn get_with_config_version<'c>(
    db: impl Into<Db<'c>>,
    pk: i64,
) -> Result<(Option<WithGroups>, i64), StoreError> {
    static SQL: LazyLock<[String; 2]> = LazyLock::new(|| select_with_groups("t.id = $1"));
    let db = db.into();
    let sql = &SQL[usize::from(db.is_postgres())];
    db.fetch_one(sql, &[Arg::from(pk)], |row| with_groups_of(row))
        .await
}

/// Whether another user than `except` already has `username`.
pub async fn username_taken(
    conn: &mut AnyConnection,
    username: &str,
    except: Option<i64>,
) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM core_user WHERE username = $1 AND id <> $2")
        .bind(username.to_string())
        .bind(except.unwrap_or(-1))
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Which of `pks` exist.
pub async fn existing(conn: &mut AnyConnection, pks: &[i64]) -> Result<Vec<i64>, StoreError> {
    let mut q = ListQuery::new("id");
    q.any_of("id", pks.iter().map(|p| Param::Int(*p)).collect());
    let rows = q.fetch_all(conn, "id", "core_user").await?;
    rows.iter().map(|r| int(r, "id")).collect()
}

/// Filters of `GET /core/users/`.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Exact username.
    pub username: Option<String>,
    /// Exact email.
    pub email: Option<String>,
    /// Exact name.
    pub name: Option<String>,
    /// Active flag.
    pub is_active: Option<bool>,
    /// Exact UUID.
    pub uuid: Option<Uuid>,
    /// Exact path.
    pub path: Option<String>,
    /// Path prefix.
    pub path_startswith: Option<String>,
    /// Any of these types.
    pub types: Vec<UserType>,
    /// Member (directly) of a group with one of these names.
    pub groups_by_name: Vec<String>,
    /// Member (directly) of one of these groups.
    pub groups_by_pk: Vec<Uuid>,
    /// Restrict to these primary keys (used for computed filters such as `is_superuser`).
    pub pks: Option<Vec<i64>>,
    /// Exclude these primary keys.
    pub exclude_pks: Vec<i64>,
    /// Direct member (`true`) or not (`false`) of any of these groups.
    pub member_of_any: Option<(bool, Vec<Uuid>)>,
    /// Search text over username, name, email, uuid.
    pub search: Option<String>,
    /// Whitelisted ORDER BY clause.
    pub order_by: Option<String>,
}

/// Orderings the API accepts, mapped to SQL.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "username" => "username ASC",
        "-username" => "username DESC",
        "name" => "name ASC, username ASC",
        "-name" => "name DESC, username ASC",
        "email" => "email ASC, username ASC",
        "-email" => "email DESC, username ASC",
        "pk" | "id" => "id ASC",
        "-pk" | "-id" => "id DESC",
        "last_login" => "last_login ASC, username ASC",
        "-last_login" => "last_login DESC, username ASC",
        "date_joined" => "date_joined ASC, id ASC",
        "-date_joined" => "date_joined DESC, id ASC",
        "path" => "path ASC, username ASC",
        "-path" => "path DESC, username ASC",
        "is_active" => "is_active ASC, username ASC",
        "-is_active" => "is_active DESC, username ASC",
        "type" => "type ASC, username ASC",
        "-type" => "type DESC, username ASC",
        _ => return None,
    })
}

/// Lists users.
pub async fn list(
    conn: &mut AnyConnection,
    filter: &UserFilter,
    page: Page,
) -> Result<(Vec<User>, i64), StoreError> {
    let sqlite = !crate::pool::is_postgres(conn);
    let (rows, count) = query(filter, sqlite)
        .fetch(conn, COLUMNS, "core_user", page)
        .await?;
    let users = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok((users, count))
}

/// One user of a JSON page, as the database writes it (booleans may come as 0/1 on SQLite).
#[derive(serde::Deserialize)]
struct PageUser {
    id: i64,
    uuid: Uuid,
    username: String,
    name: String,
    email: String,
    password: String,
    password_change_date: String,
    is_active: serde_json::Value,
    last_login: Option<String>,
    date_joined: String,
    path: String,
    #[serde(rename = "type")]
    user_type: String,
    attributes: String,
    group_ids: Option<String>,
}

/// Parses a comma-separated list of group UUIDs (an SQL string aggregate).
fn page_time(col: &str, raw: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

impl PageUser {
    fn into_user(self) -> Result<(User, Vec<Uuid>), StoreError> {
        let groups = crate::groups::split_ids(self.group_ids)?;
        let user = User {
            pk: self.id,
            uuid: self.uuid,
            username: self.username,
            name: self.name,
            email: self.email,
            password: self.password,
            password_change_date: page_time("password_change_date", &self.password_change_date)?,
            is_active: matches!(self.is_active, serde_json::Value::Bool(true))
                || self.is_active.as_i64() == Some(1),
            last_login: self
                .last_login
                .as_deref()
                .map(|t| page_time("last_login", t))
                .transpose()?,
            date_joined: page_time("date_joined", &self.date_joined)?,
            path: self.path,
            user_type: UserType::parse(&self.user_type)
                .ok_or_else(|| StoreError::Corrupt(format!("type: {}", self.user_type)))?,
            attributes: serde_json::from_str(&self.attributes)
                .map_err(|e| StoreError::Corrupt(format!("attributes: {e}")))?,
        };
        Ok((user, groups))
    }
}

/// Lists users with the ids of their direct groups (the users list endpoint's hot path).
///
/// On SQLite the page comes back as one JSON document: every row crossing sqlx's SQLite worker
/// thread costs a hand-off, and one document instead of a hundred rows tripled throughput. On
/// PostgreSQL plain rows are cheaper for the database (building the JSON there costs ~5× the
/// query), and the rows arrive in one network read anyway.
pub async fn list_with_groups(
    conn: &mut AnyConnection,
    filter: &UserFilter,
    page: Page,
) -> Result<(Vec<(User, Vec<Uuid>)>, i64), StoreError> {
    if crate::pool::is_postgres(conn) {
        let columns = format!(
            "{COLUMNS}, {} AS group_ids",
            crate::groups::direct_ids_sql(true, "core_user.id")
        );
        let (rows, count) = query(filter, false)
            .fetch(conn, &columns, "core_user", page)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let ids = crate::groups::direct_ids(row, "group_ids")?;
            out.push((from_row(row)?, ids));
        }
        return Ok((out, count));
    }
    let aggregate = crate::groups::direct_ids_sql(false, "core_user.id");
    let fields = [
        ("id", "id"),
        ("uuid", "uuid"),
        ("username", "username"),
        ("name", "name"),
        ("email", "email"),
        ("password", "password"),
        ("password_change_date", "password_change_date"),
        ("is_active", "is_active"),
        ("last_login", "last_login"),
        ("date_joined", "date_joined"),
        ("path", "path"),
        ("type", "type"),
        ("attributes", "attributes"),
        ("group_ids", aggregate.as_str()),
    ];
    let sqlite = !crate::pool::is_postgres(conn);
    let (json, count) = query(filter, sqlite)
        .fetch_json_page(conn, &fields, "core_user", page)
        .await?;
    let rows: Vec<PageUser> =
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("users page: {e}")))?;
    let users = rows
        .into_iter()
        .map(PageUser::into_user)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((users, count))
}

fn query(filter: &UserFilter, sqlite: bool) -> ListQuery {
    let mut q = ListQuery::new(filter.order_by.as_deref().unwrap_or("username ASC"));
    if let Some(v) = &filter.username {
        q.eq("username", Param::Text(v.clone()));
    }
    if let Some(v) = &filter.email {
        q.eq("email", Param::Text(v.clone()));
    }
    if let Some(v) = &filter.name {
        q.eq("name", Param::Text(v.clone()));
    }
    if let Some(v) = filter.is_active {
        q.eq("is_active", Param::Bool(v));
    }
    if let Some(v) = filter.uuid {
        q.eq("uuid", Param::Text(v.to_string()));
    }
    if let Some(v) = &filter.path {
        q.eq("path", Param::Text(v.clone()));
    }
    if let Some(v) = &filter.path_startswith {
        let escaped = v
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        q.raw(
            "path LIKE {} ESCAPE '\\'",
            Param::Text(format!("{escaped}%")),
        );
    }
    if !filter.types.is_empty() {
        q.any_of(
            "type",
            filter
                .types
                .iter()
                .map(|t| Param::Text(t.as_str().into()))
                .collect(),
        );
    }
    for name in &filter.groups_by_name {
        q.raw(
            "id IN (SELECT ug.user_id FROM core_user_groups ug JOIN core_group g \
             ON g.group_uuid = ug.group_id WHERE g.name = {})",
            Param::Text(name.clone()),
        );
    }
    for pk in &filter.groups_by_pk {
        q.raw(
            "id IN (SELECT user_id FROM core_user_groups WHERE group_id = {})",
            Param::Text(pk.to_string()),
        );
    }
    if let Some(pks) = &filter.pks {
        q.any_of("id", pks.iter().map(|p| Param::Int(*p)).collect());
    }
    if let Some((member, groups)) = &filter.member_of_any {
        let list: Vec<String> = groups.iter().map(|g| format!("'{g}'")).collect();
        let list = if list.is_empty() {
            "''".to_string()
        } else {
            list.join(", ")
        };
        let op = if *member { "IN" } else { "NOT IN" };
        // UUIDs are formatted by `Uuid`'s Display (hex and dashes only), so inlining is safe.
        q.raw(
            &format!("id {op} (SELECT user_id FROM core_user_groups WHERE group_id IN ({list})) AND 1 = {{}}"),
            Param::Int(1),
        );
    }
    for pk in &filter.exclude_pks {
        q.raw("id <> {}", Param::Int(*pk));
    }
    if let Some(s) = &filter.search {
        if sqlite && s.chars().count() >= 3 {
            // The trigram table (migration 11) finds the same case-insensitive substrings
            // through its index; shorter texts have no trigram to look up.
            q.raw(
                "id IN (SELECT rowid FROM core_user_search WHERE core_user_search MATCH {})",
                Param::Text(format!("\"{}\"", s.replace('"', "\"\""))),
            );
        } else {
            q.search(&["username", "name", "email", "uuid"], s);
        }
    }
    q
}

/// Direct group ids of each of `pks`.
pub async fn direct_groups(
    conn: &mut AnyConnection,
    pks: &[i64],
) -> Result<HashMap<i64, Vec<Uuid>>, StoreError> {
    let mut q = ListQuery::new("user_id, group_id");
    q.any_of("user_id", pks.iter().map(|p| Param::Int(*p)).collect());
    let rows = q
        .fetch_all(conn, "user_id, group_id", "core_user_groups")
        .await?;
    let mut out: HashMap<i64, Vec<Uuid>> = HashMap::new();
    for row in &rows {
        out.entry(int(row, "user_id")?)
            .or_default()
            .push(uuid(row, "group_id")?);
    }
    Ok(out)
}

/// Replaces the direct groups of a user.
pub async fn set_groups(
    conn: &mut AnyConnection,
    pk: i64,
    groups: &[Uuid],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM core_user_groups WHERE user_id = $1")
        .bind(pk)
        .execute(&mut *conn)
        .await?;
    for g in groups {
        add_to_group(conn, pk, *g).await?;
    }
    Ok(())
}

/// Adds a user to a group (idempotent).
pub async fn add_to_group(
    conn: &mut AnyConnection,
    pk: i64,
    group: Uuid,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO core_user_groups (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(pk)
    .bind(group.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes a user from a group.
pub async fn remove_from_group(
    conn: &mut AnyConnection,
    pk: i64,
    group: Uuid,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM core_user_groups WHERE user_id = $1 AND group_id = $2")
        .bind(pk)
        .bind(group.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Distinct user paths, optionally filtered by a case-insensitive substring.
pub async fn paths(
    conn: &mut AnyConnection,
    search: Option<&str>,
) -> Result<Vec<String>, StoreError> {
    let mut q = ListQuery::new("path");
    if let Some(s) = search {
        q.search(&["path"], s);
    }
    let rows = q.fetch_all(conn, "DISTINCT path", "core_user").await?;
    rows.iter().map(|r| text(r, "path")).collect()
}

/// Records a successful login time.
pub async fn touch_last_login(
    conn: &mut AnyConnection,
    pk: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE core_user SET last_login = $1 WHERE id = $2")
        .bind(ts(now))
        .bind(pk)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Number of users.
pub async fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM core_user")
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")?)
}

/// Checks `password` against the user's stored hash (every Django format Castellan reads) and,
/// when it matches a format or parameters other than Castellan's argon2id, stores a fresh argon2id
/// hash so migrated users are upgraded at their next successful login. Hashing runs on the
/// blocking pool. Returns whether the password matched.
pub async fn check_password(
    conn: &mut AnyConnection,
    user: &User,
    password: &str,
) -> Result<bool, StoreError> {
    let (pw, encoded) = (password.to_string(), user.password.clone());
    let check = tokio::task::spawn_blocking(move || {
        castellan_crypto::password::verify_password(&pw, &encoded)
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("password check task: {e}")))?;
    if check.valid && check.needs_rehash {
        let pw = password.to_string();
        let fresh =
            tokio::task::spawn_blocking(move || castellan_crypto::password::hash_password(&pw))
                .await
                .map_err(|e| StoreError::Corrupt(format!("password hash task: {e}")))?
                .map_err(|e| StoreError::Corrupt(format!("password hash: {e}")))?;
        // The change date stays: the password itself did not change.
        sqlx::query("UPDATE core_user SET password = $1 WHERE id = $2 AND password = $3")
            .bind(fresh)
            .bind(user.pk)
            .bind(user.password.clone())
            .execute(&mut *conn)
            .await?;
    }
    Ok(check.valid)
}
