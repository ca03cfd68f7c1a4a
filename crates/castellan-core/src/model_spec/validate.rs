//! Validation of request bodies against a [`ModelSpec`], with Django REST framework's messages.
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{EnumSpec, FieldSpec, FieldType, ModelSpec};
use crate::timedelta::parse_timedelta;

/// Validation errors by field, in DRF's wording.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Python-ish type name for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.chars().take(100).collect(),
        other => other.to_string().chars().take(100).collect(),
    }
}

/// Validates `input` against `spec`. With `partial` (PATCH) no field is required; omitted fields
/// keep their `current` value, else take their default. Returns the complete configuration
/// (every writable field, including write-only ones); unknown and read-only keys are ignored.
pub fn validate(
    spec: &ModelSpec,
    input: &Map<String, Value>,
    partial: bool,
    current: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>, FieldErrors> {
    let mut out = Map::new();
    let mut errors = FieldErrors::new();
    for field in spec.fields.iter().filter(|f| !f.read_only) {
        if matches!(field.ty, FieldType::Computed { .. }) {
            continue;
        }
        let value = match input.get(field.name) {
            Some(v) => match check_value(field, v) {
                Ok(v) => v,
                Err(message) => {
                    errors.entry(field.name.into()).or_default().push(message);
                    continue;
                }
            },
            None => match current.and_then(|c| c.get(field.name)) {
                Some(v) => v.clone(),
                None if field.required && !partial => {
                    errors
                        .entry(field.name.into())
                        .or_default()
                        .push("This field is required.".into());
                    continue;
                }
                None => match field.default.value() {
                    Some(v) => v,
                    None => continue,
                },
            },
        };
        out.insert(field.name.into(), value);
    }
    if errors.is_empty()
        && let Some(check) = spec.check
    {
        for (field, message) in check(&out) {
            errors.entry(field).or_default().push(message);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The configuration as returned by the API: every readable field in spec order, defaults for
/// missing ones, write-only and computed fields left out.
pub fn output(spec: &ModelSpec, config: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for field in spec.fields {
        if field.write_only || matches!(field.ty, FieldType::Computed { .. }) {
            continue;
        }
        if let Some(v) = config
            .get(field.name)
            .cloned()
            .or_else(|| field.default.value())
        {
            out.insert(field.name.into(), v);
        }
    }
    out
}

/// Every foreign-key value of a configuration: `(field, target model, values)`.
pub fn references(
    spec: &ModelSpec,
    config: &Map<String, Value>,
) -> Vec<(&'static str, &'static str, Vec<Value>)> {
    spec.fields
        .iter()
        .filter_map(|f| {
            let values = match (f.ty, config.get(f.name)) {
                (FieldType::Fk(m), Some(v)) if !v.is_null() => (m, vec![v.clone()]),
                (FieldType::FkList(m), Some(Value::Array(items))) if !items.is_empty() => {
                    (m, items.clone())
                }
                _ => return None,
            };
            Some((f.name, values.0, values.1))
        })
        .collect()
}

fn check_value(field: &FieldSpec, v: &Value) -> Result<Value, String> {
    if v.is_null() {
        return if field.nullable {
            Ok(Value::Null)
        } else {
            Err("This field may not be null.".into())
        };
    }
    match field.ty {
        FieldType::Str { max, blank } => string(v, max, blank).map(Value::String),
        FieldType::Email => {
            let s = string(v, Some(254), false)?;
            if valid_email(&s) {
                Ok(Value::String(s))
            } else {
                Err("Enter a valid email address.".into())
            }
        }
        FieldType::Slug => {
            let s = string(v, Some(50), false)?;
            if s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                Ok(Value::String(s))
            } else {
                Err("Enter a valid \u{201c}slug\u{201d} consisting of letters, numbers, underscores or hyphens.".into())
            }
        }
        FieldType::Bool => boolean(v).map(Value::Bool),
        FieldType::Int { min, max } => integer(v, min, max).map(Value::from),
        FieldType::Float => match v {
            Value::Number(n) => n
                .as_f64()
                .map(Value::from)
                .ok_or_else(|| "A valid number is required.".into()),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Value::from)
                .ok_or_else(|| "A valid number is required.".into()),
            _ => Err("A valid number is required.".into()),
        },
        FieldType::Enum(e) => choice(e, v),
        FieldType::Fk(model) => key(model, v),
        FieldType::TimeDelta => {
            let s = string(v, None, false)?;
            parse_timedelta(&s)
                .map(|_| Value::String(s.clone()))
                .map_err(|_| format!("{s} is not in the correct format of 'hours=3;minutes=1'."))
        }
        FieldType::Json | FieldType::Computed { .. } => Ok(v.clone()),
        FieldType::FkList(model) => list(v, |item| key(model, item)),
        FieldType::StrList => list(v, |item| string(item, None, true).map(Value::String)),
        FieldType::IntList { min, max } => list(v, |item| integer(item, min, max).map(Value::from)),
        FieldType::EnumList(e) => list(v, |item| choice(e, item)),
    }
}

fn list(v: &Value, item: impl Fn(&Value) -> Result<Value, String>) -> Result<Value, String> {
    let Value::Array(items) = v else {
        return Err(format!(
            "Expected a list of items but got type \"{}\".",
            type_name(v)
        ));
    };
    items
        .iter()
        .map(item)
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

fn string(v: &Value, max: Option<usize>, blank: bool) -> Result<String, String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err("Not a valid string.".into()),
    };
    if !blank && s.trim().is_empty() {
        return Err("This field may not be blank.".into());
    }
    if let Some(max) = max
        && s.chars().count() > max
    {
        return Err(format!(
            "Ensure this field has no more than {max} characters."
        ));
    }
    Ok(s)
}

fn boolean(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s)
            if ["true", "True", "TRUE", "1", "yes", "on", "y"].contains(&s.as_str()) =>
        {
            Ok(true)
        }
        Value::String(s)
            if ["false", "False", "FALSE", "0", "no", "off", "n"].contains(&s.as_str()) =>
        {
            Ok(false)
        }
        Value::Number(n) if n.as_f64() == Some(1.0) => Ok(true),
        Value::Number(n) if n.as_f64() == Some(0.0) => Ok(false),
        _ => Err("Must be a valid boolean.".into()),
    }
}

fn integer(v: &Value, min: i64, max: i64) -> Result<i64, String> {
    let parsed = match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    let i = parsed.ok_or_else(|| "A valid integer is required.".to_string())?;
    if i > max {
        return Err(format!("Ensure this value is less than or equal to {max}."));
    }
    if i < min {
        return Err(format!(
            "Ensure this value is greater than or equal to {min}."
        ));
    }
    Ok(i)
}

fn choice(e: &EnumSpec, v: &Value) -> Result<Value, String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    if !s.is_empty() && e.values.contains(&s.as_str()) {
        Ok(Value::String(s))
    } else {
        Err(format!("\"{}\" is not a valid choice.", shown(v)))
    }
}

/// A key of `model`: an integer for users, a UUID for everything else (normalised, lowercase).
fn key(model: &str, v: &Value) -> Result<Value, String> {
    if model == "authentik_core.user" {
        return match v {
            Value::Number(n) if n.as_i64().is_some() => Ok(v.clone()),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => {
                Ok(Value::from(s.trim().parse::<i64>().unwrap_or_default()))
            }
            other => Err(format!(
                "Incorrect type. Expected pk value, received {}.",
                type_name(other)
            )),
        };
    }
    match v {
        Value::String(s) => uuid::Uuid::parse_str(s.trim())
            .map(|u| Value::String(u.to_string()))
            .map_err(|_| format!("\u{201c}{}\u{201d} is not a valid UUID.", shown(v))),
        other => Err(format!(
            "Incorrect type. Expected pk value, received {}.",
            type_name(other)
        )),
    }
}

/// Django's `EmailValidator`, simplified: one `@`, a non-empty local part without spaces and a
/// domain with a dot (or `localhost`).
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !s.chars().any(char::is_whitespace)
        && !domain.is_empty()
        && (domain.contains('.') || domain == "localhost")
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}
