//! Groups (spec §1.2): hierarchy, superuser flag, `num_pk`.
use uuid::Uuid;

/// A group as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// `group_uuid`, the API `pk`.
    pub pk: Uuid,
    /// Name (unique through the API).
    pub name: String,
    /// Members of this group (and of its descendants) are superusers.
    pub is_superuser: bool,
    /// Parent group (membership propagates downwards to children).
    pub parent: Option<Uuid>,
    /// Free-form JSON attributes.
    pub attributes: serde_json::Value,
}

/// Depth limit when walking group hierarchies (authentik's `GROUP_RECURSION_LIMIT`).
pub const GROUP_RECURSION_LIMIT: usize = 20;

/// `num_pk`: the first five decimal digits of the UUID's integer value (LDAP gidNumber).
pub fn num_pk(id: &Uuid) -> i64 {
    let digits = id.as_u128().to_string();
    digits
        .chars()
        .take(5)
        .collect::<String>()
        .parse()
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn num_pk_matches_authentik_golden() {
        // From the golden `core-users-list.json` recorded on authentik 2024.10.5.
        let id = Uuid::parse_str("73574a21-9740-45d3-8abc-992287cba2ed").unwrap();
        assert_eq!(num_pk(&id), 15331);
    }
}

/// The recursive group set of a user: the direct groups plus every descendant of them
/// (membership propagates downwards), at most [`GROUP_RECURSION_LIMIT`] levels deep.
pub fn recursive_groups(direct: &[Uuid], all: &[Group]) -> Vec<Uuid> {
    let mut result: Vec<Uuid> = direct.to_vec();
    let mut frontier: Vec<Uuid> = direct.to_vec();
    for _ in 0..GROUP_RECURSION_LIMIT {
        let children: Vec<Uuid> = all
            .iter()
            .filter(|g| g.parent.is_some_and(|p| frontier.contains(&p)) && !result.contains(&g.pk))
            .map(|g| g.pk)
            .collect();
        if children.is_empty() {
            break;
        }
        result.extend(&children);
        frontier = children;
    }
    result
}

/// Whether any group in the recursive set grants superuser.
pub fn is_superuser(direct: &[Uuid], all: &[Group]) -> bool {
    let set = recursive_groups(direct, all);
    all.iter().any(|g| g.is_superuser && set.contains(&g.pk))
}

#[cfg(test)]
mod recursion_tests {
    use super::*;

    fn g(name: &str, parent: Option<Uuid>, su: bool) -> Group {
        Group {
            pk: Uuid::new_v4(),
            name: name.into(),
            is_superuser: su,
            parent,
            attributes: serde_json::json!({}),
        }
    }

    #[test]
    fn membership_propagates_to_children_not_parents() {
        let top = g("top", None, true);
        let mid = g("mid", Some(top.pk), false);
        let leaf = g("leaf", Some(mid.pk), true);
        let all = vec![top.clone(), mid.clone(), leaf.clone()];
        // A member of `mid` counts as a member of `leaf` (a superuser group), not of `top`.
        let set = recursive_groups(&[mid.pk], &all);
        assert!(set.contains(&leaf.pk) && !set.contains(&top.pk));
        assert!(is_superuser(&[mid.pk], &all));
        let plain = vec![
            top.clone(),
            Group {
                is_superuser: false,
                ..leaf.clone()
            },
            mid.clone(),
        ];
        assert!(!is_superuser(&[mid.pk], &plain));
    }

    #[test]
    fn cycles_terminate() {
        let mut a = g("a", None, false);
        let b = g("b", Some(a.pk), false);
        a.parent = Some(b.pk);
        let set = recursive_groups(&[a.pk], &[a.clone(), b.clone()]);
        assert_eq!(set.len(), 2);
    }
}
