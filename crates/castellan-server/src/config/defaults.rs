//! The embedded defaults (`default.yml`), which also define the known keys.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::error::ConfigError;
use super::tree::Tree;
use super::yaml;

/// The embedded default configuration, as YAML text.
pub const DEFAULT_YAML: &str = include_str!("default.yml");

/// Name under which the embedded defaults appear in messages.
const DEFAULT_NAME: &str = "<embedded default.yml>";

/// Parses the embedded defaults.
///
/// # Errors
/// Only if `default.yml` itself is broken (guarded by tests).
pub fn defaults() -> Result<Map<String, Value>, ConfigError> {
    yaml::parse(DEFAULT_NAME, DEFAULT_YAML)
}

/// Dotted keys of all leaves of the defaults, in file order.
#[must_use]
pub fn leaf_keys(defaults: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    collect_leaves(defaults, "", &mut out);
    out
}

/// Appends the dotted keys of all leaves below `map`.
fn collect_leaves(map: &Map<String, Value>, prefix: &str, out: &mut Vec<String>) {
    for (key, value) in map {
        let full = join(prefix, key);
        match value {
            Value::Object(inner) => collect_leaves(inner, &full, out),
            _ => out.push(full),
        }
    }
}

/// Warnings for keys of `tree` that the defaults do not know, one per
/// outermost unknown key, naming where they were set.
#[must_use]
pub fn unknown_key_warnings(defaults: &Map<String, Value>, tree: &Tree) -> Vec<String> {
    let mut unknown = Vec::new();
    collect_unknown(defaults, tree.value(), "", &mut unknown);
    unknown
        .into_iter()
        .map(|key| {
            let below = format!("{key}.");
            let sources: BTreeSet<String> = tree
                .origins()
                .filter(|(k, _)| *k == key || k.starts_with(&below))
                .map(|(_, o)| o.source.to_string())
                .collect();
            if sources.is_empty() {
                return format!("unknown configuration key `{key}` is ignored");
            }
            let sources: Vec<String> = sources.into_iter().collect();
            format!(
                "unknown configuration key `{key}` (set in {}) is ignored",
                sources.join(", ")
            )
        })
        .collect()
}

/// Appends the dotted keys present in `actual` but not in `known`.
fn collect_unknown(
    known: &Map<String, Value>,
    actual: &Map<String, Value>,
    prefix: &str,
    out: &mut Vec<String>,
) {
    for (key, value) in actual {
        let full = join(prefix, key);
        match (known.get(key), value) {
            (None, _) => out.push(full),
            (Some(Value::Object(k)), Value::Object(a)) => collect_unknown(k, a, &full, out),
            _ => {}
        }
    }
}

/// Joins a dotted prefix and a key.
fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::tree::Source;
    use serde_json::json;

    #[test]
    fn embedded_defaults_parse() {
        let d = defaults().unwrap();
        assert_eq!(d["listen"]["http"], json!("0.0.0.0:9000"));
        assert_eq!(d["postgresql"]["host"], json!(""));
        assert_eq!(d["sqlite"]["path"], json!("./data/castellan.db"));
        let keys = leaf_keys(&d);
        assert!(keys.contains(&"listen.trusted_proxy_cidrs".to_owned()));
        assert!(keys.contains(&"cookie_domain".to_owned()));
        assert!(keys.contains(&"error_reporting.sample_rate".to_owned()));
    }

    #[test]
    fn unknown_keys_are_reported_once_at_the_outermost_level() {
        let d = defaults().unwrap();
        let mut tree = Tree::default();
        tree.merge(d.clone(), &Source::Default);
        let Value::Object(file) = json!({"redis": {"host": "r", "port": 6379},
                                        "postgresql": {"read_replicas": {}}})
        else {
            panic!()
        };
        tree.merge(file, &Source::File("/etc/castellan/config.yml".into()));
        tree.overlay_env([("CASTELLAN_REDIS__DB", "1")]);
        let w = unknown_key_warnings(&d, &tree);
        assert_eq!(w.len(), 2, "{w:?}");
        let redis = w.iter().find(|m| m.contains("`redis`")).unwrap();
        assert!(redis.contains("/etc/castellan/config.yml"), "{w:?}");
        assert!(redis.contains("CASTELLAN_REDIS__DB"), "{w:?}");
        assert!(
            w.iter().any(|m| m.contains("`postgresql.read_replicas`")),
            "{w:?}"
        );
    }
}
