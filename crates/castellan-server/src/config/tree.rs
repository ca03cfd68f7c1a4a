//! The merged configuration tree and the origin of each of its leaves.
//!
//! Layers are merged in order, later wins: embedded defaults, YAML files,
//! `CASTELLAN_*` environment variables. Objects merge key by key; any other
//! value (string, number, list, null) replaces what was there.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde_json::{Map, Value};

use super::error::ENV_PREFIX;

/// The layer a configuration value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The embedded `default.yml`.
    Default,
    /// A YAML configuration file.
    File(PathBuf),
    /// A `CASTELLAN_*` environment variable (its name).
    Env(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Env(name) => f.write_str(name),
        }
    }
}

/// Where the effective value of a leaf comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The layer that set the value.
    pub source: Source,
    /// The `env://NAME` or `file:///path` reference the value was resolved
    /// through, without its default part.
    pub via: Option<String>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.via {
            Some(via) => write!(f, "{} via {via}", self.source),
            None => write!(f, "{}", self.source),
        }
    }
}

/// The merged, resolved configuration tree with the origin of every leaf.
///
/// Its `Debug` output lists keys and origins only, never values.
#[derive(Clone, Default)]
pub struct Tree {
    value: Map<String, Value>,
    origins: BTreeMap<String, Origin>,
    /// Non-fatal problems, such as unknown keys that are ignored.
    pub warnings: Vec<String>,
}

impl fmt::Debug for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tree")
            .field("origins", &self.origins)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl Tree {
    /// The whole tree as a JSON object (secrets included, resolved).
    #[must_use]
    pub fn value(&self) -> &Map<String, Value> {
        &self.value
    }

    /// The value at a dotted key such as `postgresql.host`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        let mut parts = key.split('.');
        let mut current = self.value.get(parts.next()?)?;
        for part in parts {
            current = current.as_object()?.get(part)?;
        }
        Some(current)
    }

    /// The origin of the leaf at a dotted key.
    #[must_use]
    pub fn origin(&self, key: &str) -> Option<&Origin> {
        self.origins.get(key)
    }

    /// All leaves' dotted keys with their origins, sorted by key.
    pub fn origins(&self) -> impl Iterator<Item = (&str, &Origin)> {
        self.origins.iter().map(|(k, o)| (k.as_str(), o))
    }

    /// Merges an object layer into the tree; its leaves take `source`.
    pub fn merge(&mut self, layer: Map<String, Value>, source: &Source) {
        merge_object(&mut self.value, layer, "", source, &mut self.origins);
    }

    /// Overlays `CASTELLAN_*` variables from `env`: `CASTELLAN_A__B=v` sets
    /// `a.b` to the string `v`. `CASTELLAN_CONFIG_FILE` and `CASTELLAN_TEST_*`
    /// are ignored.
    pub fn overlay_env<'a>(&mut self, env: impl IntoIterator<Item = (&'a str, &'a str)>) {
        let mut vars: Vec<(&str, &str)> = env.into_iter().collect();
        vars.sort_unstable();
        for (name, value) in vars {
            let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            if rest == "CONFIG_FILE" || rest.starts_with("TEST_") {
                continue;
            }
            let path: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
            if path.iter().any(String::is_empty) {
                self.warnings.push(format!(
                    "environment variable {name} is ignored: empty key segment"
                ));
                continue;
            }
            self.set_path(
                &path,
                Value::String(value.to_owned()),
                Source::Env(name.to_owned()),
            );
        }
    }

    /// Replaces the value at a dotted key that is already a leaf, recording
    /// the reference it was resolved through.
    pub(crate) fn replace_leaf(&mut self, key: &str, value: Value, via: Option<String>) {
        let mut parts = key.split('.').peekable();
        let mut current = &mut self.value;
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                current.insert(part.to_owned(), value);
                break;
            }
            match current.get_mut(part) {
                Some(Value::Object(next)) => current = next,
                _ => return,
            }
        }
        if let Some(origin) = self.origins.get_mut(key) {
            origin.via = via;
        }
    }

    /// Sets a single leaf, creating (or replacing non-object) parents.
    fn set_path(&mut self, path: &[String], value: Value, source: Source) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut current = &mut self.value;
        let mut prefix = String::new();
        for part in parents {
            push_key(&mut prefix, part);
            let slot = current
                .entry(part.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                self.origins.remove(&prefix);
                *slot = Value::Object(Map::new());
            }
            let Value::Object(next) = slot else {
                return;
            };
            current = next;
        }
        push_key(&mut prefix, last);
        remove_under(&mut self.origins, &prefix);
        current.insert(last.clone(), value);
        self.origins.insert(prefix, Origin { source, via: None });
    }
}

/// Appends `part` to a dotted key.
fn push_key(prefix: &mut String, part: &str) {
    if !prefix.is_empty() {
        prefix.push('.');
    }
    prefix.push_str(part);
}

/// Removes the origins of `key` and of everything below it.
fn remove_under(origins: &mut BTreeMap<String, Origin>, key: &str) {
    let below = format!("{key}.");
    origins.retain(|k, _| k != key && !k.starts_with(&below));
}

/// Recursively merges `layer` into `target`.
fn merge_object(
    target: &mut Map<String, Value>,
    layer: Map<String, Value>,
    prefix: &str,
    source: &Source,
    origins: &mut BTreeMap<String, Origin>,
) {
    for (key, value) in layer {
        let mut full = prefix.to_owned();
        push_key(&mut full, &key);
        match (target.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                merge_object(existing, incoming, &full, source, origins);
            }
            (_, Value::Object(incoming)) => {
                remove_under(origins, &full);
                let mut fresh = Map::new();
                merge_object(&mut fresh, incoming, &full, source, origins);
                target.insert(key, Value::Object(fresh));
            }
            (_, leaf) => {
                remove_under(origins, &full);
                target.insert(key, leaf);
                origins.insert(
                    full,
                    Origin {
                        source: source.clone(),
                        via: None,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn later_layers_win_and_objects_merge() {
        let mut t = Tree::default();
        t.merge(
            obj(json!({"a": {"x": 1, "y": 2}, "b": "d"})),
            &Source::Default,
        );
        t.merge(obj(json!({"a": {"y": 3}})), &Source::File("/f.yml".into()));
        assert_eq!(t.get("a.x"), Some(&json!(1)));
        assert_eq!(t.get("a.y"), Some(&json!(3)));
        assert_eq!(t.origin("a.x").unwrap().source, Source::Default);
        assert_eq!(
            t.origin("a.y").unwrap().source,
            Source::File("/f.yml".into())
        );
    }

    #[test]
    fn lists_are_replaced_not_merged() {
        let mut t = Tree::default();
        t.merge(obj(json!({"l": ["a", "b"]})), &Source::Default);
        t.merge(obj(json!({"l": ["c"]})), &Source::File("/f".into()));
        assert_eq!(t.get("l"), Some(&json!(["c"])));
    }

    #[test]
    fn env_double_underscore_nests_and_lowercases() {
        let mut t = Tree::default();
        t.merge(
            obj(json!({"postgresql": {"host": "", "port": 5432}})),
            &Source::Default,
        );
        t.overlay_env([
            ("CASTELLAN_POSTGRESQL__HOST", "db"),
            ("CASTELLAN_SECRET_KEY", "s3cret"),
            ("CASTELLAN_LISTEN__HTTP", "127.0.0.1:1"),
            ("OTHER", "x"),
        ]);
        assert_eq!(t.get("postgresql.host"), Some(&json!("db")));
        assert_eq!(t.get("postgresql.port"), Some(&json!(5432)));
        assert_eq!(t.get("secret_key"), Some(&json!("s3cret")));
        assert_eq!(t.get("listen.http"), Some(&json!("127.0.0.1:1")));
        assert_eq!(t.get("other"), None);
        assert_eq!(
            t.origin("postgresql.host").unwrap().source,
            Source::Env("CASTELLAN_POSTGRESQL__HOST".into())
        );
    }

    #[test]
    fn config_file_and_test_vars_are_ignored() {
        let mut t = Tree::default();
        t.overlay_env([
            ("CASTELLAN_CONFIG_FILE", "/x.yml"),
            ("CASTELLAN_TEST_DATABASE", "x"),
        ]);
        assert!(t.value().is_empty());
        assert!(t.warnings.is_empty());
    }

    #[test]
    fn empty_segment_is_a_warning() {
        let mut t = Tree::default();
        t.overlay_env([("CASTELLAN_A____B", "x")]);
        assert!(t.value().is_empty());
        assert_eq!(t.warnings.len(), 1);
    }

    #[test]
    fn env_replaces_a_scalar_parent_and_subtree() {
        let mut t = Tree::default();
        t.merge(obj(json!({"a": "scalar", "b": {"c": 1}})), &Source::Default);
        t.overlay_env([("CASTELLAN_A__X", "1"), ("CASTELLAN_B", "flat")]);
        assert_eq!(t.get("a.x"), Some(&json!("1")));
        assert!(t.origin("a").is_none());
        assert_eq!(t.get("b"), Some(&json!("flat")));
        assert!(t.origin("b.c").is_none());
    }

    #[test]
    fn debug_does_not_show_values() {
        let mut t = Tree::default();
        t.merge(obj(json!({"secret_key": "hunter2"})), &Source::Default);
        assert!(!format!("{t:?}").contains("hunter2"));
    }

    #[test]
    fn origin_display() {
        let o = Origin {
            source: Source::Env("CASTELLAN_X".into()),
            via: Some("env://PW".into()),
        };
        assert_eq!(o.to_string(), "CASTELLAN_X via env://PW");
        assert_eq!(Source::Default.to_string(), "default");
    }
}
