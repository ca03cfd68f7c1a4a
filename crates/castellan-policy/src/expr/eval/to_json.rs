//! monty values → JSON. Host-backed instances go back to their tagged JSON: the original
//! object with the sandbox's (possibly changed) attributes laid over it, so keys that were
//! never copied in (a user's groups, parts the expression could not reach) survive.
use monty_types::{MontyDateTime, MontyObject, MontyTimeDelta};
use serde_json::{Map, Number, Value};

use super::objects::{Kind, Objects};
use super::to_monty::USER_SYNTHESIZED;
use crate::expr::compile::analysis::{FULL, Usage};
use crate::expr::compile::prelude::IP_CLASSES;

/// Deepest nesting converted back; deeper values become a placeholder string.
const MAX_DEPTH: usize = 100;

/// Converts sandbox values back, resolving host objects through the object table.
pub(crate) struct ToJson<'s, 'a> {
    pub(crate) objects: &'s Objects<'a>,
    pub(crate) vars: &'s Map<String, Value>,
}

impl ToJson<'_, '_> {
    /// Converts `obj` (no original to lay it over).
    pub(crate) fn value(&self, obj: &MontyObject) -> Value {
        self.overlay(None, obj, &FULL, 0)
    }

    /// Converts `obj`, which replaced `orig` and was reachable as `usage` says: plain dicts the
    /// expression could only partly see are merged into `orig` instead of replacing it.
    pub(crate) fn overlay(
        &self,
        orig: Option<&Value>,
        obj: &MontyObject,
        usage: &Usage,
        depth: usize,
    ) -> Value {
        if depth > MAX_DEPTH {
            return Value::String("<deeply nested>".to_owned());
        }
        match obj {
            MontyObject::Dict(pairs) => {
                // Same rule as on the way in: dict methods other than `.get` saw everything.
                let usage = if usage.has_child(true) { &FULL } else { usage };
                let mut out = match (usage, orig) {
                    (Usage::Partial(_), Some(Value::Object(map))) => map.clone(),
                    _ => Map::new(),
                };
                for (key, value) in pairs {
                    let key = key_string(key);
                    let child = usage.key(&key).unwrap_or(&FULL);
                    let converted =
                        self.overlay(orig.and_then(|o| o.get(&key)), value, child, depth + 1);
                    out.insert(key, converted);
                }
                Value::Object(out)
            }
            MontyObject::List(items)
            | MontyObject::Tuple(items)
            | MontyObject::Set(items)
            | MontyObject::FrozenSet(items)
            | MontyObject::NamedTuple { values: items, .. } => Value::Array(
                items
                    .iter()
                    .map(|item| self.overlay(None, item, &FULL, depth + 1))
                    .collect(),
            ),
            MontyObject::ClassInstance(inst) if inst.class_type.host_defined => {
                self.host_instance(inst.instance_id, &inst.attrs, depth)
            }
            MontyObject::ClassInstance(inst) => {
                let attrs = &inst.attrs;
                if IP_CLASSES.contains(&inst.class_type.name.as_str()) {
                    let compressed = attrs
                        .into_iter()
                        .find(|(k, _)| key_string(k) == "compressed");
                    return compressed.map_or(Value::Null, |(_, v)| {
                        self.overlay(None, v, &FULL, depth + 1)
                    });
                }
                let mut out = Map::new();
                for (key, value) in attrs {
                    out.insert(key_string(key), self.overlay(None, value, &FULL, depth + 1));
                }
                Value::Object(out)
            }
            other => scalar(other),
        }
    }

    fn host_instance(
        &self,
        id: monty_types::MontyUuid,
        attrs: &monty_types::DictPairs,
        depth: usize,
    ) -> Value {
        let Some((_, entry)) = self.objects.get(id) else {
            let mut out = Map::new();
            for (key, value) in attrs {
                out.insert(key_string(key), self.overlay(None, value, &FULL, depth + 1));
            }
            return Value::Object(out);
        };
        match &entry.kind {
            Kind::Tagged(type_name) => {
                let orig = self.objects.resolve(self.vars, &entry.src);
                let mut out = match orig {
                    Some(Value::Object(map)) => map.clone(),
                    _ => {
                        let mut map = Map::new();
                        map.insert("$type".to_owned(), Value::String(type_name.clone()));
                        map
                    }
                };
                for (key, value) in attrs {
                    let key = key_string(key);
                    if type_name == "user"
                        && USER_SYNTHESIZED.contains(&key.as_str())
                        && !out.contains_key(&key)
                    {
                        continue;
                    }
                    let child = entry.usage.attr(&key).unwrap_or(&FULL);
                    let converted =
                        self.overlay(orig.and_then(|o| o.get(&key)), value, child, depth + 1);
                    out.insert(key, converted);
                }
                Value::Object(out)
            }
            Kind::Namespace => {
                let mut out = Map::new();
                for (key, value) in attrs {
                    out.insert(key_string(key), self.overlay(None, value, &FULL, depth + 1));
                }
                Value::Object(out)
            }
            Kind::GroupQuery { groups } => Value::Array(groups.clone()),
            _ => Value::String(format!("<{}>", entry.class)),
        }
    }
}

/// A dict key as a JSON object key (`json.dumps` style: non-strings are stringified).
pub(crate) fn key_string(key: &MontyObject) -> String {
    match key {
        MontyObject::String(s) => s.clone(),
        MontyObject::None => "null".to_owned(),
        MontyObject::Bool(true) => "true".to_owned(),
        MontyObject::Bool(false) => "false".to_owned(),
        other => other.to_string(),
    }
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Scalars (and everything that has no structured JSON form).
fn scalar(obj: &MontyObject) -> Value {
    match obj {
        MontyObject::None => Value::Null,
        MontyObject::Bool(b) => Value::Bool(*b),
        MontyObject::Int(i) => Value::Number((*i).into()),
        MontyObject::BigInt(big) => {
            let text = big.to_string();
            text.parse::<u64>()
                .map(|u| Value::Number(u.into()))
                .unwrap_or(Value::String(text))
        }
        MontyObject::Float(f) => float(*f),
        MontyObject::String(s) | MontyObject::Path(s) | MontyObject::Repr(s) => {
            Value::String(s.clone())
        }
        MontyObject::Bytes(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        MontyObject::Date(d) => Value::String(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
        MontyObject::DateTime(dt) => Value::String(datetime_iso(dt)),
        MontyObject::Time(t) => Value::String(format!(
            "{:02}:{:02}:{:02}{}{}",
            t.hour,
            t.minute,
            t.second,
            micros(t.microsecond),
            offset(t.offset_seconds)
        )),
        MontyObject::TimeDelta(td) => float(timedelta_seconds(td)),
        MontyObject::Exception { exc_type, arg } => Value::String(match arg {
            Some(arg) => format!("{exc_type}: {arg}"),
            None => exc_type.to_string(),
        }),
        other => Value::String(other.to_string()),
    }
}

fn micros(us: u32) -> String {
    if us == 0 {
        String::new()
    } else {
        format!(".{us:06}")
    }
}

fn offset(seconds: Option<i32>) -> String {
    let Some(seconds) = seconds else {
        return String::new();
    };
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
}

fn datetime_iso(dt: &MontyDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{}",
        dt.year,
        dt.month,
        dt.day,
        dt.hour,
        dt.minute,
        dt.second,
        micros(dt.microsecond),
        offset(dt.offset_seconds)
    )
}

fn timedelta_seconds(td: &MontyTimeDelta) -> f64 {
    f64::from(td.days) * 86_400.0 + f64::from(td.seconds) + f64::from(td.microseconds) / 1e6
}
