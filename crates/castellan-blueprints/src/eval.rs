//! Evaluating a [`Node`] (tags included) to a JSON value for one entry.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Number, Value};

use crate::node::{Mark, Node, NodeValue, Tag, TagForm, TagKind};
use crate::python::truthy;
use crate::registry::{Found, ModelRegistry, RegistryError};
use crate::tags_eval;

/// A boxed future, for the recursive evaluation.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The object an entry with an `id` produced, for `!KeyOf`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRef {
    /// The entry's model.
    pub model: String,
    /// The object's pk (a placeholder string during a dry run when it would be created).
    pub pk: Value,
    /// Whether `pk` is a dry-run placeholder rather than a real key.
    pub placeholder: bool,
}

/// Everything tags can see while an entry is evaluated.
#[derive(Debug, Clone, Default)]
pub struct EvalContext {
    /// Objects produced by earlier entries, by their `id`.
    pub ids: BTreeMap<String, KeyRef>,
    /// The merged context (blueprint defaults overridden by the instance context).
    pub context: BTreeMap<String, Node>,
    /// Environment variables visible to `!Env` (injected; this crate never reads the process
    /// environment).
    pub env: BTreeMap<String, String>,
    /// The model of the entry being evaluated (for `!KeyOf` of policy-binding targets).
    pub entry_model: String,
    /// `!Enumerate` frames, innermost last; `None` while an iterable is being evaluated.
    pub(crate) stack: Vec<Option<(Value, Value)>>,
}

/// An evaluation failure, at the tag that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{mark}: {message}")]
pub struct EvalError {
    /// Where the failing tag is written.
    pub mark: Mark,
    /// What went wrong.
    pub message: String,
}

impl EvalError {
    /// An error at `mark`.
    pub(crate) fn at(mark: Mark, message: impl Into<String>) -> Self {
        Self {
            mark,
            message: message.into(),
        }
    }
}

/// The database lookups tags need (`!Find`, `!FindObject`, `!KeyOf`).
#[async_trait::async_trait]
pub trait Resolver: Send {
    /// The first object of `model` matching all filters.
    async fn find_first(
        &mut self,
        model: &str,
        filters: &[(String, Value)],
    ) -> Result<Option<Found>, RegistryError>;

    /// The value `!KeyOf` yields (see [`ModelRegistry::key_of`]).
    async fn key_of(
        &mut self,
        model: &str,
        pk: &Value,
        referring_model: &str,
    ) -> Result<Value, RegistryError>;
}

/// Resolves through a [`ModelRegistry`].
pub struct RegistryResolver<'a>(pub &'a mut dyn ModelRegistry);

#[async_trait::async_trait]
impl Resolver for RegistryResolver<'_> {
    async fn find_first(
        &mut self,
        model: &str,
        filters: &[(String, Value)],
    ) -> Result<Option<Found>, RegistryError> {
        self.0.find_first(model, filters).await
    }

    async fn key_of(
        &mut self,
        model: &str,
        pk: &Value,
        referring_model: &str,
    ) -> Result<Value, RegistryError> {
        self.0.key_of(model, pk, referring_model).await
    }
}

/// Evaluates `node` to JSON, resolving every tag.
pub fn eval<'a>(
    node: &'a Node,
    cx: &'a mut EvalContext,
    resolver: &'a mut dyn Resolver,
) -> BoxFuture<'a, Result<Value, EvalError>> {
    Box::pin(async move {
        Ok(match &node.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::Number(Number::from(*i)),
            NodeValue::Float(f) => Number::from_f64(*f).map(Value::Number).ok_or_else(|| {
                EvalError::at(node.mark, "infinite or NaN numbers cannot be stored")
            })?,
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(eval(item, cx, resolver).await?);
                }
                Value::Array(out)
            }
            NodeValue::Map(entries) => Value::Object(eval_map(entries, cx, resolver).await?),
            NodeValue::Tag(tag) => eval_tag(tag, node.mark, cx, resolver).await?,
        })
    })
}

/// Evaluates the values of a mapping.
pub(crate) async fn eval_map(
    entries: &[crate::node::MapEntry],
    cx: &mut EvalContext,
    resolver: &mut dyn Resolver,
) -> Result<Map<String, Value>, EvalError> {
    let mut out = Map::new();
    for e in entries {
        let v = eval(&e.value, cx, resolver).await?;
        out.insert(e.key.clone(), v);
    }
    Ok(out)
}

/// Evaluates one tag.
async fn eval_tag(
    tag: &Tag,
    mark: Mark,
    cx: &mut EvalContext,
    resolver: &mut dyn Resolver,
) -> Result<Value, EvalError> {
    let name = tag.kind.name();
    let arg = |i: usize| {
        tag.args
            .get(i)
            .ok_or_else(|| EvalError::at(mark, format!("`!{name}` is missing argument {}", i + 1)))
    };
    match tag.kind {
        TagKind::KeyOf => {
            let id = string(eval(arg(0)?, cx, resolver).await?, mark, "KeyOf")?;
            let Some(target) = cx.ids.get(&id).cloned() else {
                return Err(EvalError::at(
                    mark,
                    format!("KeyOf: failed to find entry with `id` of `{id}` and a model instance"),
                ));
            };
            if target.placeholder {
                return Ok(target.pk);
            }
            resolver
                .key_of(&target.model, &target.pk, &cx.entry_model)
                .await
                .map_err(|e| EvalError::at(mark, format!("`!KeyOf {id}`: {e}")))
        }
        TagKind::Find | TagKind::FindObject => {
            let found = tags_eval::find(tag, mark, cx, resolver).await?;
            Ok(match (tag.kind, found) {
                (_, None) => Value::Null,
                (TagKind::Find, Some(f)) => f.pk,
                (_, Some(f)) => {
                    let mut data = f.attrs;
                    if !data.contains_key("pk") {
                        data.insert("pk".to_owned(), f.pk);
                    }
                    Value::Object(data)
                }
            })
        }
        TagKind::Env | TagKind::Context => {
            let (key, default) = match tag.form {
                TagForm::Scalar => (eval(arg(0)?, cx, resolver).await?, None),
                TagForm::Sequence => (eval(arg(0)?, cx, resolver).await?, tag.args.get(1)),
            };
            let key = string(key, mark, name)?;
            if tag.kind == TagKind::Env {
                if let Some(v) = cx.env.get(&key).filter(|v| !v.is_empty()) {
                    return Ok(Value::String(v.clone()));
                }
            } else if let Some(v) = cx.context.get(&key).cloned() {
                return eval(&v, cx, resolver).await;
            }
            match default {
                Some(d) => eval(d, cx, resolver).await,
                None => Ok(Value::Null),
            }
        }
        TagKind::Format => {
            let format = string(eval(arg(0)?, cx, resolver).await?, mark, "Format")?;
            let mut values = Vec::new();
            for a in tag.args.iter().skip(1) {
                values.push(eval(a, cx, resolver).await?);
            }
            crate::python::percent_format(&format, &values)
                .map(Value::String)
                .map_err(|e| EvalError::at(mark, format!("`!Format`: {e}")))
        }
        TagKind::If => {
            let cond = truthy(&eval(arg(0)?, cx, resolver).await?);
            if tag.args.len() == 1 {
                return Ok(Value::Bool(cond));
            }
            let branch = if cond { arg(1)? } else { arg(2)? };
            eval(branch, cx, resolver).await
        }
        TagKind::Condition => tags_eval::condition(tag, mark, cx, resolver).await,
        TagKind::Enumerate => tags_eval::enumerate(tag, mark, cx, resolver).await,
        TagKind::Index | TagKind::Value => tags_eval::enumerated_item(tag, mark, cx),
        TagKind::AtIndex => tags_eval::at_index(tag, mark, cx, resolver).await,
        TagKind::ParseJson => {
            let raw = string(eval(arg(0)?, cx, resolver).await?, mark, "ParseJSON")?;
            serde_json::from_str(&raw)
                .map_err(|e| EvalError::at(mark, format!("`!ParseJSON`: invalid JSON: {e}")))
        }
    }
}

/// The string of a value, or an error naming the tag.
pub(crate) fn string(v: Value, mark: Mark, tag: &str) -> Result<String, EvalError> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(EvalError::at(
            mark,
            format!("`!{tag}` needs a string here, got {other}"),
        )),
    }
}
