//! Role-based access control (spec §12): Django-style permissions `<app_label>.<codename>`, held
//! globally or on one object, by a user directly or through roles attached to groups.
use std::collections::BTreeSet;

use uuid::Uuid;

use crate::group::{GROUP_RECURSION_LIMIT, Group};

/// The default actions every model has a permission for.
pub const MODEL_ACTIONS: [&str; 4] = ["add", "change", "delete", "view"];

/// The codename of a permission: `authentik_core.view_user` → `view_user` (a bare codename is
/// returned unchanged).
pub fn codename(permission: &str) -> &str {
    permission
        .split_once('.')
        .map_or(permission, |(_, codename)| codename)
}

/// The permission for `action` on the model `meta_model_name` (`app_label.model_name`):
/// `("view", "authentik_core.user")` → `authentik_core.view_user`.
pub fn model_permission(action: &str, meta_model_name: &str) -> String {
    let (app, model) = meta_model_name
        .split_once('.')
        .unwrap_or(("", meta_model_name));
    format!("{app}.{action}_{model}")
}

/// One object-level grant: a codename on the object `object_pk` of `model` (`app_label.model_name`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectGrant {
    /// Codename without the app label (`view_totpdevice`).
    pub codename: String,
    /// `app_label.model_name`.
    pub model: String,
    /// The object's primary key, as text.
    pub object_pk: String,
}

/// Everything a user holds, from their own grants and their roles' grants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionSet {
    global: BTreeSet<String>,
    object: BTreeSet<ObjectGrant>,
}

impl PermissionSet {
    /// Adds a global permission (`app_label.codename`).
    pub fn grant(&mut self, permission: &str) {
        self.global.insert(permission.to_string());
    }

    /// Adds an object permission; `permission` may carry the app label or not.
    pub fn grant_object(&mut self, permission: &str, model: &str, object_pk: &str) {
        self.object.insert(ObjectGrant {
            codename: codename(permission).to_string(),
            model: model.to_string(),
            object_pk: object_pk.to_string(),
        });
    }

    /// Whether the global permission is held.
    pub fn has(&self, permission: &str) -> bool {
        self.global.contains(permission)
    }

    /// Whether `permission` is held on the object: globally or on that object.
    pub fn has_on(&self, permission: &str, model: &str, object_pk: &str) -> bool {
        self.has(permission)
            || self.object.contains(&ObjectGrant {
                codename: codename(permission).to_string(),
                model: model.to_string(),
                object_pk: object_pk.to_string(),
            })
    }

    /// Whether `permission` is held on at least one object of `model` (or globally).
    pub fn has_any_on(&self, permission: &str, model: &str) -> bool {
        let code = codename(permission);
        self.has(permission)
            || self
                .object
                .iter()
                .any(|g| g.codename == code && g.model == model)
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.global.is_empty() && self.object.is_empty()
    }
}

/// The groups whose roles a user holds: their direct groups and every *ancestor* of them (a
/// group's roles reach the members of its descendants — the opposite direction of recursive
/// group membership), at most [`GROUP_RECURSION_LIMIT`] levels up.
pub fn role_groups(direct: &[Uuid], all: &[Group]) -> Vec<Uuid> {
    let mut result: Vec<Uuid> = direct.to_vec();
    let mut frontier: Vec<Uuid> = direct.to_vec();
    for _ in 0..GROUP_RECURSION_LIMIT {
        let parents: Vec<Uuid> = all
            .iter()
            .filter(|g| frontier.contains(&g.pk))
            .filter_map(|g| g.parent)
            .filter(|p| !result.contains(p))
            .collect();
        if parents.is_empty() {
            break;
        }
        result.extend(&parents);
        frontier = parents;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn group(name: &str, parent: Option<Uuid>) -> Group {
        Group {
            pk: Uuid::new_v4(),
            name: name.into(),
            is_superuser: false,
            parent,
            attributes: json!({}),
        }
    }

    #[test]
    fn permission_names() {
        assert_eq!(codename("authentik_core.view_user"), "view_user");
        assert_eq!(codename("view_user"), "view_user");
        assert_eq!(
            model_permission("view", "authentik_stages_authenticator_totp.totpdevice"),
            "authentik_stages_authenticator_totp.view_totpdevice"
        );
    }

    #[test]
    fn global_and_object_grants() {
        let mut set = PermissionSet::default();
        assert!(set.is_empty());
        set.grant("authentik_core.view_user");
        set.grant_object("authentik_core.change_group", "authentik_core.group", "g1");
        assert!(set.has("authentik_core.view_user"));
        assert!(set.has_on("authentik_core.view_user", "authentik_core.user", "7"));
        assert!(set.has_on("authentik_core.change_group", "authentik_core.group", "g1"));
        assert!(!set.has_on("authentik_core.change_group", "authentik_core.group", "g2"));
        assert!(!set.has("authentik_core.change_group"));
        assert!(set.has_any_on("authentik_core.change_group", "authentik_core.group"));
        assert!(!set.has_any_on("authentik_core.delete_group", "authentik_core.group"));
    }

    #[test]
    fn roles_reach_members_of_descendants() {
        let root = group("root", None);
        let child = group("child", Some(root.pk));
        let grandchild = group("grandchild", Some(child.pk));
        let other = group("other", None);
        let all = vec![
            root.clone(),
            child.clone(),
            grandchild.clone(),
            other.clone(),
        ];
        let held = role_groups(&[grandchild.pk], &all);
        assert!(held.contains(&grandchild.pk) && held.contains(&child.pk));
        assert!(held.contains(&root.pk) && !held.contains(&other.pk));
        let held = role_groups(&[root.pk], &all);
        assert_eq!(held, vec![root.pk]);
    }
}
