//! A user as flows and expressions see it: the tagged JSON object (`"$type": "user"`) with
//! the recursive groups, carried in the plan context as `pending_user`.
use castellan_core::group::{self, Group};
use castellan_core::user::{User, user_uid};
use castellan_store::{AnyConnection, StoreError, groups, users};
use serde_json::{Value, json};
use uuid::Uuid;

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

/// Loads a user by pk as tagged JSON.
pub async fn load(
    conn: &mut AnyConnection,
    pk: i64,
    install_id: &Uuid,
) -> Result<Option<Value>, StoreError> {
    let Some(user) = users::get(conn, pk).await? else {
        return Ok(None);
    };
    Ok(Some(of(conn, &user, install_id).await?))
}

/// A user already read as tagged JSON (only the groups are loaded).
pub async fn of(
    conn: &mut AnyConnection,
    user: &User,
    install_id: &Uuid,
) -> Result<Value, StoreError> {
    let (all, direct) = groups::all_with_membership(conn, user.pk).await?;
    Ok(tagged(user, &all, &direct, install_id))
}

/// The pk of a tagged user, when it is a saved user.
pub fn pk(user: &Value) -> Option<i64> {
    user.get("pk")?.as_i64()
}
