//! Django-queryset look-alikes: `user.ak_groups.all()/filter()/exists()/…` evaluated on the
//! user's groups, and model placeholders (`Flow.objects.filter(…).update(…)`) forwarded to
//! the host's `model_update` / `model_query`.
use monty_types::{ExcType, MontyObject};
use serde_json::{Map, Value};

use super::calls::Handled;
use super::lookup;
use super::objects::Kind;
use super::session::{Reply, Session};
use super::to_json::key_string;
use crate::expr::ExprHost;

fn kwarg<'k>(kwargs: &'k [(MontyObject, MontyObject)], name: &str) -> Option<&'k MontyObject> {
    kwargs
        .iter()
        .find(|(k, _)| matches!(k, MontyObject::String(s) if s == name))
        .map(|(_, v)| v)
}

fn field_names(args: &[MontyObject]) -> Vec<String> {
    args.iter().map(key_string).collect()
}

fn project(objects: &[Value], fields: &[String], flat: bool, dicts: bool) -> Value {
    Value::Array(
        objects
            .iter()
            .map(|o| {
                let get = |f: &String| o.get(f).cloned().unwrap_or(Value::Null);
                if dicts {
                    Value::Object(fields.iter().map(|f| (f.clone(), get(f))).collect())
                } else if flat && fields.len() == 1 {
                    fields.first().map(get).unwrap_or(Value::Null)
                } else {
                    Value::Array(fields.iter().map(get).collect())
                }
            })
            .collect(),
    )
}

/// Reads shared by group querysets and model querysets; `None` when `name` is not a read.
fn read(
    session: &mut Session<'_>,
    rows: Vec<Value>,
    name: &str,
    args: &[MontyObject],
    kwargs: &[(MontyObject, MontyObject)],
    what: &str,
) -> Option<Reply> {
    Some(match name {
        "all" => Reply::Value(session.import_json(Value::Array(rows), Some(what))),
        "exists" => Reply::Value(MontyObject::Bool(!rows.is_empty())),
        "count" => Reply::Value(MontyObject::Int(
            i64::try_from(rows.len()).unwrap_or(i64::MAX),
        )),
        "first" | "last" => {
            let row = if name == "first" {
                rows.into_iter().next()
            } else {
                rows.into_iter().last()
            };
            match row {
                Some(row) => Reply::Value(session.import_json(row, Some(what))),
                None => Reply::Value(MontyObject::None),
            }
        }
        "get" => {
            let filters = session.kwargs_json(kwargs);
            let mut found: Vec<Value> = rows
                .into_iter()
                .filter(|r| lookup::matches(r, &filters))
                .collect();
            match found.len() {
                1 => Reply::Value(session.import_json(found.remove(0), Some(what))),
                0 => Reply::Raise(
                    ExcType::LookupError,
                    format!("{what} matching query does not exist."),
                ),
                n => Reply::Raise(
                    ExcType::LookupError,
                    format!("get() returned more than one {what} -- it returned {n}!"),
                ),
            }
        }
        "values_list" | "values" => {
            let fields = field_names(args);
            let flat = kwarg(kwargs, "flat").is_some_and(MontyObject::is_truthy);
            Reply::Value(session.import_json(project(&rows, &fields, flat, name == "values"), None))
        }
        _ => return None,
    })
}

/// A method of `user.ak_groups` or of a group queryset over `groups`.
pub(crate) fn group_query(
    session: &mut Session<'_>,
    groups: Vec<Value>,
    name: &str,
    args: &[MontyObject],
    kwargs: &[(MontyObject, MontyObject)],
) -> Reply {
    match name {
        "filter" | "exclude" => {
            let filters = session.kwargs_json(kwargs);
            let keep = name == "filter";
            let groups = groups
                .into_iter()
                .filter(|g| lookup::matches(g, &filters) == keep)
                .collect();
            Reply::Value(session.engine_object(Kind::GroupQuery { groups }, "QuerySet", Vec::new()))
        }
        "order_by" => {
            let mut groups = groups;
            lookup::order_by(&mut groups, &field_names(args));
            Reply::Value(session.engine_object(Kind::GroupQuery { groups }, "QuerySet", Vec::new()))
        }
        _ => read(session, groups, name, args, kwargs, "group").unwrap_or_else(|| {
            Reply::Raise(
                ExcType::AttributeError,
                format!("'QuerySet' object has no attribute '{name}'"),
            )
        }),
    }
}

impl Session<'_> {
    /// A method of a model placeholder (`Model.objects`) or of a model queryset.
    pub(crate) async fn model_method(
        &mut self,
        label: &'static str,
        mut filters: Map<String, Value>,
        name: &str,
        args: &[MontyObject],
        kwargs: &[(MontyObject, MontyObject)],
        host: &mut dyn ExprHost,
    ) -> Handled {
        match name {
            "filter" => {
                filters.extend(self.kwargs_json(kwargs));
                let query =
                    self.engine_object(Kind::ModelQuery { label, filters }, "QuerySet", Vec::new());
                Ok((Reply::Value(query), std::time::Duration::ZERO))
            }
            "update" => {
                let values = Value::Object(self.kwargs_json(kwargs));
                let args = vec![
                    Value::String(label.to_owned()),
                    Value::Object(filters),
                    values,
                ];
                self.host_call("model_update", args, Map::new(), host).await
            }
            "all" | "exists" | "count" | "first" | "last" | "get" | "values_list" | "values" => {
                let started = std::time::Instant::now();
                let result = host
                    .call(
                        "model_query",
                        vec![Value::String(label.to_owned()), Value::Object(filters)],
                        Map::new(),
                    )
                    .await;
                let waited = started.elapsed();
                let rows = match result {
                    Ok(Value::Array(rows)) => rows,
                    Ok(_) => Vec::new(),
                    Err(text) => {
                        let message = format!("{}{text}", super::session::HOST_ERROR);
                        return Ok((Reply::Raise(ExcType::RuntimeError, message), waited));
                    }
                };
                let model = label.rsplit('.').next().unwrap_or(label);
                let reply = read(self, rows, name, args, kwargs, model)
                    .unwrap_or(Reply::Value(MontyObject::None));
                Ok((reply, waited))
            }
            other => Ok((
                Reply::Raise(
                    ExcType::NotImplementedError,
                    format!(
                        "'{other}' is not available on model placeholders in Castellan expressions; \
                         use filter(...).update(...), get(), first(), exists(), count() or all()"
                    ),
                ),
                std::time::Duration::ZERO,
            )),
        }
    }
}
