//! Calls of external functions: the engine's own helpers and the host functions.
use std::time::{Duration, Instant};

use monty_types::{ExcType, MontyObject, MontyUuid};
use serde_json::{Map, Value};

use super::objects::Kind;
use super::percent::{self, py_str};
use super::session::{HOST_ERROR, Reply, Session};
use super::to_json::{ToJson, key_string};
use super::to_monty::ToMonty;
use super::{ip, lookup};
use crate::expr::compile::analysis::FULL;
use crate::expr::{ExprError, ExprHost, HOST_FUNCTIONS};

/// The result of a handler: the reply and the time spent awaiting the host.
pub(crate) type Handled = Result<(Reply, Duration), ExprError>;

/// Shorthand for an immediate reply.
pub(crate) fn reply(r: Reply) -> Handled {
    Ok((r, Duration::ZERO))
}

impl Session<'_> {
    /// Dispatches a suspension at a call of `name` (a method when `object_id` is set).
    pub(crate) async fn call(
        &mut self,
        name: &str,
        object_id: Option<MontyUuid>,
        args: &[MontyObject],
        kwargs: &[(MontyObject, MontyObject)],
        host: &mut dyn ExprHost,
    ) -> Handled {
        if let Some(id) = object_id {
            return self.method(id, name, args, kwargs, host).await;
        }
        match name {
            "ak_message" => {
                let text = args.first().map(py_str).unwrap_or_default();
                self.messages.push(text);
                reply(Reply::Value(MontyObject::None))
            }
            "ak_is_group_member" => self.is_group_member(args, kwargs, host).await,
            "_ak_percent" => match args {
                [MontyObject::String(fmt), values] => reply(match percent::format(fmt, values) {
                    Ok(text) => Reply::Value(MontyObject::String(text)),
                    Err((t, m)) => Reply::Raise(t, m),
                }),
                _ => reply(Reply::Raise(
                    ExcType::TypeError,
                    "bad % formatting operands".to_owned(),
                )),
            },
            "_ak_ip" => reply(match ip::ip_info(args) {
                Ok(value) => Reply::Value(value),
                Err((t, m)) => Reply::Raise(t, m),
            }),
            "PasswordProfile" => reply(Reply::Value(MontyObject::dict(kwargs.to_vec()))),
            n if HOST_FUNCTIONS.contains(&n) => {
                let (args, kwargs) = (self.args_json(args), self.kwargs_json(kwargs));
                self.host_call(n, args, kwargs, host).await
            }
            other => reply(Reply::Raise(
                ExcType::NameError,
                format!("name '{other}' is not defined"),
            )),
        }
    }

    /// Calls a host function and converts its answer into the sandbox.
    pub(crate) async fn host_call(
        &mut self,
        name: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
        host: &mut dyn ExprHost,
    ) -> Handled {
        let started = Instant::now();
        let result = host.call(name, args, kwargs).await;
        let waited = started.elapsed();
        let reply = match result {
            Ok(mut value) => {
                if name == "ak_call_policy"
                    && let Value::Object(map) = &mut value
                {
                    map.entry("$type")
                        .or_insert_with(|| Value::String("policy_result".to_owned()));
                }
                Reply::Value(self.import_json(value, None))
            }
            Err(text) => Reply::Raise(ExcType::RuntimeError, format!("{HOST_ERROR}{text}")),
        };
        Ok((reply, waited))
    }

    /// Converts a JSON value that is not an input (host results, group lists) into the sandbox.
    pub(crate) fn import_json(&mut self, value: Value, implicit: Option<&str>) -> MontyObject {
        let slot = self.objects.arena.len();
        self.objects.arena.push(value);
        let mut conv = ToMonty::new(self.objects.next_id(), None, Some(slot));
        let obj = match self.objects.arena.get(slot) {
            Some(value) => conv.value(value, &FULL, implicit),
            None => MontyObject::None,
        };
        let entries = conv.entries;
        self.objects.extend(entries);
        obj
    }

    /// Positional arguments as JSON (host objects as their tagged JSON).
    pub(crate) fn args_json(&self, args: &[MontyObject]) -> Vec<Value> {
        let conv = ToJson {
            objects: &self.objects,
            vars: self.vars,
        };
        args.iter().map(|a| conv.value(a)).collect()
    }

    /// Keyword arguments as a JSON object.
    pub(crate) fn kwargs_json(&self, kwargs: &[(MontyObject, MontyObject)]) -> Map<String, Value> {
        let conv = ToJson {
            objects: &self.objects,
            vars: self.vars,
        };
        kwargs
            .iter()
            .map(|(k, v)| (key_string(k), conv.value(v)))
            .collect()
    }

    /// The original JSON of a host-backed argument (`None` for other values).
    pub(crate) fn json_of(&self, obj: &MontyObject) -> Option<&Value> {
        let MontyObject::ClassInstance(inst) = obj else {
            return None;
        };
        let (_, entry) = self.objects.get(inst.instance_id)?;
        self.objects.resolve(self.vars, &entry.src)
    }

    /// `ak_is_group_member(user, **filters)`: matched against the user's (recursive) groups;
    /// forwarded to the host only when the user object carries no groups.
    async fn is_group_member(
        &mut self,
        args: &[MontyObject],
        kwargs: &[(MontyObject, MontyObject)],
        host: &mut dyn ExprHost,
    ) -> Handled {
        let filters = self.kwargs_json(kwargs);
        match args.first() {
            Some(MontyObject::None) | None => reply(Reply::Raise(
                ExcType::AttributeError,
                "'NoneType' object has no attribute 'all_groups'".to_owned(),
            )),
            Some(user) => {
                if let Some(groups) = self
                    .json_of(user)
                    .and_then(|u| u.get("groups"))
                    .and_then(Value::as_array)
                {
                    let member = groups.iter().any(|g| lookup::matches(g, &filters));
                    return reply(Reply::Value(MontyObject::Bool(member)));
                }
                let args = self.args_json(args);
                self.host_call("ak_is_group_member", args, filters, host)
                    .await
            }
        }
    }

    /// Registers an engine object and returns its sandbox instance.
    pub(crate) fn engine_object(
        &mut self,
        kind: Kind,
        class: &str,
        attrs: Vec<(MontyObject, MontyObject)>,
    ) -> MontyObject {
        let id = self
            .objects
            .add(kind, class.to_owned(), super::objects::Src::None, &FULL);
        super::objects::instance(class, id, attrs)
    }
}
