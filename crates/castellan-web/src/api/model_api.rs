//! The generic, spec-driven part of the polymorphic APIs (stage types, policy types, prompts):
//! OpenAPI component schemas and operations built from [`ModelSpec`]s, validation of settings
//! (including that referenced objects exist), and in-memory filtering, ordering and paging of
//! the serialised objects (these tables hold tens to hundreds of rows).
use std::collections::BTreeMap;
use std::sync::LazyLock;

use castellan_core::model_spec::{self, FieldSpec, FieldType, ModelSpec};
use castellan_store::{AnyConnection, refs};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};

/// The base fields a family of models shares, as `(name, schema, read-only)`.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    /// OpenAPI tag (`stages`, `policies`).
    pub tag: &'static str,
    /// Path parameter name (`stage_uuid`).
    pub param: &'static str,
    /// Response base properties, in order: `(name, schema JSON, required)`.
    pub base: fn() -> Vec<(&'static str, Value, bool)>,
    /// Request base properties: `(name, schema JSON, required)`.
    pub request_base: fn() -> Vec<(&'static str, Value, bool)>,
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn nullable(mut schema: Value) -> Value {
    if let Some(t) = schema
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_string)
    {
        schema["type"] = json!([t, "null"]);
        schema
    } else {
        json!({"oneOf": [schema, {"type": "null"}]})
    }
}

/// The schema of one field (`request` for request bodies).
pub fn field_schema(f: &FieldSpec, request: bool) -> Value {
    let key = |model: &str| {
        if model == "authentik_core.user" {
            json!({"type": "integer"})
        } else {
            json!({"type": "string", "format": "uuid"})
        }
    };
    let schema = match f.ty {
        FieldType::Str { .. } | FieldType::TimeDelta | FieldType::Slug => json!({"type": "string"}),
        FieldType::Email => json!({"type": "string", "format": "email"}),
        FieldType::Bool => json!({"type": "boolean"}),
        FieldType::Int { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        FieldType::Float => json!({"type": "number", "format": "double"}),
        FieldType::Enum(e) => r(e.name),
        FieldType::Fk(m) => key(m),
        FieldType::FkList(m) => json!({"type": "array", "items": key(m)}),
        FieldType::StrList => json!({"type": "array", "items": {"type": "string"}}),
        FieldType::IntList { min, max } => {
            json!({"type": "array", "items": {"type": "integer", "minimum": min, "maximum": max}})
        }
        FieldType::EnumList(e) => json!({"type": "array", "items": r(e.name)}),
        FieldType::Json => json!({}),
        FieldType::Computed {
            schema,
            request: req,
        } => {
            let item = if request {
                req.unwrap_or(schema)
            } else {
                schema
            };
            let mut s = json!({"type": "array", "items": r(item)});
            if f.read_only {
                s["readOnly"] = json!(true);
            }
            s
        }
    };
    if f.nullable { nullable(schema) } else { schema }
}

fn object(props: Vec<(&str, Value, bool)>, with_required: bool) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, schema, req) in props {
        if req {
            required.push(name.to_string());
        }
        properties.insert(name.to_string(), schema);
    }
    required.sort();
    let mut out = json!({"type": "object", "properties": properties});
    if with_required && !required.is_empty() {
        out["required"] = json!(required);
    }
    out
}

/// The response, request and patched-request schemas of `spec` in `family`.
pub fn spec_schemas(spec: &ModelSpec, family: &Family) -> Vec<(String, Value)> {
    let mut response = (family.base)();
    let mut request = (family.request_base)();
    for f in spec.fields {
        let computed = matches!(f.ty, FieldType::Computed { .. });
        if !f.write_only {
            response.push((
                f.name,
                field_schema(f, false),
                f.required || (computed && f.read_only),
            ));
        }
        if !f.read_only {
            request.push((f.name, field_schema(f, true), f.required));
        }
    }
    vec![
        (spec.schema_name.to_string(), object(response, true)),
        (
            format!("{}Request", spec.schema_name),
            object(request.clone(), true),
        ),
        (
            format!("Patched{}Request", spec.schema_name),
            object(request, false),
        ),
    ]
}

/// The enum components `spec` uses.
pub fn spec_enums(spec: &ModelSpec) -> Vec<(String, Value)> {
    spec.fields
        .iter()
        .filter_map(|f| match f.ty {
            FieldType::Enum(e) | FieldType::EnumList(e) => Some(e),
            _ => None,
        })
        .map(|e| {
            (
                e.name.to_string(),
                json!({"type": "string", "enum": e.values}),
            )
        })
        .collect()
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// CRUD operations and request bodies of a spec'd model under `/{spec.api}/`.
pub fn crud_operations(spec: &ModelSpec, family: &Family) -> (Vec<Operation>, Vec<RequestBody>) {
    let base = format!("/{}/", spec.api);
    let one = leak(format!("{base}{{{}}}/", family.param));
    let list = leak(base);
    let id = spec.api.replace('/', "_");
    let op = |suffix: &str| leak(format!("{id}_{suffix}"));
    let name = spec.schema_name;
    let paginated = leak(format!("Paginated{name}List"));
    let request = leak(format!("{name}Request"));
    let patched = leak(format!("Patched{name}Request"));
    let tag = family.tag;
    let ops = vec![
        ("get", list, op("list"), tag, Some(paginated), 200),
        ("post", list, op("create"), tag, Some(name), 201),
        ("get", one, op("retrieve"), tag, Some(name), 200),
        ("put", one, op("update"), tag, Some(name), 200),
        ("patch", one, op("partial_update"), tag, Some(name), 200),
        ("delete", one, op("destroy"), tag, None, 204),
    ];
    let bodies = vec![
        ("post", list, request, true),
        ("put", one, request, true),
        ("patch", one, patched, false),
    ];
    (ops, bodies)
}

/// Every generated operation and request body (stage types, prompts, policy types).
pub static GENERATED: LazyLock<(Vec<Operation>, Vec<RequestBody>)> = LazyLock::new(|| {
    let mut ops = Vec::new();
    let mut bodies = Vec::new();
    for (spec, family) in super::stages::spec_families()
        .into_iter()
        .chain(super::policies::spec_families())
    {
        let (o, b) = crud_operations(spec, family);
        ops.extend(o);
        bodies.extend(b);
    }
    (ops, bodies)
});

/// Component schemas of every spec'd model and the enums they use.
pub fn schemas() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (spec, family) in super::stages::spec_families()
        .into_iter()
        .chain(super::policies::spec_families())
    {
        out.extend(spec_enums(spec));
        out.extend(spec_schemas(spec, family));
    }
    out.extend(super::stages_typed::extra_schemas());
    out.extend(super::policies::extra_schemas());
    out
}

/// Validates settings against `spec` and checks that referenced objects exist.
pub async fn validate_config(
    conn: &mut AnyConnection,
    spec: &ModelSpec,
    body: &Map<String, Value>,
    partial: bool,
    current: Option<&Map<String, Value>>,
    errors: &mut BTreeMap<String, Vec<String>>,
) -> ApiResult<Map<String, Value>> {
    let (config, checked) = match model_spec::validate(spec, body, partial, current) {
        Ok(c) => (c.clone(), c),
        Err(e) => {
            for (k, v) in e {
                errors.entry(k).or_default().extend(v);
            }
            (Map::new(), body.clone())
        }
    };
    for (field, model, values) in model_spec::references(spec, &checked) {
        if errors.contains_key(field) {
            continue;
        }
        if let Some(v) = refs::missing(conn, model, &values).await?.first() {
            let shown = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            errors
                .entry(field.to_string())
                .or_default()
                .push(format!("Invalid pk \"{shown}\" - object does not exist."));
        }
    }
    Ok(config)
}

/// Validates `body` over `o`, an object of `spec` in the generic object table: a `name` unique
/// among the model's objects (`taken`: the message when it is not) and the spec's fields. Sets
/// the name; returns the new settings with the errors so far, for the caller's own checks
/// before [`finish`].
pub async fn object_fields(
    conn: &mut AnyConnection,
    spec: &ModelSpec,
    body: &Map<String, Value>,
    partial: bool,
    o: &mut castellan_store::objects::Object,
    existing: bool,
    taken: &str,
) -> ApiResult<(Map<String, Value>, BTreeMap<String, Vec<String>>)> {
    let mut errors = BTreeMap::new();
    if let Some(name) = name_field(body, partial, &mut errors) {
        let except = existing.then_some(o.pk);
        if castellan_store::objects::name_taken(conn, spec.model, &name, except).await? {
            errors
                .entry("name".into())
                .or_insert_with(Vec::new)
                .push(taken.into());
        }
        o.name = name;
    }
    let current = existing.then(|| o.config.clone());
    let config = validate_config(conn, spec, body, partial, current.as_ref(), &mut errors).await?;
    Ok((config, errors))
}

/// Compiles `config.expression` (when it is a non-empty string) with the expression engine; a
/// compile error is a field error on `expression` ("line N: what is wrong").
pub fn check_expression(config: &Map<String, Value>, errors: &mut BTreeMap<String, Vec<String>>) {
    let Some(source) = config.get("expression").and_then(Value::as_str) else {
        return;
    };
    if source.trim().is_empty() || errors.contains_key("expression") {
        return;
    }
    if let Err(e) = castellan_policy::expr::Expression::compile(source) {
        errors
            .entry("expression".into())
            .or_default()
            .push(e.to_string());
    }
}

/// A required, non-blank, unique-checked `name` of at most `max` characters.
pub fn name_field(
    body: &Map<String, Value>,
    partial: bool,
    errors: &mut BTreeMap<String, Vec<String>>,
) -> Option<String> {
    let mut f = crate::fields::Fields::new(body, partial);
    let name = f.string("name", true, false, crate::fields::TEXT_MAX);
    if let Err(ApiError::Validation(e)) = f.finish() {
        for (k, v) in e {
            errors.entry(k).or_default().extend(v);
        }
    }
    name
}

/// Ends validation: 400 with every collected error.
pub fn finish(errors: BTreeMap<String, Vec<String>>) -> ApiResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn matches(value: Option<&Value>, wanted: &str) -> bool {
    match value {
        Some(Value::String(s)) => s == wanted,
        Some(Value::Bool(b)) => matches!(
            (b, wanted),
            (true, "true" | "True" | "1") | (false, "false" | "False" | "0")
        ),
        Some(Value::Number(n)) => n.to_string() == wanted,
        Some(Value::Array(items)) => items.iter().any(|i| {
            i.as_str() == Some(wanted) || i.as_i64().is_some_and(|n| n.to_string() == wanted)
        }),
        Some(Value::Null) => wanted.is_empty(),
        _ => false,
    }
}

/// Filters serialised objects by `?<field>=` for each of `fields` (exact match; lists match a
/// member), by `?<pk_param>=`, by `?search=` over `name`, orders by `?ordering=` (any filter field,
/// default `name`) and pages the result.
pub fn filter_page(
    items: Vec<Map<String, Value>>,
    params: &Params,
    fields: &[&str],
    pk_param: &str,
) -> ApiResult<Paginated<Value>> {
    let page = params.page()?;
    let search = params.search().map(|s| s.to_lowercase());
    let mut kept: Vec<Map<String, Value>> = items
        .into_iter()
        .filter(|o| {
            fields.iter().all(|f| {
                params
                    .get(f)
                    .is_none_or(|w| w.is_empty() || matches(o.get(*f), w))
            }) && params
                .get(pk_param)
                .is_none_or(|w| w.is_empty() || matches(o.get("pk"), &w.to_lowercase()))
                && search.as_ref().is_none_or(|s| {
                    o.get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.to_lowercase().contains(s))
                })
        })
        .collect();
    let ordering = params
        .get("ordering")
        .and_then(|o| o.split(',').next())
        .unwrap_or("name");
    let (desc, key) = match ordering.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, ordering),
    };
    if key == "name" || fields.contains(&key) {
        let sort_key = |o: &Map<String, Value>| match o.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        kept.sort_by(|a, b| {
            let ord = sort_key(a).cmp(&sort_key(b));
            if desc { ord.reverse() } else { ord }
        });
    }
    let count = kept.len() as i64;
    let start = ((page.page - 1) * page.page_size).max(0) as usize;
    let results: Vec<Value> = kept
        .into_iter()
        .skip(start)
        .take(page.page_size as usize)
        .map(Value::Object)
        .collect();
    Paginated::new(results, count, page)
}

/// The `{…}_obj` placeholder of a model family with no rows yet (WebAuthn device types).
pub fn empty_list() -> Value {
    Value::Array(Vec::new())
}
