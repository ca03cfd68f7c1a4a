//! Methods of host-backed objects: users, `ak_groups` managers and group querysets,
//! `ak_logger`, model placeholders. Unknown methods of tagged objects are forwarded to the
//! host as `"<$type>.<method>"`.
use monty_types::{ExcType, MontyObject, MontyUuid, NameLookupResult};
use serde_json::{Map, Value};

use super::calls::{Handled, reply};
use super::merge::group_attributes;
use super::objects::Kind;
use super::percent::{self, py_str};
use super::queries::group_query;
use super::session::{Reply, Session};
use crate::expr::ExprHost;

const LOG_LEVELS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
];

impl Session<'_> {
    /// A method call on the host object `id`.
    pub(crate) async fn method(
        &mut self,
        id: MontyUuid,
        name: &str,
        args: &[MontyObject],
        kwargs: &[(MontyObject, MontyObject)],
        host: &mut dyn ExprHost,
    ) -> Handled {
        let Some((entry_id, entry)) = self.objects.get(id) else {
            return reply(Reply::Raise(
                ExcType::AttributeError,
                format!("object has no attribute '{name}'"),
            ));
        };
        let class = entry.class.clone();
        match entry.kind.clone() {
            Kind::Tagged(type_name) => {
                self.tagged_method(entry_id, &type_name, name, args, kwargs, host)
                    .await
            }
            Kind::GroupManager { user } => {
                let groups = self.direct_groups(user);
                reply(group_query(self, groups, name, args, kwargs))
            }
            Kind::GroupQuery { groups } => reply(group_query(self, groups, name, args, kwargs)),
            Kind::Logger if LOG_LEVELS.contains(&name) => {
                self.log_call(name, args, kwargs);
                reply(Reply::Value(MontyObject::None))
            }
            Kind::Model { label } => {
                self.model_method(label, Map::new(), name, args, kwargs, host)
                    .await
            }
            Kind::ModelQuery { label, filters } => {
                self.model_method(label, filters, name, args, kwargs, host)
                    .await
            }
            Kind::Logger | Kind::Namespace => reply(Reply::Raise(
                ExcType::AttributeError,
                format!("'{class}' object has no attribute '{name}'"),
            )),
        }
    }

    fn log_call(
        &mut self,
        level: &str,
        args: &[MontyObject],
        kwargs: &[(MontyObject, MontyObject)],
    ) {
        let mut line = format!("{level}: {}", args.first().map(py_str).unwrap_or_default());
        for (key, value) in kwargs {
            line.push_str(&format!(" {}={}", py_str(key), py_str(value)));
        }
        tracing::debug!(target: "castellan_policy::expr", "{line}");
        self.log.push(line);
    }

    /// The groups `user.ak_groups` lists: `ak_groups` (direct groups) when the user carries
    /// it, otherwise `groups`.
    fn direct_groups(&self, user: u32) -> Vec<Value> {
        let Some(entry) = self.objects.by_id(user) else {
            return Vec::new();
        };
        let Some(json) = self.objects.resolve(self.vars, &entry.src) else {
            return Vec::new();
        };
        json.get("ak_groups")
            .or_else(|| json.get("groups"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }

    async fn tagged_method(
        &mut self,
        entry_id: u32,
        type_name: &str,
        name: &str,
        args: &[MontyObject],
        kwargs: &[(MontyObject, MontyObject)],
        host: &mut dyn ExprHost,
    ) -> Handled {
        let json = self
            .objects
            .by_id(entry_id)
            .and_then(|e| self.objects.resolve(self.vars, &e.src))
            .cloned()
            .unwrap_or(Value::Null);
        let value = match (type_name, name) {
            ("user", "has_usable_password") => Some(Value::Bool(
                json.get("has_usable_password")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
            )),
            ("user", "group_attributes") => {
                let brand = args
                    .first()
                    .and_then(|a| self.json_of(a))
                    .and_then(|r| r.get("brand"))
                    .cloned();
                Some(group_attributes(&json, brand.as_ref()))
            }
            ("user", "locale") => Some(
                json.pointer("/attributes/settings/locale")
                    .cloned()
                    .filter(Value::is_string)
                    .unwrap_or_else(|| Value::String(String::new())),
            ),
            ("user", "all_groups") => {
                let groups = json
                    .get("groups")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let obj = self.import_json(Value::Array(groups), Some("group"));
                return reply(Reply::Value(obj));
            }
            (_, "get_user_path") if json.get("slug").is_some() => return reply(user_path(&json)),
            _ => None,
        };
        if let Some(value) = value {
            return reply(Reply::Value(self.import_json(value, None)));
        }
        let mut all_args = vec![json];
        all_args.extend(self.args_json(args));
        let kwargs = self.kwargs_json(kwargs);
        self.host_call(&format!("{type_name}.{name}"), all_args, kwargs, host)
            .await
    }

    /// A lazy attribute read on a host object (an attribute that was not copied in).
    pub(crate) fn lazy_attr(&mut self, id: MontyUuid, name: &str) -> NameLookupResult {
        let Some((entry_id, entry)) = self.objects.get(id) else {
            return NameLookupResult::Undefined;
        };
        let Kind::Tagged(type_name) = entry.kind.clone() else {
            return NameLookupResult::Undefined;
        };
        let Some(json) = self.objects.resolve(self.vars, &entry.src) else {
            return NameLookupResult::Undefined;
        };
        if type_name == "user" && name == "ak_groups" {
            let manager = self.engine_object(
                Kind::GroupManager { user: entry_id },
                "ManyRelatedManager",
                Vec::new(),
            );
            return NameLookupResult::Value(manager);
        }
        let Some(value) = json.get(name).cloned() else {
            return NameLookupResult::Undefined;
        };
        let implicit = (type_name == "user" && name == "groups").then_some("group");
        NameLookupResult::Value(self.import_json(value, implicit))
    }
}

/// authentik's `Source.get_user_path()`: the template with `%(slug)s` substituted, falling
/// back to `goauthentik.io/sources/<slug>`.
fn user_path(source: &Value) -> Reply {
    let slug = source
        .get("slug")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let template = source
        .get("user_path_template")
        .and_then(Value::as_str)
        .unwrap_or("goauthentik.io/sources/%(slug)s");
    let mapping = MontyObject::dict(vec![(py_str_obj("slug"), py_str_obj(slug))]);
    match percent::format(template, &mapping) {
        Ok(path) => Reply::Value(MontyObject::String(path)),
        Err(_) => Reply::Value(MontyObject::String(format!(
            "goauthentik.io/sources/{slug}"
        ))),
    }
}

fn py_str_obj(s: &str) -> MontyObject {
    MontyObject::String(s.to_owned())
}
