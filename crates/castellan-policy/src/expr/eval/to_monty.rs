//! JSON → monty values. Tagged objects become host-class instances registered in the object
//! table; only the parts of each input the expression can reach (its [`Usage`]) are copied.
use monty_types::MontyObject;
use serde_json::{Map, Value};

use super::objects::{Entry, Kind, Seg, Src, class_name, instance, py_str};
use crate::expr::compile::analysis::{FULL, Usage};

/// Deepest JSON nesting converted; deeper values become `None`.
const MAX_DEPTH: usize = 64;

/// Synthesized user attributes (dropped again when the user is read back).
pub(crate) const USER_SYNTHESIZED: &[&str] = &["ak_groups", "is_authenticated", "is_anonymous"];

/// Keys of a tagged object that are not eager attributes: reachable through methods
/// (`has_usable_password()`, `ak_groups`), or read lazily so they stay out of `repr()`
/// (`password`, `groups`).
fn hidden_key(type_name: &str, key: &str) -> bool {
    key == "$type"
        || (type_name == "user"
            && matches!(
                key,
                "groups" | "ak_groups" | "has_usable_password" | "password"
            ))
}

/// Keys of a tagged object whose plain-object values are objects with attributes too.
fn implicit_type(type_name: &str, key: &str) -> Option<&'static str> {
    match (type_name, key) {
        ("http_request", "tenant") => Some("tenant"),
        ("http_request", "brand") => Some("brand"),
        ("http_request", "user") => Some("user"),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum PathSeg<'v> {
    Key(&'v str),
    Index(usize),
}

/// Converts one JSON tree into the sandbox. New object-table entries are collected in
/// `entries` (ids continue from `first_id`) and appended to the table by the caller.
pub(crate) struct ToMonty<'v, 'a> {
    first_id: u32,
    pub(crate) entries: Vec<Entry<'a>>,
    /// `None`: the tree is an input variable; `Some(i)`: arena slot `i`.
    arena: Option<usize>,
    path: Vec<PathSeg<'v>>,
    skip_request_context: bool,
}

impl<'v, 'a> ToMonty<'v, 'a> {
    /// A converter for the input variable `var` (`arena: None`) or arena slot `arena`.
    pub(crate) fn new(first_id: u32, var: Option<&'v str>, arena: Option<usize>) -> Self {
        Self {
            first_id,
            entries: Vec::new(),
            arena,
            path: var.map(PathSeg::Key).into_iter().collect(),
            skip_request_context: false,
        }
    }

    /// Leaves `request.context` out (the wrapper aliases it to `context`).
    pub(crate) fn skipping_request_context(mut self) -> Self {
        self.skip_request_context = true;
        self
    }

    fn add(&mut self, kind: Kind, class: String, src: Src, usage: &'a Usage) -> u32 {
        self.entries.push(Entry {
            kind,
            class,
            src,
            usage,
        });
        self.first_id + u32::try_from(self.entries.len()).unwrap_or(u32::MAX) - 1
    }

    fn src(&self) -> Src {
        let path = self
            .path
            .iter()
            .map(|s| match s {
                PathSeg::Key(k) => Seg::Key((*k).to_owned()),
                PathSeg::Index(i) => Seg::Index(*i),
            })
            .collect();
        match self.arena {
            None => Src::Var(path),
            Some(i) => Src::Arena(i, path),
        }
    }

    /// Converts `value` as far as `usage` reaches; `implicit` types untagged objects.
    pub(crate) fn value(
        &mut self,
        value: &'v Value,
        usage: &'a Usage,
        implicit: Option<&str>,
    ) -> MontyObject {
        if self.path.len() > MAX_DEPTH {
            return MontyObject::None;
        }
        match value {
            Value::Null => MontyObject::None,
            Value::Bool(b) => MontyObject::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => MontyObject::Int(i),
                None => MontyObject::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => py_str(s),
            Value::Array(items) => {
                let item_type = implicit.filter(|t| *t == "group");
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    self.path.push(PathSeg::Index(i));
                    out.push(self.value(item, &FULL, item_type));
                    self.path.pop();
                }
                MontyObject::List(out)
            }
            Value::Object(map) => match map.get("$type").and_then(Value::as_str).or(implicit) {
                Some(type_name) => self.tagged(map, type_name, usage),
                None => self.dict(map, usage),
            },
        }
    }

    fn dict(&mut self, map: &'v Map<String, Value>, usage: &'a Usage) -> MontyObject {
        // Dict methods other than `.get("key")` need the whole dict.
        let usage = if usage.has_child(true) { &FULL } else { usage };
        let mut pairs = Vec::with_capacity(if usage.is_full() { map.len() } else { 2 });
        for (key, child) in map {
            let Some(child_usage) = usage.key(key) else {
                continue;
            };
            self.path.push(PathSeg::Key(key));
            pairs.push((py_str(key), self.value(child, child_usage, None)));
            self.path.pop();
        }
        MontyObject::dict(pairs)
    }

    fn tagged(
        &mut self,
        map: &'v Map<String, Value>,
        type_name: &str,
        usage: &'a Usage,
    ) -> MontyObject {
        // Objects are not subscriptable; a key access means the value escapes somewhere.
        let usage = if usage.has_child(false) { &FULL } else { usage };
        let class = class_name(type_name);
        let src = self.src();
        let id = self.add(
            Kind::Tagged(type_name.to_owned()),
            class.clone(),
            src,
            usage,
        );
        let skip_context =
            self.skip_request_context && type_name == "policy_request" && self.path.len() == 1;
        let mut attrs = Vec::with_capacity(if usage.is_full() { map.len() + 3 } else { 4 });
        for (key, child) in map {
            if hidden_key(type_name, key) || (skip_context && key == "context") {
                continue;
            }
            let Some(child_usage) = usage.attr(key) else {
                continue;
            };
            self.path.push(PathSeg::Key(key));
            let converted = self.value(child, child_usage, implicit_type(type_name, key));
            self.path.pop();
            attrs.push((py_str(key), converted));
        }
        if type_name == "user" {
            self.user_extras(map, usage, id, &mut attrs);
        }
        instance(&class, id, attrs)
    }

    fn user_extras(
        &mut self,
        map: &Map<String, Value>,
        usage: &'a Usage,
        id: u32,
        attrs: &mut Vec<(MontyObject, MontyObject)>,
    ) {
        if usage.attr("ak_groups").is_some() {
            let manager = self.add(
                Kind::GroupManager { user: id },
                "ManyRelatedManager".to_owned(),
                Src::None,
                &FULL,
            );
            attrs.push((
                py_str("ak_groups"),
                instance("ManyRelatedManager", manager, Vec::new()),
            ));
        }
        let authenticated = map
            .get("is_authenticated")
            .and_then(Value::as_bool)
            .unwrap_or_else(|| map.get("pk").is_some_and(|pk| !pk.is_null()));
        if !map.contains_key("is_authenticated") && usage.attr("is_authenticated").is_some() {
            attrs.push((py_str("is_authenticated"), MontyObject::Bool(authenticated)));
        }
        if !map.contains_key("is_anonymous") && usage.attr("is_anonymous").is_some() {
            attrs.push((py_str("is_anonymous"), MontyObject::Bool(!authenticated)));
        }
    }
}
