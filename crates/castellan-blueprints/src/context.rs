//! Building the context `!Context` reads: defaults, then the blueprint's `context`, then the
//! instance context, deep-merged like authentik's `always_merger`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::node::{Mark, Node, NodeValue};

/// Merges `defaults` ← `blueprint` ← `instance` (later wins; mappings merge recursively and
/// sequences are appended, as deepmerge's `always_merger` does).
pub(crate) fn merged(
    defaults: &Map<String, Value>,
    blueprint: &BTreeMap<String, Node>,
    instance: &Map<String, Value>,
) -> BTreeMap<String, Node> {
    let mut out: BTreeMap<String, Node> = defaults
        .iter()
        .map(|(k, v)| (k.clone(), Node::from_json(v, Mark::default())))
        .collect();
    let layers = blueprint.iter().map(|(k, v)| (k.clone(), v.clone())).chain(
        instance
            .iter()
            .map(|(k, v)| (k.clone(), Node::from_json(v, Mark::default()))),
    );
    for (key, value) in layers {
        match out.get_mut(&key) {
            Some(base) => merge_node(base, value),
            None => {
                out.insert(key, value);
            }
        }
    }
    out
}

/// Merges `add` into `base`.
fn merge_node(base: &mut Node, add: Node) {
    match (&mut base.value, add.value) {
        (NodeValue::Map(b), NodeValue::Map(a)) => {
            for entry in a {
                match b.iter_mut().find(|e| e.key == entry.key) {
                    Some(existing) => merge_node(&mut existing.value, entry.value),
                    None => b.push(entry),
                }
            }
        }
        (NodeValue::Seq(b), NodeValue::Seq(a)) => b.extend(a),
        (_, value) => *base = Node::new(value, add.mark),
    }
}
