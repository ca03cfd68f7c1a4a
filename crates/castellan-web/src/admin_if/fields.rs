//! Form fields of the admin interface, derived from the API's OpenAPI request components: each
//! property becomes an input by its type (text, number, checkbox, choice, date, JSON, or a
//! picker of related objects chosen by the field's name), and a posted form becomes the JSON
//! body the API validates.
use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde_json::{Map, Value, json};

/// The API's OpenAPI document, built once.
static DOC: LazyLock<Value> = LazyLock::new(crate::openapi::document);

/// Field errors by field name (`non_field_errors` for the form).
pub type Errors = BTreeMap<String, Vec<String>>;

/// Objects a reference field picks from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relation {
    /// The API collection listing the candidates.
    pub api: &'static str,
    /// The JSON field of a candidate's value.
    pub value: &'static str,
    /// The JSON field of a candidate's label.
    pub label: &'static str,
}

const FLOWS: Relation = Relation {
    api: "/flows/instances/",
    value: "pk",
    label: "name",
};
const STAGES: Relation = Relation {
    api: "/stages/all/",
    value: "pk",
    label: "name",
};
const GROUPS: Relation = Relation {
    api: "/core/groups/?include_users=false",
    value: "pk",
    label: "name",
};
const USERS: Relation = Relation {
    api: "/core/users/",
    value: "pk",
    label: "username",
};
const POLICIES: Relation = Relation {
    api: "/policies/all/",
    value: "pk",
    label: "name",
};
const SCOPE_MAPPINGS: Relation = Relation {
    api: "/propertymappings/provider/scope/",
    value: "pk",
    label: "name",
};
const PROMPTS: Relation = Relation {
    api: "/stages/prompt/prompts/",
    value: "pk",
    label: "name",
};
const CERTIFICATES: Relation = Relation {
    api: "/crypto/certificatekeypairs/",
    value: "pk",
    label: "name",
};
const PROVIDERS: Relation = Relation {
    api: "/providers/all/",
    value: "pk",
    label: "name",
};
const APPLICATIONS: Relation = Relation {
    api: "/core/applications/",
    value: "pk",
    label: "name",
};

/// What input a field gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Widget {
    /// One line of text (`secret`: a password input, never pre-filled).
    Text {
        /// Masked input.
        secret: bool,
    },
    /// Several lines of text (expressions, PEM data, descriptions).
    Area,
    /// A checkbox.
    Check,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// One of fixed values.
    Choice(Vec<String>),
    /// Any of fixed values.
    Choices(Vec<String>),
    /// An object of another kind (`many`: several; `integer`: integer keys).
    Pick {
        /// Where candidates come from.
        relation: Relation,
        /// Several values.
        many: bool,
        /// Integer keys.
        integer: bool,
    },
    /// A date and time (UTC).
    DateTime,
    /// A list of strings, one per line.
    Lines,
    /// Any JSON (attributes, context).
    Data,
}

/// One form field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Request property name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Help text (the schema's description).
    pub help: String,
    /// Input.
    pub widget: Widget,
    /// Required on create.
    pub required: bool,
    /// Accepts `null`.
    pub nullable: bool,
}

/// The fields of request component `component`, without `hidden` ones; `only` keeps just those.
pub fn of_component(component: &str, hidden: &[&str], only: &[&str]) -> Vec<Field> {
    of_schema(&DOC, component, hidden, only)
}

fn of_schema(doc: &Value, component: &str, hidden: &[&str], only: &[&str]) -> Vec<Field> {
    let schema = &doc["components"]["schemas"][component];
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema["properties"].as_object() else {
        return Vec::new();
    };
    props
        .iter()
        .filter(|(name, _)| !hidden.contains(&name.as_str()))
        .filter(|(name, _)| only.is_empty() || only.contains(&name.as_str()))
        .filter_map(|(name, prop)| {
            let prop = resolve(doc, prop);
            let widget = widget(doc, name, &prop)?;
            Some(Field {
                label: label(name),
                help: prop["description"].as_str().unwrap_or_default().to_string(),
                nullable: types(&prop).contains(&"null") || prop["nullable"] == json!(true),
                required: required.contains(&name.as_str()),
                name: name.clone(),
                widget,
            })
        })
        .collect()
}

/// A property with `$ref` / single-entry `oneOf`/`allOf` replaced by the referenced schema
/// (keeping the property's own description).
fn resolve(doc: &Value, prop: &Value) -> Value {
    let inner = prop.get("$ref").map(|_| prop).or_else(|| {
        ["oneOf", "allOf"].iter().find_map(|k| {
            prop.get(*k)
                .and_then(Value::as_array)
                .filter(|a| a.len() == 1)
                .and_then(|a| a.first())
        })
    });
    let Some(r) = inner.and_then(|i| i.get("$ref")).and_then(Value::as_str) else {
        return prop.clone();
    };
    let name = r.rsplit('/').next().unwrap_or_default();
    let mut out = doc["components"]["schemas"][name].clone();
    if let (Some(o), Some(d)) = (out.as_object_mut(), prop.get("description")) {
        o.insert("description".into(), d.clone());
    }
    out
}

fn types(prop: &Value) -> Vec<&str> {
    match &prop["type"] {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn enum_values(prop: &Value) -> Option<Vec<String>> {
    prop["enum"].as_array().map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    })
}

/// The object kind a reference field points at, by its name.
fn relation(name: &str) -> Option<Relation> {
    Some(match name {
        "parent" | "group" | "groups" => GROUPS,
        "user" | "users" => USERS,
        "policy" | "validation_policies" => POLICIES,
        "fields" => PROMPTS,
        "provider" | "backchannel_providers" => PROVIDERS,
        "default_application" => APPLICATIONS,
        n if n.contains("flow") || n == "target" => FLOWS,
        n if n.ends_with("stage") || n.ends_with("stages") => STAGES,
        "property_mappings" => SCOPE_MAPPINGS,
        n if n.ends_with("_kp")
            || n.contains("certificate")
            || n == "encryption_key"
            || n == "signing_key" =>
        {
            CERTIFICATES
        }
        _ => return None,
    })
}

const MULTILINE: &[&str] = &[
    "expression",
    "content",
    "certificate_data",
    "key_data",
    "sub_text",
    "placeholder",
    "initial_value",
    "meta_description",
    "description",
];

fn widget(doc: &Value, name: &str, prop: &Value) -> Option<Widget> {
    let t = types(prop);
    let has = |x: &str| t.contains(&x);
    if let Some(values) = enum_values(prop) {
        return Some(Widget::Choice(values));
    }
    if has("array") {
        let items = resolve(doc, &prop["items"]);
        if let Some(values) = enum_values(&items) {
            return Some(Widget::Choices(values));
        }
        let it = types(&items);
        let keyed = items["format"] == "uuid" || it.contains(&"integer");
        return match relation(name) {
            Some(relation) if keyed => Some(Widget::Pick {
                relation,
                many: true,
                integer: it.contains(&"integer"),
            }),
            // An OAuth2 provider's `{matching_mode, url}` entries are edited as JSON.
            _ if name == "redirect_uris" => Some(Widget::Data),
            // Lists of objects (`flow_set`, …) are shown, not edited, here.
            _ if it.contains(&"object") || items.get("properties").is_some() => None,
            _ if it.contains(&"string") => Some(Widget::Lines),
            _ => Some(Widget::Data),
        };
    }
    if (prop["format"] == "uuid" || has("integer"))
        && let Some(relation) = relation(name)
        && name != "order"
    {
        return Some(Widget::Pick {
            relation,
            many: false,
            integer: has("integer"),
        });
    }
    Some(if has("boolean") {
        Widget::Check
    } else if has("integer") {
        Widget::Integer
    } else if has("number") {
        Widget::Number
    } else if has("string") && prop["format"] == "date-time" {
        Widget::DateTime
    } else if has("string") {
        if MULTILINE.contains(&name) {
            Widget::Area
        } else {
            Widget::Text {
                secret: name.contains("password")
                    || name.ends_with("secret")
                    || prop["writeOnly"] == json!(true) && name != "key_data",
            }
        }
    } else {
        Widget::Data
    })
}

/// `client_id` → `Client id`; a few words keep their usual spelling.
pub fn label(name: &str) -> String {
    let words: Vec<String> = name
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "url" => "URL".into(),
            "uri" => "URI".into(),
            "id" => "ID".into(),
            "ip" => "IP".into(),
            "kp" => "key pair".into(),
            w => w.to_string(),
        })
        .collect();
    let joined = words.join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The values a form field shows for `obj` (an API object): one string, or several for multi
/// inputs. Secrets are never shown.
pub fn initial(field: &Field, obj: &Value) -> Vec<String> {
    let v = &obj[field.name.as_str()];
    match (&field.widget, v) {
        (Widget::Text { secret: true }, _) | (_, Value::Null) => Vec::new(),
        (Widget::Data, v) => vec![serde_json::to_string_pretty(v).unwrap_or_default()],
        (Widget::Lines, Value::Array(a)) => vec![
            a.iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ],
        (Widget::DateTime, Value::String(s)) => vec![datetime_input(s)],
        (_, Value::Array(a)) => a.iter().map(scalar).collect(),
        (_, v) => vec![scalar(v)],
    }
}

/// A table cell value: instants (`2026-01-02T03:04:05.123Z`) read as `2026-01-02 03:04:05 UTC`.
pub fn readable(v: Value) -> Value {
    match &v {
        Value::String(s) if s.len() >= 20 && s.as_bytes().get(10) == Some(&b'T') => {
            match chrono::DateTime::parse_from_rfc3339(s) {
                Ok(d) => Value::String(
                    d.with_timezone(&chrono::Utc)
                        .format("%Y-%m-%d %H:%M:%S UTC")
                        .to_string(),
                ),
                Err(_) => v,
            }
        }
        _ => v,
    }
}

/// A JSON scalar as form text.
pub fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

/// An RFC 3339 instant as a `datetime-local` value in UTC (`2026-01-02T03:04`).
fn datetime_input(s: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| s.to_string())
}

/// The JSON body for `fields` from a posted form. `editing`: empty secret inputs keep the
/// stored value (left out). Values the form cannot express are field errors.
pub fn body(
    fields: &[Field],
    form: &[(String, String)],
    editing: bool,
) -> Result<Map<String, Value>, Errors> {
    let mut out = Map::new();
    let mut errors = Errors::new();
    for f in fields {
        let all: Vec<&str> = form
            .iter()
            .filter(|(k, _)| *k == f.name)
            .map(|(_, v)| v.as_str())
            .collect();
        let one = all.first().copied().unwrap_or_default().trim();
        let empty = |f: &Field| {
            if f.nullable { Some(Value::Null) } else { None }
        };
        // A field the form did not post at all keeps its stored (or default) value; on create,
        // a blank optional input leaves the API's default in place too.
        if all.is_empty()
            && !matches!(
                f.widget,
                Widget::Check | Widget::Choices(_) | Widget::Pick { many: true, .. }
            )
        {
            continue;
        }
        if !editing
            && one.is_empty()
            && !f.required
            && !matches!(
                f.widget,
                Widget::Check | Widget::Choices(_) | Widget::Pick { .. }
            )
        {
            continue;
        }
        let value = match &f.widget {
            Widget::Check => Some(Value::Bool(!all.is_empty())),
            Widget::Text { secret: true } if one.is_empty() && editing => None,
            Widget::Text { .. } | Widget::Area if one.is_empty() => {
                empty(f).or(Some(Value::String(String::new())))
            }
            Widget::Text { .. } => Some(Value::String(one.to_string())),
            Widget::Area => Some(Value::String(
                all.first()
                    .copied()
                    .unwrap_or_default()
                    .replace("\r\n", "\n"),
            )),
            Widget::Choice(_) if one.is_empty() => empty(f),
            Widget::Choice(_) => Some(Value::String(one.to_string())),
            Widget::Choices(_) => Some(Value::Array(
                all.iter()
                    .map(|v| Value::String((*v).to_string()))
                    .collect(),
            )),
            Widget::Integer | Widget::Number if one.is_empty() => empty(f),
            Widget::Integer => match one.parse::<i64>() {
                Ok(n) => Some(json!(n)),
                Err(_) => {
                    errors.insert(f.name.clone(), vec!["A valid integer is required.".into()]);
                    None
                }
            },
            Widget::Number => match one.parse::<f64>() {
                Ok(n) => Some(json!(n)),
                Err(_) => {
                    errors.insert(f.name.clone(), vec!["A valid number is required.".into()]);
                    None
                }
            },
            Widget::Pick { many: false, .. } if one.is_empty() => Some(Value::Null),
            Widget::Pick { many, integer, .. } => {
                let values: Vec<Value> = all
                    .iter()
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())
                    .map(|v| match (integer, v.parse::<i64>()) {
                        (true, Ok(n)) => json!(n),
                        _ => Value::String(v.to_string()),
                    })
                    .collect();
                if *many {
                    Some(Value::Array(values))
                } else {
                    values.into_iter().next()
                }
            }
            Widget::DateTime if one.is_empty() => Some(Value::Null),
            Widget::DateTime => {
                match chrono::NaiveDateTime::parse_from_str(one, "%Y-%m-%dT%H:%M")
                    .or_else(|_| chrono::NaiveDateTime::parse_from_str(one, "%Y-%m-%dT%H:%M:%S"))
                {
                    Ok(d) => Some(Value::String(d.and_utc().to_rfc3339())),
                    Err(_) => {
                        errors.insert(
                            f.name.clone(),
                            vec!["Enter a date and time as YYYY-MM-DDTHH:MM (UTC).".into()],
                        );
                        None
                    }
                }
            }
            Widget::Lines => Some(Value::Array(
                one.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Value::String(l.to_string()))
                    .collect(),
            )),
            Widget::Data if one.is_empty() => Some(json!({})),
            Widget::Data => match serde_json::from_str::<Value>(one) {
                Ok(v) => Some(v),
                Err(e) => {
                    errors.insert(f.name.clone(), vec![format!("Enter valid JSON: {e}.")]);
                    None
                }
            },
        };
        if let Some(v) = value {
            out.insert(f.name.clone(), v);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Field errors from an API `400` body (`{"field": ["message"]}`, nested lists flattened).
pub fn api_errors(body: &Value) -> Errors {
    let mut out = Errors::new();
    match body {
        Value::Object(map) => {
            for (k, v) in map {
                let messages = flatten(v);
                let key = if k == "detail" { "non_field_errors" } else { k };
                out.entry(key.to_string()).or_default().extend(messages);
            }
        }
        other => {
            out.insert("non_field_errors".into(), flatten(other));
        }
    }
    out
}

fn flatten(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(flatten).collect(),
        Value::Object(m) => m
            .iter()
            .flat_map(|(k, v)| flatten(v).into_iter().map(move |m| format!("{k}: {m}")))
            .collect(),
        Value::Null => Vec::new(),
        other => vec![other.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn user_request_fields_have_the_right_inputs() {
        let fields = of_component("UserRequest", &[], &[]);
        let by = |n: &str| fields.iter().find(|f| f.name == n).expect(n);
        assert_eq!(by("username").widget, Widget::Text { secret: false });
        assert!(by("username").required);
        assert_eq!(by("is_active").widget, Widget::Check);
        assert_eq!(by("last_login").widget, Widget::DateTime);
        assert!(by("last_login").nullable);
        assert!(
            matches!(by("groups").widget, Widget::Pick { many: true, integer: false, relation } if relation == GROUPS)
        );
        assert!(
            matches!(&by("type").widget, Widget::Choice(v) if v.iter().any(|x| x == "internal"))
        );
        assert_eq!(by("attributes").widget, Widget::Data);
    }

    #[test]
    fn typed_stage_and_binding_fields() {
        let fields = of_component("IdentificationStageRequest", &["flow_set"], &[]);
        assert!(fields.iter().all(|f| f.name != "flow_set"));
        let pw = fields
            .iter()
            .find(|f| f.name == "password_stage")
            .expect("pw");
        assert!(
            matches!(pw.widget, Widget::Pick { relation, many: false, .. } if relation == STAGES)
        );
        assert!(
            matches!(&fields.iter().find(|f| f.name == "user_fields").expect("uf").widget, Widget::Choices(v) if v.contains(&"email".to_string()))
        );
        let binding = of_component("FlowStageBindingRequest", &[], &["order"]);
        assert_eq!(binding.len(), 1);
        assert_eq!(binding[0].widget, Widget::Integer);
    }

    #[test]
    fn forms_become_bodies_and_bad_values_are_field_errors() {
        let fields = of_component("UserRequest", &[], &[]);
        let body = body(
            &fields,
            &form(&[
                ("username", " jane "),
                ("name", "Jane"),
                ("groups", "0d6c5d52-35b9-4f9e-9f0e-6e1b2c3d4e5f"),
                ("last_login", "2026-01-02T03:04"),
                ("attributes", "{\"a\": 1}"),
                ("type", "internal"),
            ]),
            false,
        )
        .expect("valid");
        assert_eq!(body["username"], "jane");
        assert_eq!(body["is_active"], false, "an unticked checkbox is false");
        assert_eq!(
            body["groups"],
            json!(["0d6c5d52-35b9-4f9e-9f0e-6e1b2c3d4e5f"])
        );
        assert_eq!(body["last_login"], "2026-01-02T03:04:00+00:00");
        assert_eq!(body["attributes"], json!({"a": 1}));
        let errors = super::body(
            &fields,
            &form(&[
                ("username", "x"),
                ("attributes", "{oops"),
                ("last_login", "yesterday"),
            ]),
            false,
        )
        .expect_err("invalid");
        assert!(errors["attributes"][0].starts_with("Enter valid JSON"));
        assert!(errors.contains_key("last_login"));
    }

    #[test]
    fn secrets_are_not_shown_and_kept_when_left_empty() {
        let fields = of_component("UserPasswordSetRequest", &[], &[]);
        assert_eq!(fields[0].widget, Widget::Text { secret: true });
        assert!(initial(&fields[0], &json!({"password": "x"})).is_empty());
        assert!(body(&fields, &[], true).expect("ok").is_empty());
    }

    #[test]
    fn api_errors_flatten() {
        let e = api_errors(&json!({"name": ["Required."], "detail": "No.", "x": {"y": ["z"]}}));
        assert_eq!(e["name"], vec!["Required."]);
        assert_eq!(e["non_field_errors"], vec!["No."]);
        assert_eq!(e["x"], vec!["y: z"]);
    }

    #[test]
    fn instants_read_well_and_other_strings_stay() {
        assert_eq!(
            readable(json!("2026-11-29T05:12:08.934772Z")),
            json!("2026-11-29 05:12:08 UTC")
        );
        assert_eq!(
            readable(json!("2026-11-29T06:12:08+01:00")),
            json!("2026-11-29 05:12:08 UTC")
        );
        assert_eq!(readable(json!("grace")), json!("grace"));
        assert_eq!(readable(json!(3)), json!(3));
    }

    #[test]
    fn labels() {
        assert_eq!(label("meta_launch_url"), "Meta launch URL");
        assert_eq!(label("signing_kp"), "Signing key pair");
    }
}
