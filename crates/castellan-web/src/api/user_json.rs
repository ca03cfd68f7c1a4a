//! The JSON shapes of users (`User`, `UserGroup`, `UserSelf`, `GroupMember`), built in batches so
//! a page of users costs a fixed number of queries.
use std::collections::HashMap;

use castellan_core::group::{self, Group, num_pk};
use castellan_core::user::{DEFAULT_AVATAR, User, user_uid};
use castellan_store::{AnyConnection, groups, users};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;

/// `UserGroup`: a group as embedded in a user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserGroup {
    /// Group UUID.
    pub pk: Uuid,
    /// Numeric id (LDAP gidNumber).
    pub num_pk: i64,
    /// Name.
    pub name: String,
    /// Superuser flag.
    #[schema(required = false)]
    pub is_superuser: bool,
    /// Parent group.
    pub parent: Option<Uuid>,
    /// Parent's name.
    #[schema(required = true)]
    pub parent_name: Option<String>,
    /// Attributes.
    #[schema(value_type = Object, required = false)]
    pub attributes: Value,
}

/// `User`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserJson {
    /// Integer id.
    pub pk: i64,
    /// Username.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Active flag.
    #[schema(required = false)]
    pub is_active: bool,
    /// Last login.
    pub last_login: Option<DateTime<Utc>>,
    /// Superuser through groups.
    pub is_superuser: bool,
    /// Direct group ids.
    #[schema(required = false)]
    pub groups: Vec<Uuid>,
    /// Direct groups, or null with `include_groups=false`.
    #[schema(required = true)]
    pub groups_obj: Option<Vec<UserGroup>>,
    /// Email.
    #[schema(required = false)]
    pub email: String,
    /// Avatar URL or data URI.
    pub avatar: String,
    /// Attributes.
    #[schema(value_type = Object, required = false)]
    pub attributes: Value,
    /// Stable hashed id.
    pub uid: String,
    /// Path.
    #[schema(required = false)]
    pub path: String,
    /// Type.
    #[serde(rename = "type")]
    #[schema(value_type = super::enums::UserTypeEnum, required = false)]
    pub user_type: String,
    /// UUID.
    pub uuid: Uuid,
}

/// Group snapshot for one request.
#[derive(Debug, Clone, Default)]
pub struct GroupIndex {
    all: std::sync::Arc<Vec<Group>>,
    by_id: HashMap<Uuid, usize>,
}

impl GroupIndex {
    /// Loads every group.
    pub async fn load(conn: &mut AnyConnection) -> Result<Self, ApiError> {
        Ok(Self::from_shared(std::sync::Arc::new(
            groups::all(conn).await?,
        )))
    }

    /// Indexes a snapshot already read (the one authentication took for this request).
    pub fn from_shared(all: std::sync::Arc<Vec<Group>>) -> Self {
        let by_id = all.iter().enumerate().map(|(i, g)| (g.pk, i)).collect();
        Self { all, by_id }
    }

    /// A group by id.
    pub fn get(&self, id: &Uuid) -> Option<&Group> {
        self.by_id.get(id).map(|i| &self.all[*i])
    }

    /// Every group.
    pub fn all(&self) -> &[Group] {
        &self.all
    }

    /// The `UserGroup` JSON of a group.
    pub fn user_group(&self, g: &Group) -> UserGroup {
        UserGroup {
            pk: g.pk,
            num_pk: num_pk(&g.pk),
            name: g.name.clone(),
            is_superuser: g.is_superuser,
            parent: g.parent,
            parent_name: g.parent.and_then(|p| self.get(&p)).map(|p| p.name.clone()),
            attributes: g.attributes.clone(),
        }
    }

    /// Groups that are superuser groups or ancestors of one: direct membership in any of them
    /// makes a user a superuser.
    pub fn superuser_granting(&self) -> Vec<Uuid> {
        self.all
            .iter()
            .filter(|g| group::is_superuser(&[g.pk], &self.all))
            .map(|g| g.pk)
            .collect()
    }
}

/// Serialises users with their groups.
pub async fn users_json(
    conn: &mut AnyConnection,
    list: Vec<User>,
    install_id: &Uuid,
    include_groups: bool,
    index: Option<&GroupIndex>,
) -> Result<Vec<UserJson>, ApiError> {
    let pks: Vec<i64> = list.iter().map(|u| u.pk).collect();
    let mut direct = users::direct_groups(conn, &pks).await?;
    let with_groups = list
        .into_iter()
        .map(|u| {
            let ids = direct.remove(&u.pk).unwrap_or_default();
            (u, ids)
        })
        .collect();
    let loaded;
    let index = match index {
        Some(i) => i,
        None => {
            loaded = GroupIndex::load(conn).await?;
            &loaded
        }
    };
    Ok(users_with_groups_json(
        with_groups,
        install_id,
        include_groups,
        index,
    ))
}

/// Serialises users whose direct group ids are already known.
pub fn users_with_groups_json(
    list: Vec<(User, Vec<Uuid>)>,
    install_id: &Uuid,
    include_groups: bool,
    index: &GroupIndex,
) -> Vec<UserJson> {
    list.into_iter()
        .map(|(u, mut ids)| {
            ids.sort_by(|a, b| {
                let name = |id: &Uuid| index.get(id).map(|g| g.name.as_str()).unwrap_or_default();
                name(a).cmp(name(b))
            });
            let is_superuser = group::is_superuser(&ids, index.all());
            let groups_obj = include_groups.then(|| {
                ids.iter()
                    .filter_map(|id| index.get(id))
                    .map(|g| index.user_group(g))
                    .collect()
            });
            UserJson {
                uid: user_uid(u.pk, install_id),
                pk: u.pk,
                username: u.username,
                name: u.name,
                is_active: u.is_active,
                last_login: u.last_login,
                is_superuser,
                groups: ids,
                groups_obj,
                email: u.email,
                avatar: DEFAULT_AVATAR.to_string(),
                attributes: u.attributes,
                path: u.path,
                user_type: u.user_type.as_str().to_string(),
                uuid: u.uuid,
            }
        })
        .collect()
}

/// Serialises one user.
pub async fn user_json(
    conn: &mut AnyConnection,
    user: User,
    install_id: &Uuid,
) -> Result<UserJson, ApiError> {
    users_json(conn, vec![user], install_id, true, None)
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("user vanished during serialisation".into()))
}

/// `GroupMember`: a user as embedded in a group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupMember {
    /// Integer id.
    pub pk: i64,
    /// Username.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Active flag.
    #[schema(required = false)]
    pub is_active: bool,
    /// Last login.
    pub last_login: Option<DateTime<Utc>>,
    /// Email.
    #[schema(required = false)]
    pub email: String,
    /// Attributes.
    #[schema(value_type = Object, required = false)]
    pub attributes: Value,
    /// Stable hashed id.
    pub uid: String,
}

/// Serialises a user as a group member.
pub fn group_member(u: User, install_id: &Uuid) -> GroupMember {
    GroupMember {
        uid: user_uid(u.pk, install_id),
        pk: u.pk,
        username: u.username,
        name: u.name,
        is_active: u.is_active,
        last_login: u.last_login,
        email: u.email,
        attributes: u.attributes,
    }
}
