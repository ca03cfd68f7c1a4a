//! The group hierarchy (every group: name, parent, superuser flag, attributes), read once per
//! configuration version (writes to `core_group` bump it) and shared by every request that
//! resolves a user's groups, so a request reads only the user's own memberships.
//!
//! Read it outside a transaction that writes groups: a tree read inside such a transaction would
//! be cached under a version that a rollback undoes (the provider cache has the same rule).
use std::sync::{Arc, Mutex};

use castellan_core::group::Group;
use castellan_store::{AnyConnection, StoreError, groups};
use uuid::Uuid;

/// A user's groups as policies, mappings and permission checks need them.
#[derive(Debug, Clone)]
pub struct UserGroups {
    /// Every group (ordered by name).
    pub all: Arc<Vec<Group>>,
    /// The groups the user is a direct member of.
    pub direct: Vec<Uuid>,
}

/// Every group, as of one configuration version.
#[derive(Default)]
pub struct GroupTree(Mutex<Option<(i64, Arc<Vec<Group>>)>>);

impl GroupTree {
    /// Every group at configuration `version` (a statement only when the version moved).
    ///
    /// # Errors
    /// Database failures.
    pub async fn at(
        &self,
        conn: &mut AnyConnection,
        version: i64,
    ) -> Result<Arc<Vec<Group>>, StoreError> {
        if let Some(all) = self.fresh(version) {
            return Ok(all);
        }
        let all = Arc::new(groups::all(conn).await?);
        if let Ok(mut cached) = self.0.lock()
            && cached.as_ref().is_none_or(|(at, _)| *at <= version)
        {
            *cached = Some((version, all.clone()));
        }
        Ok(all)
    }

    /// Every group, if cached at exactly `version` (no statement).
    pub fn fresh(&self, version: i64) -> Option<Arc<Vec<Group>>> {
        let cached = self.0.lock().ok()?;
        let (at, all) = cached.as_ref()?;
        (*at == version).then(|| all.clone())
    }

    /// `user`'s groups: its memberships and the configuration version in one statement, the
    /// hierarchy from the cache.
    ///
    /// # Errors
    /// Database failures.
    pub async fn of_user(
        &self,
        conn: &mut AnyConnection,
        user: i64,
    ) -> Result<UserGroups, StoreError> {
        let (direct, version) = groups::direct_with_config_version(conn, user).await?;
        Ok(UserGroups {
            all: self.at(conn, version).await?,
            direct,
        })
    }
}
