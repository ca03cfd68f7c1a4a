//! Groups, their hierarchy and members.
use castellan_core::group::Group;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{boolean, int, json, opt_uuid, text, to_json, uuid};
use crate::list::{ListQuery, Page, Param};

const COLUMNS: &str = "group_uuid, name, is_superuser, parent, attributes";

fn from_row(row: &AnyRow) -> Result<Group, StoreError> {
    Ok(Group {
        pk: uuid(row, "group_uuid")?,
        name: text(row, "name")?,
        is_superuser: boolean(row, "is_superuser")?,
        parent: opt_uuid(row, "parent")?,
        attributes: json(row, "attributes")?,
    })
}

/// Inserts a group.
pub async fn create(conn: &mut AnyConnection, group: &Group) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO core_group (group_uuid, name, is_superuser, parent, attributes) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(group.pk.to_string())
    .bind(group.name.clone())
    .bind(group.is_superuser)
    .bind(group.parent.map(|p| p.to_string()))
    .bind(to_json(&group.attributes))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes every mutable field.
pub async fn update(conn: &mut AnyConnection, group: &Group) -> Result<(), StoreError> {
    sqlx::query("UPDATE core_group SET name = $1, is_superuser = $2, parent = $3, attributes = $4 WHERE group_uuid = $5")
        .bind(group.name.clone())
        .bind(group.is_superuser)
        .bind(group.parent.map(|p| p.to_string()))
        .bind(to_json(&group.attributes))
        .bind(group.pk.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes a group.
pub async fn delete(conn: &mut AnyConnection, pk: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM core_group WHERE group_uuid = $1")
        .bind(pk.to_string())
        .execute(&mut *conn)
        .await?;
    // Settings referencing the group (a user-write stage's `create_users_group`) drop it.
    crate::refs::scrub(conn, pk).await?;
    Ok(done.rows_affected() > 0)
}

/// Loads a group.
pub async fn get(conn: &mut AnyConnection, pk: Uuid) -> Result<Option<Group>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM core_group WHERE group_uuid = $1");
    sqlx::query(&sql)
        .bind(pk.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Loads a group by name.
pub async fn get_by_name(
    conn: &mut AnyConnection,
    name: &str,
) -> Result<Option<Group>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM core_group WHERE name = $1");
    sqlx::query(&sql)
        .bind(name.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Every group (the hierarchy is small; callers compute recursive sets in memory).
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<Group>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM core_group ORDER BY name");
    sqlx::query(&sql)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// An SQL expression for the direct groups of the user whose id is the SQL expression `user`:
/// their ids comma-separated, NULL without any. A column of a larger read, so a request gets a
/// user's memberships with the row it reads anyway (the hierarchy itself is cached per
/// configuration version).
pub(crate) fn direct_ids_sql(postgres: bool, user: &str) -> String {
    let aggregate = if postgres {
        "string_agg(group_id, ',')"
    } else {
        "group_concat(group_id, ',')"
    };
    format!("(SELECT {aggregate} FROM core_user_groups WHERE user_id = {user})")
}

/// The group ids of a [`direct_ids_sql`] column.
pub(crate) fn direct_ids(
    row: &(impl crate::codec::RowRead + ?Sized),
    column: &str,
) -> Result<Vec<Uuid>, StoreError> {
    split_ids(crate::codec::opt_text(row, column)?)
}

/// The group ids of a comma-separated list (none for NULL).
pub(crate) fn split_ids(raw: Option<String>) -> Result<Vec<Uuid>, StoreError> {
    raw.unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("group_ids: {e}"))))
        .collect()
}

/// The groups `user` is a direct member of and the configuration version, in one statement.
pub async fn direct_with_config_version(
    conn: &mut AnyConnection,
    user: i64,
) -> Result<(Vec<Uuid>, i64), StoreError> {
    let sql = format!(
        "SELECT version AS config_version, {} AS direct_groups \
         FROM castellan_config_version WHERE id = 1",
        direct_ids_sql(crate::pool::is_postgres(conn), "$1")
    );
    let row = sqlx::query(&sql).bind(user).fetch_one(&mut *conn).await?;
    Ok((
        direct_ids(&row, "direct_groups")?,
        row.try_get::<i64, _>("config_version")?,
    ))
}

/// Filters of `GET /core/groups/`.
#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    /// Exact name.
    pub name: Option<String>,
    /// Superuser flag.
    pub is_superuser: Option<bool>,
    /// Has this direct member.
    pub members_by_pk: Vec<i64>,
    /// Has a direct member with this username.
    pub members_by_username: Vec<String>,
    /// Search over name.
    pub search: Option<String>,
    /// Whitelisted ORDER BY.
    pub order_by: Option<String>,
}

/// Orderings the API accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "name ASC",
        "-name" => "name DESC",
        "is_superuser" => "is_superuser ASC, name ASC",
        "-is_superuser" => "is_superuser DESC, name ASC",
        _ => return None,
    })
}

/// Lists groups.
pub async fn list(
    conn: &mut AnyConnection,
    f: &GroupFilter,
    page: Page,
) -> Result<(Vec<Group>, i64), StoreError> {
    let mut q = ListQuery::new(f.order_by.as_deref().unwrap_or("name ASC"));
    if let Some(v) = &f.name {
        q.eq("name", Param::Text(v.clone()));
    }
    if let Some(v) = f.is_superuser {
        q.eq("is_superuser", Param::Bool(v));
    }
    for pk in &f.members_by_pk {
        q.raw(
            "group_uuid IN (SELECT group_id FROM core_user_groups WHERE user_id = {})",
            Param::Int(*pk),
        );
    }
    for name in &f.members_by_username {
        q.raw(
            "group_uuid IN (SELECT ug.group_id FROM core_user_groups ug JOIN core_user u ON u.id = ug.user_id WHERE u.username = {})",
            Param::Text(name.clone()),
        );
    }
    if let Some(s) = &f.search {
        q.search(&["name"], s);
    }
    let (rows, count) = q.fetch(conn, COLUMNS, "core_group", page).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}

/// Direct member user ids of a group.
pub async fn member_ids(conn: &mut AnyConnection, pk: Uuid) -> Result<Vec<i64>, StoreError> {
    let rows =
        sqlx::query("SELECT user_id FROM core_user_groups WHERE group_id = $1 ORDER BY user_id")
            .bind(pk.to_string())
            .fetch_all(&mut *conn)
            .await?;
    rows.iter().map(|r| int(r, "user_id")).collect()
}

/// Replaces the direct members of a group.
pub async fn set_members(
    conn: &mut AnyConnection,
    pk: Uuid,
    users: &[i64],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM core_user_groups WHERE group_id = $1")
        .bind(pk.to_string())
        .execute(&mut *conn)
        .await?;
    for u in users {
        crate::users::add_to_group(conn, *u, pk).await?;
    }
    Ok(())
}

/// Which of `pks` exist.
pub async fn existing(conn: &mut AnyConnection, pks: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
    let mut q = ListQuery::new("group_uuid");
    q.any_of(
        "group_uuid",
        pks.iter().map(|p| Param::Text(p.to_string())).collect(),
    );
    let rows = q.fetch_all(conn, "group_uuid", "core_group").await?;
    rows.iter().map(|r| uuid(r, "group_uuid")).collect()
}

/// Whether another group than `except` already has `name`.
pub async fn name_taken(
    conn: &mut AnyConnection,
    name: &str,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM core_group WHERE name = $1 AND group_uuid <> $2")
            .bind(name.to_string())
            .bind(except.map(|e| e.to_string()).unwrap_or_default())
            .fetch_one(&mut *conn)
            .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}
