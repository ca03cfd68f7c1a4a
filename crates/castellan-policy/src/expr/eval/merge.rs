//! `deepmerge.always_merger` (what authentik's `group_attributes()` uses): dicts merge
//! recursively, lists are appended, anything else is overridden.
use serde_json::{Map, Value};

/// Merges `source` into `target`.
pub(crate) fn merge(target: &mut Map<String, Value>, source: &Map<String, Value>) {
    for (key, value) in source {
        match (target.get_mut(key), value) {
            (Some(Value::Object(t)), Value::Object(s)) => merge(t, s),
            (Some(Value::Array(t)), Value::Array(s)) => t.extend(s.iter().cloned()),
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// `user.group_attributes(request)`: brand attributes (when `brand` is given), then each of
/// the user's groups ordered by name, then the user's own attributes; later wins.
pub(crate) fn group_attributes(user: &Value, brand: Option<&Value>) -> Value {
    let mut out = Map::new();
    if let Some(Value::Object(attrs)) = brand.and_then(|b| b.get("attributes")) {
        merge(&mut out, attrs);
    }
    let mut groups: Vec<&Value> = user
        .get("groups")
        .and_then(Value::as_array)
        .map(|g| g.iter().collect())
        .unwrap_or_default();
    groups.sort_by(|a, b| {
        let name = |g: &Value| {
            g.get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        name(a).cmp(&name(b))
    });
    for group in groups {
        if let Some(Value::Object(attrs)) = group.get("attributes") {
            merge(&mut out, attrs);
        }
    }
    if let Some(Value::Object(attrs)) = user.get("attributes") {
        merge(&mut out, attrs);
    }
    Value::Object(out)
}
