//! Comparing desired attrs with an object's current fields.

use serde_json::{Map, Value};

use crate::report::FieldChange;

/// The fields of `desired` whose value differs from `current` (fields missing from `current`
/// count as changed, with an unknown old value).
pub(crate) fn changes(
    desired: &Map<String, Value>,
    current: &Map<String, Value>,
) -> Vec<FieldChange> {
    desired
        .iter()
        .filter_map(|(field, new)| match current.get(field) {
            Some(old) if same(old, new) => None,
            old => Some(FieldChange {
                field: field.clone(),
                old: old.cloned(),
                new: new.clone(),
            }),
        })
        .collect()
}

/// JSON equality where numbers compare by value (`1` equals `1.0`) and a number equals its
/// decimal text (`6` equals `"6"`: choice fields serialize integer choices as strings).
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
            n.to_string() == *s
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
