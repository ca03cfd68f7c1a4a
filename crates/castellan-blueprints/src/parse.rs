//! Turning blueprint YAML into a [`Blueprint`], collecting every shape error with its position.

use std::collections::BTreeMap;

use crate::error::{BlueprintError, tidy};
use crate::model::{Blueprint, Entry, Metadata, Permission, State};
use crate::node::{MapEntry, Mark, Node, NodeValue};
use crate::yaml;

/// Top-level keys of a blueprint.
const TOP_KEYS: [&str; 4] = ["version", "metadata", "context", "entries"];
/// Keys of an entry.
const ENTRY_KEYS: [&str; 7] = [
    "model",
    "state",
    "conditions",
    "identifiers",
    "attrs",
    "id",
    "permissions",
];
/// Keys of a `permissions` item.
const PERMISSION_KEYS: [&str; 3] = ["permission", "user", "role"];

/// Parses blueprint text.
///
/// Returns every problem found (YAML syntax, unknown keys and tags, wrong tag arguments, wrong
/// types, unknown states), sorted by position. Semantic checks that look across entries (ids,
/// `!KeyOf` targets, supported models, the version number) are done by
/// [`validate`](crate::validate); [`check`](crate::check) runs both at once.
pub fn parse(text: &str) -> Result<Blueprint, Vec<BlueprintError>> {
    let (blueprint, errors) = parse_lenient(text);
    match blueprint {
        Some(bp) if errors.is_empty() => Ok(bp),
        _ => Err(tidy(errors)),
    }
}

/// Parses as much as possible: the blueprint (with defaults where values were wrong) and every
/// error found. `None` only when the YAML itself is unreadable.
pub(crate) fn parse_lenient(text: &str) -> (Option<Blueprint>, Vec<BlueprintError>) {
    let mut errors = Vec::new();
    let root = match yaml::load(text, &mut errors) {
        Ok(root) => root,
        Err(e) => return (None, vec![e]),
    };
    let Some(top) = root.as_map() else {
        errors.push(BlueprintError::at(
            root.mark,
            format!("a blueprint must be a mapping, not {}", root.type_name()),
        ));
        return (None, errors);
    };
    unknown_keys(top, &TOP_KEYS, "blueprint", &mut errors);
    let (version, version_mark) = version(&root, &mut errors);
    let metadata = find(top, "metadata").and_then(|n| metadata(n, &mut errors));
    let context = find(top, "context").map_or_else(BTreeMap::new, |n| context(n, &mut errors));
    let entries = match find(top, "entries") {
        None => {
            errors.push(BlueprintError::at(root.mark, "`entries` is missing"));
            Vec::new()
        }
        Some(Node {
            value: NodeValue::Seq(items),
            ..
        }) => items.iter().filter_map(|n| entry(n, &mut errors)).collect(),
        Some(other) => {
            errors.push(BlueprintError::at(
                other.mark,
                format!("`entries` must be a list, not {}", other.type_name()),
            ));
            Vec::new()
        }
    };
    let bp = Blueprint {
        version,
        version_mark,
        metadata,
        context,
        entries,
    };
    (Some(bp), errors)
}

/// The value under `key` of a mapping.
fn find<'a>(map: &'a [MapEntry], key: &str) -> Option<&'a Node> {
    map.iter().find(|e| e.key == key).map(|e| &e.value)
}

/// Reports keys of `map` that are not in `allowed`.
fn unknown_keys(map: &[MapEntry], allowed: &[&str], what: &str, errors: &mut Vec<BlueprintError>) {
    for e in map {
        if !allowed.contains(&e.key.as_str()) {
            errors.push(BlueprintError::at(
                e.key_mark,
                format!(
                    "unknown key `{}` in {what}; expected one of {}",
                    e.key,
                    allowed.join(", ")
                ),
            ));
        }
    }
}

/// `version:` (a missing or non-integer version is reported and read as 1).
fn version(root: &Node, errors: &mut Vec<BlueprintError>) -> (i64, Mark) {
    match root.get("version") {
        None => {
            errors.push(BlueprintError::at(
                root.mark,
                "`version` is missing; add `version: 1`",
            ));
            (1, root.mark)
        }
        Some(Node {
            value: NodeValue::Int(v),
            mark,
        }) => (*v, *mark),
        Some(other) => {
            errors.push(BlueprintError::at(
                other.mark,
                format!("`version` must be an integer, not {}", other.type_name()),
            ));
            (1, other.mark)
        }
    }
}

/// `metadata:`.
fn metadata(node: &Node, errors: &mut Vec<BlueprintError>) -> Option<Metadata> {
    let map = match &node.value {
        NodeValue::Null => return None,
        NodeValue::Map(m) => m,
        _ => {
            errors.push(BlueprintError::at(
                node.mark,
                format!("`metadata` must be a mapping, not {}", node.type_name()),
            ));
            return None;
        }
    };
    unknown_keys(map, &["name", "labels"], "metadata", errors);
    let name = match find(map, "name") {
        Some(Node {
            value: NodeValue::Str(s),
            ..
        }) => s.clone(),
        Some(other) => {
            errors.push(BlueprintError::at(
                other.mark,
                format!(
                    "`metadata.name` must be a string, not {}",
                    other.type_name()
                ),
            ));
            String::new()
        }
        None => {
            errors.push(BlueprintError::at(node.mark, "`metadata.name` is missing"));
            String::new()
        }
    };
    let mut labels = BTreeMap::new();
    match find(map, "labels").map(|n| (&n.value, n.mark)) {
        None | Some((NodeValue::Null, _)) => {}
        Some((NodeValue::Map(items), _)) => {
            for item in items {
                match item.value.as_str() {
                    Some(v) => {
                        labels.insert(item.key.clone(), v.to_owned());
                    }
                    None => errors.push(BlueprintError::at(
                        item.value.mark,
                        format!(
                            "label `{}` must be a string (quote it), not {}",
                            item.key,
                            item.value.type_name()
                        ),
                    )),
                }
            }
        }
        Some((_, mark)) => errors.push(BlueprintError::at(
            mark,
            "`metadata.labels` must be a mapping",
        )),
    }
    Some(Metadata { name, labels })
}

/// `context:`.
fn context(node: &Node, errors: &mut Vec<BlueprintError>) -> BTreeMap<String, Node> {
    match &node.value {
        NodeValue::Null => BTreeMap::new(),
        NodeValue::Map(m) => m.iter().map(|e| (e.key.clone(), e.value.clone())).collect(),
        _ => {
            errors.push(BlueprintError::at(
                node.mark,
                format!("`context` must be a mapping, not {}", node.type_name()),
            ));
            BTreeMap::new()
        }
    }
}

/// One item of `entries:`.
fn entry(node: &Node, errors: &mut Vec<BlueprintError>) -> Option<Entry> {
    let Some(map) = node.as_map() else {
        errors.push(BlueprintError::at(
            node.mark,
            format!("an entry must be a mapping, not {}", node.type_name()),
        ));
        return None;
    };
    unknown_keys(map, &ENTRY_KEYS, "entry", errors);
    let (model, model_mark) = match find(map, "model") {
        None => {
            errors.push(BlueprintError::at(node.mark, "entry has no `model`"));
            (String::new(), node.mark)
        }
        Some(Node {
            value: NodeValue::Str(s),
            mark,
        }) => (s.clone(), *mark),
        Some(other) => {
            errors.push(BlueprintError::at(
                other.mark,
                format!(
                    "`model` must be a string such as `authentik_flows.flow`, not {}",
                    other.type_name()
                ),
            ));
            (String::new(), other.mark)
        }
    };
    let state = find(map, "state").map_or(State::Present, |n| state(n, errors));
    let conditions = match find(map, "conditions") {
        None => Vec::new(),
        Some(n) => match &n.value {
            NodeValue::Null => Vec::new(),
            NodeValue::Seq(items) => items.clone(),
            _ => {
                errors.push(BlueprintError::at(
                    n.mark,
                    format!("`conditions` must be a list, not {}", n.type_name()),
                ));
                Vec::new()
            }
        },
    };
    let identifiers = mapping(map, "identifiers", node.mark, errors);
    let attrs = mapping(map, "attrs", node.mark, errors);
    let (id, id_mark) = match find(map, "id") {
        None
        | Some(Node {
            value: NodeValue::Null,
            ..
        }) => (None, node.mark),
        Some(Node {
            value: NodeValue::Str(s),
            mark,
        }) => (Some(s.clone()), *mark),
        Some(other) => {
            errors.push(BlueprintError::at(
                other.mark,
                format!("`id` must be a string, not {}", other.type_name()),
            ));
            (None, other.mark)
        }
    };
    let permissions = find(map, "permissions").map_or_else(Vec::new, |n| permissions(n, errors));
    Some(Entry {
        model,
        state,
        conditions,
        identifiers,
        attrs,
        id,
        permissions,
        mark: node.mark,
        model_mark,
        id_mark,
    })
}

/// `state:` of an entry.
fn state(node: &Node, errors: &mut Vec<BlueprintError>) -> State {
    let expected: Vec<&str> = State::ALL.iter().map(|s| s.as_str()).collect();
    match node.as_str() {
        Some(s) => State::from_name(s).unwrap_or_else(|| {
            errors.push(BlueprintError::at(
                node.mark,
                format!(
                    "unknown state `{s}`; expected one of {}",
                    expected.join(", ")
                ),
            ));
            State::Present
        }),
        None => {
            errors.push(BlueprintError::at(
                node.mark,
                format!(
                    "`state` must be one of {}, not {}",
                    expected.join(", "),
                    node.type_name()
                ),
            ));
            State::Present
        }
    }
}

/// `identifiers:` or `attrs:` — a mapping; missing or null is an empty mapping.
fn mapping(
    map: &[MapEntry],
    key: &str,
    entry_mark: Mark,
    errors: &mut Vec<BlueprintError>,
) -> Node {
    match find(map, key) {
        None => Node::empty_map(entry_mark),
        Some(n) => match &n.value {
            NodeValue::Map(_) => n.clone(),
            NodeValue::Null => Node::empty_map(n.mark),
            _ => {
                errors.push(BlueprintError::at(
                    n.mark,
                    format!("`{key}` must be a mapping, not {}", n.type_name()),
                ));
                Node::empty_map(n.mark)
            }
        },
    }
}

/// `permissions:` of an entry.
fn permissions(node: &Node, errors: &mut Vec<BlueprintError>) -> Vec<Permission> {
    let items = match &node.value {
        NodeValue::Null => return Vec::new(),
        NodeValue::Seq(items) => items,
        _ => {
            errors.push(BlueprintError::at(
                node.mark,
                "`permissions` must be a list",
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for item in items {
        let Some(map) = item.as_map() else {
            errors.push(BlueprintError::at(
                item.mark,
                "each permission must be a mapping with `permission` and `user` or `role`",
            ));
            continue;
        };
        unknown_keys(map, &PERMISSION_KEYS, "permission", errors);
        let Some(permission) = find(map, "permission") else {
            errors.push(BlueprintError::at(
                item.mark,
                "permission has no `permission`",
            ));
            continue;
        };
        let user = find(map, "user")
            .filter(|n| n.value != NodeValue::Null)
            .cloned();
        let role = find(map, "role")
            .filter(|n| n.value != NodeValue::Null)
            .cloned();
        if user.is_none() && role.is_none() {
            errors.push(BlueprintError::at(
                item.mark,
                "permission needs a `user` or a `role`",
            ));
        }
        out.push(Permission {
            permission: permission.clone(),
            user,
            role,
            mark: item.mark,
        });
    }
    out
}
