//! Parsing a YAML configuration document into a JSON object.

use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};
use serde_json::{Map, Number, Value};

use super::error::ConfigError;

/// Parses the YAML text of the file `path` into a JSON object.
///
/// An empty document yields an empty object. Only the first document of a
/// multi-document stream is used. Syntax errors carry the 1-based line and
/// column.
pub fn parse(path: &str, text: &str) -> Result<Map<String, Value>, ConfigError> {
    let docs = YamlOwned::load_from_str(text).map_err(|e| ConfigError::File {
        path: path.to_owned(),
        line: Some(e.marker().line()),
        column: Some(e.marker().col() + 1),
        message: format!("invalid YAML: {}", e.info()),
    })?;
    let Some(doc) = docs.into_iter().next() else {
        return Ok(Map::new());
    };
    match convert(doc).map_err(|m| ConfigError::file(path, m))? {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        _ => Err(ConfigError::file(
            path,
            "the top level of the document must be a mapping",
        )),
    }
}

/// Converts a YAML node into a JSON value.
fn convert(node: YamlOwned) -> Result<Value, String> {
    match node {
        YamlOwned::Value(scalar) => scalar_to_json(scalar),
        YamlOwned::Representation(text, _, _) => Ok(Value::String(text)),
        YamlOwned::Sequence(items) => items
            .into_iter()
            .map(convert)
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        YamlOwned::Mapping(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let key = key_to_string(k)?;
                let value = convert(v)?;
                map.insert(key, value);
            }
            Ok(Value::Object(map))
        }
        YamlOwned::Tagged(_, inner) => convert(*inner),
        YamlOwned::Alias(_) => Err("unresolved YAML alias".to_owned()),
        YamlOwned::BadValue => Err("invalid YAML value".to_owned()),
    }
}

/// Converts a YAML scalar into a JSON value.
fn scalar_to_json(scalar: ScalarOwned) -> Result<Value, String> {
    Ok(match scalar {
        ScalarOwned::Null => Value::Null,
        ScalarOwned::Boolean(b) => Value::Bool(b),
        ScalarOwned::Integer(i) => Value::Number(Number::from(i)),
        ScalarOwned::FloatingPoint(f) => Number::from_f64(f.into_inner())
            .map(Value::Number)
            .ok_or_else(|| "infinite or NaN numbers are not supported".to_owned())?,
        ScalarOwned::String(s) => Value::String(s),
    })
}

/// Converts a mapping key into a string; only scalar keys are accepted.
fn key_to_string(key: YamlOwned) -> Result<String, String> {
    match convert(key)? {
        Value::String(s) => Ok(s),
        Value::Null => Ok("null".to_owned()),
        v @ (Value::Bool(_) | Value::Number(_)) => Ok(v.to_string()),
        Value::Array(_) | Value::Object(_) => {
            Err("mapping keys must be scalars, not sequences or mappings".to_owned())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_mapping_with_scalars() {
        let m = parse(
            "a.yml",
            "postgresql:\n  host: db\n  port: 5433\nflag: true\nratio: 0.5\nnothing: ~\nlist: [a, b]\n",
        )
        .unwrap();
        assert_eq!(
            Value::Object(m),
            json!({"postgresql": {"host": "db", "port": 5433}, "flag": true,
                   "ratio": 0.5, "nothing": null, "list": ["a", "b"]})
        );
    }

    #[test]
    fn empty_document_is_empty_object() {
        assert!(parse("a.yml", "").unwrap().is_empty());
        assert!(parse("a.yml", "# only a comment\n").unwrap().is_empty());
    }

    #[test]
    fn anchors_and_aliases_are_resolved() {
        let m = parse("a.yml", "base: &b\n  x: 1\ncopy: *b\n").unwrap();
        assert_eq!(m["copy"], json!({"x": 1}));
    }

    #[test]
    fn syntax_error_reports_line_and_column() {
        let err = parse(
            "/etc/castellan/config.yml",
            "listen:\n  http: \"0.0.0.0:9000\n",
        )
        .unwrap_err();
        let ConfigError::File {
            path, line, column, ..
        } = &err
        else {
            panic!("expected a file error, got {err:?}");
        };
        assert_eq!(path, "/etc/castellan/config.yml");
        assert!(line.is_some() && column.is_some());
        let text = err.to_string();
        assert!(text.contains("/etc/castellan/config.yml"), "{text}");
        assert!(text.contains("line "), "{text}");
    }

    #[test]
    fn bad_indentation_reports_exact_position() {
        let err = parse("c.yml", "a: 1\nb:\n  c: 2\n d: 3\n").unwrap_err();
        let ConfigError::File { line, column, .. } = err else {
            panic!("expected a file error");
        };
        assert_eq!(line, Some(4));
        assert_eq!(column, Some(2)); // the `d`, after one space
    }

    #[test]
    fn top_level_must_be_a_mapping() {
        let err = parse("a.yml", "- a\n- b\n").unwrap_err();
        assert!(err.to_string().contains("must be a mapping"));
    }
}
