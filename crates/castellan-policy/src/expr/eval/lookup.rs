//! Django-style field lookups (`name="x"`, `name__startswith="x"`, `attributes__k__in=[…]`)
//! evaluated against tagged JSON objects (groups, for `ak_is_group_member` and
//! `user.ak_groups.filter(…)`).
use serde_json::{Map, Value};

const OPERATORS: &[&str] = &[
    "exact",
    "iexact",
    "contains",
    "icontains",
    "in",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "isnull",
    "gt",
    "gte",
    "lt",
    "lte",
    "regex",
    "iregex",
];

/// True when `object` satisfies every filter.
pub(crate) fn matches(object: &Value, filters: &Map<String, Value>) -> bool {
    filters
        .iter()
        .all(|(key, expected)| matches_one(object, key, expected))
}

fn matches_one(object: &Value, key: &str, expected: &Value) -> bool {
    let mut parts: Vec<&str> = key.split("__").collect();
    let op = match parts.last() {
        Some(last) if parts.len() > 1 && OPERATORS.contains(last) => {
            let op = *last;
            parts.pop();
            op
        }
        _ => "exact",
    };
    let mut value = Some(object);
    for part in parts {
        value = value.and_then(|v| {
            v.get(part)
                .or_else(|| (part == "id").then(|| v.get("pk")).flatten())
        });
    }
    let Some(actual) = value else {
        return op == "isnull" && expected.as_bool() == Some(true);
    };
    compare(actual, op, expected)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        // uuids and numeric pks arrive as strings or numbers depending on the caller
        (Value::String(_), Value::Number(_)) | (Value::Number(_), Value::String(_)) => {
            text(a) == text(b)
        }
        _ => a == b,
    }
}

fn compare(actual: &Value, op: &str, expected: &Value) -> bool {
    let lower = |v: &Value| text(v).map(|s| s.to_lowercase());
    match op {
        "exact" => equal(actual, expected),
        "iexact" => lower(actual).is_some() && lower(actual) == lower(expected),
        "contains" => match actual {
            Value::Array(items) => items.iter().any(|i| equal(i, expected)),
            _ => matches!((text(actual), text(expected)), (Some(a), Some(e)) if a.contains(&e)),
        },
        "icontains" => {
            matches!((lower(actual), lower(expected)), (Some(a), Some(e)) if a.contains(&e))
        }
        "in" => expected
            .as_array()
            .is_some_and(|items| items.iter().any(|i| equal(actual, i))),
        "startswith" => {
            matches!((text(actual), text(expected)), (Some(a), Some(e)) if a.starts_with(&e))
        }
        "istartswith" => {
            matches!((lower(actual), lower(expected)), (Some(a), Some(e)) if a.starts_with(&e))
        }
        "endswith" => {
            matches!((text(actual), text(expected)), (Some(a), Some(e)) if a.ends_with(&e))
        }
        "iendswith" => {
            matches!((lower(actual), lower(expected)), (Some(a), Some(e)) if a.ends_with(&e))
        }
        "isnull" => actual.is_null() == expected.as_bool().unwrap_or(false),
        "gt" | "gte" | "lt" | "lte" => ordered(actual, expected).is_some_and(|ord| match op {
            "gt" => ord.is_gt(),
            "gte" => ord.is_ge(),
            "lt" => ord.is_lt(),
            _ => ord.is_le(),
        }),
        _ => false,
    }
}

fn ordered(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Sorts objects by Django `order_by` fields (`"name"`, `"-name"`).
pub(crate) fn order_by(objects: &mut [Value], fields: &[String]) {
    objects.sort_by(|a, b| {
        for field in fields {
            let (name, descending) = match field.strip_prefix('-') {
                Some(name) => (name, true),
                None => (field.as_str(), false),
            };
            let ord = match (a.get(name), b.get(name)) {
                (Some(x), Some(y)) => ordered(x, y).unwrap_or(std::cmp::Ordering::Equal),
                _ => std::cmp::Ordering::Equal,
            };
            let ord = if descending { ord.reverse() } else { ord };
            if ord.is_ne() {
                return ord;
            }
        }
        std::cmp::Ordering::Equal
    });
}
