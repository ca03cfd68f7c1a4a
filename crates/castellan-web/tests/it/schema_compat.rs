//! Compares every operation Castellan documents with authentik 2024.10's `schema.yml`: path,
//! method, operationId, response status and the response schema's field names, types,
//! nullability, enum values and required list. Each difference must be listed, with its reason,
//! under "## OpenAPI differences" in `docs/compatibility.md`; fixed ones disappear from the list.
use std::collections::BTreeSet;

use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};
use serde_json::{Map, Value};

fn to_json(node: YamlOwned) -> Value {
    match node {
        YamlOwned::Value(s) => match s {
            ScalarOwned::Null => Value::Null,
            ScalarOwned::Boolean(b) => Value::Bool(b),
            ScalarOwned::Integer(i) => Value::from(i),
            ScalarOwned::FloatingPoint(f) => serde_json::Number::from_f64(f.into_inner())
                .map(Value::Number)
                .unwrap_or(Value::Null),
            ScalarOwned::String(s) => Value::String(s),
        },
        YamlOwned::Representation(s, _, _) => Value::String(s),
        YamlOwned::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        YamlOwned::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match to_json(k) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, to_json(v));
            }
            Value::Object(out)
        }
        YamlOwned::Tagged(_, inner) => to_json(*inner),
        YamlOwned::Alias(_) | YamlOwned::BadValue => Value::Null,
    }
}

fn authentik_schema() -> Value {
    let path = format!(
        "{}/../../../shared/reference/authentik-2024.10/schema.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let docs = YamlOwned::load_from_str(&text).expect("schema.yml parses");
    to_json(docs.into_iter().next().expect("one document"))
}

/// A schema reduced to what the contract fixes.
fn describe(schema: &Value, root: &Value, depth: usize) -> String {
    let resolve = |r: &str| {
        root.pointer(&r.replace("#/", "/"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = resolve(r);
        if let Some(values) = target.get("enum") {
            return format!("enum{}", values);
        }
        return if depth == 0 {
            format!("ref:{}", r.rsplit('/').next().unwrap_or_default())
        } else {
            describe(&target, root, depth)
        };
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(items)) = schema.get(key) {
            let non_null: Vec<&Value> = items
                .iter()
                .filter(|i| i.get("type") != Some(&Value::from("null")))
                .collect();
            if let [one] = non_null.as_slice() {
                let nullable =
                    items.len() > 1 || schema.get("nullable") == Some(&Value::Bool(true));
                return format!(
                    "{}{}",
                    describe(one, root, depth),
                    if nullable { "?" } else { "" }
                );
            }
        }
    }
    let mut nullable = schema.get("nullable") == Some(&Value::Bool(true));
    let kind = match schema.get("type") {
        Some(Value::Array(types)) => {
            nullable |= types.contains(&Value::from("null"));
            types
                .iter()
                .filter(|t| *t != "null")
                .filter_map(Value::as_str)
                .next()
                .unwrap_or("any")
                .to_string()
        }
        Some(Value::String(t)) => t.clone(),
        _ => "any".into(),
    };
    let mut out = match kind.as_str() {
        "array" => format!(
            "array<{}>",
            schema
                .get("items")
                .map(|i| describe(i, root, depth))
                .unwrap_or_default()
        ),
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some(f @ ("uuid" | "date-time")) => format!("string:{f}"),
            _ => "string".into(),
        },
        "number" | "integer" => "number".into(),
        "object" if schema.get("properties").is_some() && depth > 0 => "object{…}".into(),
        "object" => "object".into(),
        other => other.into(),
    };
    if let Some(values) = schema.get("enum") {
        out = format!("enum{values}");
    }
    if nullable {
        out.push('?');
    }
    out
}

fn object_of<'a>(schema: &'a Value, root: &'a Value) -> Option<&'a Value> {
    let r = schema.get("$ref")?.as_str()?;
    root.pointer(&r.replace("#/", "/"))
}

fn compare_schema(
    prefix: &str,
    ours: &Value,
    theirs: &Value,
    our_root: &Value,
    their_root: &Value,
    diffs: &mut Vec<String>,
) {
    let (Some(o), Some(t)) = (object_of(ours, our_root), object_of(theirs, their_root)) else {
        return;
    };
    let props = |s: &Value| {
        s.get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (op, tp) = (props(o), props(t));
    for (name, tschema) in &tp {
        match op.get(name) {
            None => diffs.push(format!("{prefix}: missing field `{name}`")),
            Some(oschema) => {
                let (a, b) = (
                    describe(oschema, our_root, 1),
                    describe(tschema, their_root, 1),
                );
                if a != b {
                    diffs.push(format!(
                        "{prefix}: field `{name}` is `{a}`, authentik `{b}`"
                    ));
                }
            }
        }
    }
    for name in op.keys() {
        if !tp.contains_key(name) {
            diffs.push(format!("{prefix}: extra field `{name}`"));
        }
    }
    let req = |s: &Value| -> BTreeSet<String> {
        s.get("required")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    if req(o) != req(t) {
        diffs.push(format!(
            "{prefix}: required {:?}, authentik {:?}",
            req(o),
            req(t)
        ));
    }
}

#[test]
fn documented_operations_match_authentik() {
    let theirs = authentik_schema();
    let ours = castellan_web::openapi::document();
    let mut diffs = Vec::new();
    for (method, path, op_id, _, _, status) in castellan_web::openapi::operations() {
        let prefix = format!("{} {}", method.to_uppercase(), path);
        let Some(their_op) = theirs.pointer(&format!(
            "/paths/{}/{}",
            path.replace('~', "~0").replace('/', "~1"),
            method
        )) else {
            diffs.push(format!("{prefix}: not in authentik's schema"));
            continue;
        };
        if their_op["operationId"].as_str() != Some(*op_id) {
            diffs.push(format!(
                "{prefix}: operationId `{op_id}`, authentik `{}`",
                their_op["operationId"]
            ));
        }
        let our_op = &ours["paths"][*path][*method];
        let body = |op: &Value| op["requestBody"]["content"]["application/json"]["schema"].clone();
        let (ob, tb) = (body(our_op), body(their_op));
        match (ob.is_null(), tb.is_null()) {
            (true, false) => diffs.push(format!(
                "{prefix}: request body {} not documented",
                tb["$ref"]
            )),
            (false, true) => {
                diffs.push(format!("{prefix}: request body not in authentik's schema"))
            }
            (false, false) => {
                if ob["$ref"] != tb["$ref"] {
                    diffs.push(format!(
                        "{prefix}: request body {}, authentik {}",
                        ob["$ref"], tb["$ref"]
                    ));
                }
                compare_schema(
                    &format!("{prefix} request"),
                    &ob,
                    &tb,
                    &ours,
                    &theirs,
                    &mut diffs,
                );
            }
            (true, true) => {}
        }
        let code = status.to_string();
        let Some(their_resp) = their_op["responses"].get(&code) else {
            diffs.push(format!(
                "{prefix}: status {code} not documented by authentik"
            ));
            continue;
        };
        let schema_of = |op: &Value| op["content"]["application/json"]["schema"].clone();
        let (os, ts) = (
            schema_of(&our_op["responses"][&code]),
            schema_of(their_resp),
        );
        if let (Some(a), Some(b)) = (os.get("$ref"), ts.get("$ref"))
            && a != b
        {
            diffs.push(format!("{prefix}: response schema {a}, authentik {b}"));
        }
        if let Some(items) = os.get("items") {
            compare_schema(&prefix, items, &ts["items"], &ours, &theirs, &mut diffs);
        } else {
            compare_schema(&prefix, &os, &ts, &ours, &theirs, &mut diffs);
            // Paginated lists: compare the item schema too.
            let item = |s: &Value, root: &Value| {
                object_of(s, root).map(|o| o["properties"]["results"]["items"].clone())
            };
            if let (Some(a), Some(b)) = (item(&os, &ours), item(&ts, &theirs))
                && a.get("$ref").is_some()
            {
                compare_schema(
                    &format!("{prefix} results"),
                    &a,
                    &b,
                    &ours,
                    &theirs,
                    &mut diffs,
                );
            }
        }
    }
    let doc = std::fs::read_to_string(format!(
        "{}/../../docs/compatibility.md",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("docs/compatibility.md");
    let section = doc
        .split("## OpenAPI differences")
        .nth(1)
        .unwrap_or_default();
    let unlisted: Vec<&String> = diffs
        .iter()
        .filter(|d| !section.contains(d.as_str()))
        .collect();
    assert!(
        unlisted.is_empty(),
        "{} OpenAPI differences from authentik are neither fixed nor listed in docs/compatibility.md \
         under '## OpenAPI differences' (copy each line with its reason):\n{}",
        unlisted.len(),
        unlisted
            .iter()
            .map(|d| format!("- `{d}`"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
