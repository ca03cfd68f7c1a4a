//! Compares every operation Castellan documents with authentik 2024.10's `schema.yml`: path,
//! method, operationId, required parameters, response status and the request and response
//! schemas' field names, types, nullability, enum values and required lists; then, by name, every
//! component schema those schemas refer to, and every discriminated union (`oneOf` with a
//! `discriminator`) member by member, by discriminator value. Each difference must be listed,
//! with its reason, under "## OpenAPI differences" in `docs/compatibility.md`; fixed ones
//! disappear from the list.
use std::collections::{BTreeMap, BTreeSet};

use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};
use serde_json::{Map, Value};

pub fn to_json(node: YamlOwned) -> Value {
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
    if schema.get("discriminator").is_some() {
        return "union".into();
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

/// The required parameters of an operation: (`in`, name) → type as [`describe`] gives it.
fn required_parameters(op: &Value, root: &Value) -> BTreeMap<(String, String), String> {
    op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["required"] == Value::Bool(true))
        .map(|p| {
            let key = (
                p["in"].as_str().unwrap_or_default().to_string(),
                p["name"].as_str().unwrap_or_default().to_string(),
            );
            (key, describe(&p["schema"], root, 1))
        })
        .collect()
}

fn compare_parameters(
    prefix: &str,
    ours: &Value,
    theirs: &Value,
    our_root: &Value,
    their_root: &Value,
    diffs: &mut Vec<String>,
) {
    let (o, t) = (
        required_parameters(ours, our_root),
        required_parameters(theirs, their_root),
    );
    for ((place, name), kind) in &t {
        match o.get(&(place.clone(), name.clone())) {
            None => diffs.push(format!(
                "{prefix}: required {place} parameter `{name}` not documented"
            )),
            Some(ours) if ours != kind => diffs.push(format!(
                "{prefix}: {place} parameter `{name}` is `{ours}`, authentik `{kind}`"
            )),
            Some(_) => {}
        }
    }
    for (place, name) in o.keys() {
        if !t.contains_key(&(place.clone(), name.clone())) {
            diffs.push(format!(
                "{prefix}: required {place} parameter `{name}` not in authentik's schema"
            ));
        }
    }
}

fn ref_name(schema: &Value) -> Option<String> {
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
        .map(str::to_string)
}

/// Names of the component schemas `schema` refers to directly (not following them).
fn refs_in(schema: &Value, out: &mut BTreeSet<String>) {
    match schema {
        Value::Object(m) => {
            out.extend(ref_name(schema));
            for (key, value) in m {
                if key != "discriminator" {
                    refs_in(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs_in(v, out)),
        _ => {}
    }
}

fn component<'a>(root: &'a Value, name: &str) -> Option<&'a Value> {
    root.pointer(&format!("/components/schemas/{name}"))
}

/// Discriminator value → member schema name of a discriminated union.
fn union_members(schema: &Value) -> Option<(String, BTreeMap<String, String>)> {
    schema.get("oneOf")?;
    let d = schema.get("discriminator")?;
    let members = d["mapping"]
        .as_object()?
        .iter()
        .filter_map(|(value, r)| {
            let name = r.as_str()?.strip_prefix("#/components/schemas/")?;
            Some((value.clone(), name.to_string()))
        })
        .collect();
    Some((d["propertyName"].as_str()?.to_string(), members))
}

/// A union's members by discriminator value: missing, extra and differently named ones.
fn compare_union(name: &str, ours: &Value, theirs: &Value, diffs: &mut Vec<String>) {
    let Some((our_key, o)) = union_members(ours) else {
        diffs.push(format!("{name}: not a discriminated union, authentik's is"));
        return;
    };
    let Some((their_key, t)) = union_members(theirs) else {
        diffs.push(format!("{name}: a discriminated union, authentik's is not"));
        return;
    };
    // Our own document must be consistent: every mapped member is listed in `oneOf`.
    let listed: BTreeSet<String> = ours["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(ref_name)
        .collect();
    assert_eq!(
        listed,
        o.values().cloned().collect::<BTreeSet<_>>(),
        "{name}: `oneOf` and the discriminator mapping disagree"
    );
    if our_key != their_key {
        diffs.push(format!(
            "{name}: discriminator `{our_key}`, authentik `{their_key}`"
        ));
    }
    for (value, their_member) in &t {
        match o.get(value) {
            None => diffs.push(format!("{name}: no member for `{value}` ({their_member})")),
            Some(ours) if ours != their_member => diffs.push(format!(
                "{name}: member `{value}` is {ours}, authentik {their_member}"
            )),
            Some(_) => {}
        }
    }
    for value in o.keys() {
        if !t.contains_key(value) {
            diffs.push(format!(
                "{name}: member `{value}` not in authentik's schema"
            ));
        }
    }
}

/// Compares, by name, every component schema reachable from `start` in our document: unions
/// member by member, objects field by field (those in `compared` only as unions, their fields
/// being compared per operation already).
fn compare_components(
    start: BTreeSet<String>,
    compared: &BTreeSet<String>,
    ours: &Value,
    theirs: &Value,
    diffs: &mut Vec<String>,
) {
    let mut seen = BTreeSet::new();
    let mut queue: Vec<String> = start.into_iter().collect();
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(o) = component(ours, &name) else {
            continue;
        };
        let mut next = BTreeSet::new();
        refs_in(o, &mut next);
        queue.extend(next);
        let Some(t) = component(theirs, &name) else {
            diffs.push(format!("{name}: not in authentik's schema"));
            continue;
        };
        if o.get("oneOf").is_some() || t.get("oneOf").is_some() {
            compare_union(&name, o, t, diffs);
        } else if o.get("properties").is_some() && !compared.contains(&name) {
            let r = serde_json::json!({"$ref": format!("#/components/schemas/{name}")});
            compare_schema(&name, &r, &r, ours, theirs, diffs);
        }
    }
}

#[test]
fn documented_operations_match_authentik() {
    let theirs = authentik_schema();
    let ours = castellan_web::openapi::document();
    let mut diffs = Vec::new();
    // The schemas compared field by field per operation.
    let mut top_level = BTreeSet::new();
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
        compare_parameters(&prefix, our_op, their_op, &ours, &theirs, &mut diffs);
        let body = |op: &Value| op["requestBody"]["content"]["application/json"]["schema"].clone();
        let (ob, tb) = (body(our_op), body(their_op));
        top_level.extend(ref_name(&ob));
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
        top_level.extend(ref_name(&os));
        if let Some(items) = os.get("items") {
            top_level.extend(ref_name(items));
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
                top_level.extend(ref_name(&a));
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
    compare_components(top_level.clone(), &top_level, &ours, &theirs, &mut diffs);
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

#[test]
fn unions_are_compared_member_by_member() {
    let member = |name: &str| serde_json::json!({"$ref": format!("#/components/schemas/{name}")});
    let union = |members: &[(&str, &str)]| {
        let mapping: Map<String, Value> = members
            .iter()
            .map(|(tag, name)| (tag.to_string(), member(name)["$ref"].clone()))
            .collect();
        let one_of: Vec<Value> = members.iter().map(|(_, name)| member(name)).collect();
        serde_json::json!({"oneOf": one_of, "discriminator": {"propertyName": "component", "mapping": mapping}})
    };
    let object = |kind: &str| serde_json::json!({"type": "object", "properties": {"x": {"type": kind}}, "required": ["x"]});
    let theirs = serde_json::json!({"components": {"schemas": {
        "U": union(&[("a", "A"), ("b", "B")]), "A": object("string"), "B": object("string"),
    }}});
    let ours = serde_json::json!({"components": {"schemas": {
        "U": union(&[("a", "A"), ("c", "C")]), "A": object("boolean"), "C": object("string"),
    }}});
    let mut diffs = Vec::new();
    let start = BTreeSet::from(["U".to_string()]);
    compare_components(start, &BTreeSet::new(), &ours, &theirs, &mut diffs);
    diffs.sort();
    assert_eq!(
        diffs,
        [
            "A: field `x` is `boolean`, authentik `string`",
            "C: not in authentik's schema",
            "U: member `c` not in authentik's schema",
            "U: no member for `b` (B)",
        ]
    );
}
