//! A small block-style YAML writer for JSON values (used to serve the OpenAPI document as YAML,
//! as authentik does by default). Scalars are written as JSON scalars, which YAML 1.2 reads
//! unchanged, so no string can be misread as another type.
use serde_json::Value;

/// Renders `value` as a YAML document.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0, false);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn scalar(v: &Value) -> String {
    v.to_string()
}

fn key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '{' | '}'))
        && !k.starts_with(['-', '{', '/'])
        && !matches!(
            k,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
        && k.parse::<f64>().is_err();
    if plain {
        k.to_string()
    } else {
        Value::String(k.to_string()).to_string()
    }
}

fn write_value(out: &mut String, value: &Value, indent: usize, inline_first: bool) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (i, (k, v)) in map.iter().enumerate() {
                if !(inline_first && i == 0) {
                    out.push_str(&pad);
                }
                out.push_str(&key(k));
                out.push(':');
                write_child(out, v, indent);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                if !(inline_first && i == 0) {
                    out.push_str(&pad);
                }
                out.push_str("- ");
                match item {
                    Value::Object(m) if !m.is_empty() => write_value(out, item, indent + 2, true),
                    Value::Array(a) if !a.is_empty() => write_value(out, item, indent + 2, true),
                    other => {
                        out.push_str(&inline(other));
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => scalar(other),
    }
}

fn write_child(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_value(out, v, indent + 2, false);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_value(out, v, indent + 2, false);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use saphyr::{LoadableYamlNode, Yaml};
    use serde_json::json;

    #[test]
    fn writes_nested_documents_that_parse_back() {
        let v = json!({"openapi": "3.0.3", "paths": {"/core/users/": {"get": {"tags": ["core"], "x": [{"a": 1, "b": [true, null]}, "no"]}}}, "e": {}, "f": [], "weird key": "yes"});
        let text = to_yaml(&v);
        let docs = Yaml::load_from_str(&text).unwrap();
        let doc = &docs[0];
        assert_eq!(doc["openapi"].as_str(), Some("3.0.3"));
        assert_eq!(
            doc["paths"]["/core/users/"]["get"]["tags"][0].as_str(),
            Some("core")
        );
        assert_eq!(
            doc["paths"]["/core/users/"]["get"]["x"][0]["a"].as_integer(),
            Some(1)
        );
        assert_eq!(
            doc["paths"]["/core/users/"]["get"]["x"][1].as_str(),
            Some("no")
        );
        assert_eq!(doc["weird key"].as_str(), Some("yes"));
    }
}
