//! A user as flows and expressions see it: the tagged JSON object (`"$type": "user"`) with
//! the recursive groups, carried in the plan context as `pending_user`.
use castellan_core::group::{self, Group};
use castellan_core::user::{User, user_uid};
use castellan_store::{AnyConnection, StoreError, users};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::state::AppState;

/// Builds the tagged user from the user and every group (membership resolved recursively).
pub fn tagged(user: &User, all: &[Group], direct: &[Uuid], install_id: &Uuid) -> Value {
    let recursive = group::recursive_groups(direct, all);
    let groups: Vec<Value> = all
        .iter()
        .filter(|g| recursive.contains(&g.pk))
        .map(|g| {
            json!({"$type": "group", "pk": g.pk.to_string(), "name": g.name,
                        "attributes": g.attributes, "is_superuser": g.is_superuser})
        })
        .collect();
    json!({
        "$type": "user",
        "pk": user.pk,
        "uid": user_uid(user.pk, install_id),
        "uuid": user.uuid.to_string(),
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "is_active": user.is_active,
        "is_superuser": group::is_superuser(direct, all),
        "attributes": user.attributes,
        "path": user.path,
        "type": user.user_type.as_str(),
        "groups": groups,
        "has_usable_password": castellan_crypto::password::is_usable_password(&user.password),
        "password_change_date": user.password_change_date.to_rfc3339(),
        "last_login": user.last_login.map(|t| t.to_rfc3339()),
    })
}

/// Loads a user by pk as tagged JSON (one statement while the group hierarchy is cached).
pub async fn load(
    state: &AppState,
    conn: &mut AnyConnection,
    pk: i64,
) -> Result<Option<Value>, StoreError> {
    let (found, version) = users::get_with_config_version(&mut *conn, pk).await?;
    let Some((user, direct)) = found else {
        return Ok(None);
    };
    let all = state.flows.groups.at(conn, version).await?;
    Ok(Some(tagged(&user, &all, &direct, &state.install_id)))
}

/// A user already read as tagged JSON (only its groups are read).
pub async fn of(
    state: &AppState,
    conn: &mut AnyConnection,
    user: &User,
) -> Result<Value, StoreError> {
    let groups = state.flows.groups.of_user(conn, user.pk).await?;
    Ok(tagged(user, &groups.all, &groups.direct, &state.install_id))
}

/// The pk of a tagged user, when it is a saved user.
pub fn pk(user: &Value) -> Option<i64> {
    user.get("pk")?.as_i64()
}
