//! RBAC storage (spec §12): roles attached to groups (`core_group_roles`), permissions granted to
//! users directly (`rbac_userpermission`), and what a user holds in all. Roles themselves are
//! generic objects (`authentik_rbac.role`) keeping `permissions` (global, `app_label.codename`) and
//! `object_permissions` (`[{permission, model, object_pk}]`) in their settings.
use castellan_core::group::Group;
use castellan_core::rbac::{self, PermissionSet};
use serde_json::{Map, Value};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{text, uuid};

/// The meta model of roles.
pub const ROLE_MODEL: &str = "authentik_rbac.role";

/// A permission granted to a user: global when `model` is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGrant {
    /// Row id (the API's assignment `id`).
    pub id: i64,
    /// `app_label.codename` (global) or codename (object).
    pub permission: String,
    /// `app_label.model_name` of the object, or empty.
    pub model: String,
    /// The object's key, or empty.
    pub object_pk: String,
}

/// The grants of a user.
pub async fn user_grants(
    conn: &mut AnyConnection,
    user: i64,
) -> Result<Vec<UserGrant>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, permission, model, object_pk FROM rbac_userpermission WHERE user_id = $1 \
         ORDER BY id",
    )
    .bind(user)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(UserGrant {
                id: r.try_get("id")?,
                permission: text(r, "permission")?,
                model: text(r, "model")?,
                object_pk: text(r, "object_pk")?,
            })
        })
        .collect()
}

/// Grants a permission to a user (nothing happens when it is held already); the grant's id.
pub async fn grant_user(
    conn: &mut AnyConnection,
    user: i64,
    permission: &str,
    model: &str,
    object_pk: &str,
) -> Result<i64, StoreError> {
    sqlx::query(
        "INSERT INTO rbac_userpermission (user_id, permission, model, object_pk) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(user)
    .bind(permission.to_string())
    .bind(model.to_string())
    .bind(object_pk.to_string())
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query(
        "SELECT id FROM rbac_userpermission WHERE user_id = $1 AND permission = $2 \
         AND model = $3 AND object_pk = $4",
    )
    .bind(user)
    .bind(permission.to_string())
    .bind(model.to_string())
    .bind(object_pk.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Withdraws a user's permission; whether it was held.
pub async fn revoke_user(
    conn: &mut AnyConnection,
    user: i64,
    permission: &str,
    model: &str,
    object_pk: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "DELETE FROM rbac_userpermission WHERE user_id = $1 AND permission = $2 \
         AND model = $3 AND object_pk = $4",
    )
    .bind(user)
    .bind(permission.to_string())
    .bind(model.to_string())
    .bind(object_pk.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Every `(group, role)` attachment.
pub async fn group_roles(conn: &mut AnyConnection) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    let rows = sqlx::query("SELECT group_id, role_id FROM core_group_roles")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((uuid(r, "group_id")?, uuid(r, "role_id")?)))
        .collect()
}

/// The roles attached to a group.
pub async fn roles_of_group(
    conn: &mut AnyConnection,
    group: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let rows = sqlx::query("SELECT role_id FROM core_group_roles WHERE group_id = $1")
        .bind(group.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| uuid(r, "role_id")).collect()
}

/// Replaces the roles attached to a group (callers check first that no role belongs to another
/// group: the unique key refuses it otherwise).
pub async fn set_group_roles(
    conn: &mut AnyConnection,
    group: Uuid,
    roles: &[Uuid],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM core_group_roles WHERE group_id = $1")
        .bind(group.to_string())
        .execute(&mut *conn)
        .await?;
    for role in roles {
        sqlx::query("INSERT INTO core_group_roles (group_id, role_id) VALUES ($1, $2)")
            .bind(group.to_string())
            .bind(role.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The global permissions in a role's settings.
pub fn role_permissions(config: &Map<String, Value>) -> Vec<String> {
    config
        .get("permissions")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The object permissions in a role's settings, as `(permission, model, object_pk)`.
pub fn role_object_permissions(config: &Map<String, Value>) -> Vec<(String, String, String)> {
    let field = |item: &Value, key: &str| match item.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    config
        .get("object_permissions")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    (
                        field(i, "permission"),
                        field(i, "model"),
                        field(i, "object_pk"),
                    )
                })
                .filter(|(p, m, o)| !p.is_empty() && !m.is_empty() && !o.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn add_role(set: &mut PermissionSet, config: &Map<String, Value>) {
    for p in role_permissions(config) {
        set.grant(&p);
    }
    for (p, model, pk) in role_object_permissions(config) {
        set.grant_object(&p, &model, &pk);
    }
}

/// Everything `user` holds: their own grants and those of the roles attached to their direct
/// groups and to the ancestors of those (`direct` and `all` as read while authenticating).
pub async fn permissions_of(
    conn: &mut AnyConnection,
    user: i64,
    direct: &[Uuid],
    all: &[Group],
) -> Result<PermissionSet, StoreError> {
    let mut set = PermissionSet::default();
    for g in user_grants(conn, user).await? {
        if g.model.is_empty() {
            set.grant(&g.permission);
        } else {
            set.grant_object(&g.permission, &g.model, &g.object_pk);
        }
    }
    if direct.is_empty() {
        return Ok(set);
    }
    let held = rbac::role_groups(direct, all);
    let rows = sqlx::query(
        "SELECT gr.group_id, o.config FROM core_group_roles gr \
         JOIN castellan_object o ON o.pk = gr.role_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        if !held.contains(&uuid(row, "group_id")?) {
            continue;
        }
        let config = crate::stages::config(row, "config")?;
        add_role(&mut set, &config);
    }
    Ok(set)
}
