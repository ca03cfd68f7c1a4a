//! Evaluation of the tags with more involved semantics: `!Find`, `!Condition`, `!Enumerate`
//! with `!Index`/`!Value`, and `!AtIndex`.

use serde_json::{Map, Value};

use crate::eval::{EvalContext, EvalError, Resolver, eval, string};
use crate::node::{Mark, NodeValue, Tag, TagKind};
use crate::python::{py_repr, py_str, truthy};
use crate::registry::Found;

/// `!Find` / `!FindObject`: the first object matching all `[field, value]` pairs.
pub(crate) async fn find(
    tag: &Tag,
    mark: Mark,
    cx: &mut EvalContext,
    resolver: &mut dyn Resolver,
) -> Result<Option<Found>, EvalError> {
    let name = tag.kind.name();
    let Some(model_node) = tag.args.first() else {
        return Err(EvalError::at(mark, format!("`!{name}` needs a model")));
    };
    let model = string(eval(model_node, cx, resolver).await?, model_node.mark, name)?;
    let mut filters = Vec::new();
    for cond in tag.args.iter().skip(1) {
        let NodeValue::Seq(pair) = &cond.value else {
            return Err(EvalError::at(
                cond.mark,
                format!("`!{name}` conditions must be [field, value] pairs"),
            ));
        };
        let [field, value] = pair.as_slice() else {
            return Err(EvalError::at(
                cond.mark,
                format!("`!{name}` conditions must be [field, value] pairs"),
            ));
        };
        let field = string(eval(field, cx, resolver).await?, field.mark, name)?;
        let value = eval(value, cx, resolver).await?;
        filters.push((field, value));
    }
    resolver
        .find_first(&model, &filters)
        .await
        .map_err(|e| EvalError::at(mark, format!("`!{name}` in `{model}`: {e}")))
}

/// `!Condition [MODE, values...]`.
pub(crate) async fn condition(
    tag: &Tag,
    mark: Mark,
    cx: &mut EvalContext,
    resolver: &mut dyn Resolver,
) -> Result<Value, EvalError> {
    let mode = tag
        .args
        .first()
        .and_then(|n| n.as_str())
        .map(str::to_ascii_uppercase)
        .ok_or_else(|| EvalError::at(mark, "`!Condition` needs a mode"))?;
    let mut values = Vec::new();
    for a in tag.args.iter().skip(1) {
        values.push(truthy(&eval(a, cx, resolver).await?));
    }
    if values.is_empty() {
        return Err(EvalError::at(
            mark,
            "At least one value is required after mode selection.",
        ));
    }
    let all = values.iter().all(|b| *b);
    let any = values.iter().any(|b| *b);
    let xor = values.iter().filter(|b| **b).count() % 2 == 1;
    let result = match mode.as_str() {
        "AND" => all,
        "NAND" => !all,
        "OR" => any,
        "NOR" => !any,
        "XOR" => xor,
        "XNOR" => !xor,
        other => {
            return Err(EvalError::at(
                mark,
                format!(
                    "`!Condition` mode must be one of AND, NAND, OR, NOR, XOR, XNOR, got `{other}`"
                ),
            ));
        }
    };
    Ok(Value::Bool(result))
}

/// `!Enumerate [iterable, SEQ|MAP, template]`.
pub(crate) async fn enumerate(
    tag: &Tag,
    mark: Mark,
    cx: &mut EvalContext,
    resolver: &mut dyn Resolver,
) -> Result<Value, EvalError> {
    let [iterable, output, body] = tag.args.as_slice() else {
        return Err(EvalError::at(
            mark,
            "`!Enumerate` takes [iterable, SEQ|MAP, template]",
        ));
    };
    cx.stack.push(None);
    let items = eval(iterable, cx, resolver).await;
    cx.stack.pop();
    let items: Vec<(Value, Value)> = match items? {
        Value::Array(a) => a
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::from(i), v))
            .collect(),
        Value::Object(o) => o.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
        other => {
            return Err(EvalError::at(
                iterable.mark,
                format!(
                    "Enumerate's iterable must be an iterable such as a sequence or a mapping, got {}",
                    py_repr(&other)
                ),
            ));
        }
    };
    let seq = match output.as_str().map(str::to_ascii_uppercase).as_deref() {
        Some("SEQ") => true,
        Some("MAP") => false,
        _ => {
            return Err(EvalError::at(
                output.mark,
                "`!Enumerate` output must be SEQ or MAP",
            ));
        }
    };
    let mut list = Vec::new();
    let mut map = Map::new();
    for item in items {
        cx.stack.push(Some(item));
        let v = eval(body, cx, resolver).await;
        cx.stack.pop();
        let v = v?;
        if seq {
            list.push(v);
            continue;
        }
        match v {
            Value::Array(pair) if pair.len() == 2 => {
                let mut it = pair.into_iter();
                let (k, val) = (it.next().unwrap_or_default(), it.next().unwrap_or_default());
                merge_into(&mut map, Map::from_iter([(py_str(&k), val)]));
            }
            Value::Object(o) => merge_into(&mut map, o),
            other => {
                return Err(EvalError::at(
                    body.mark,
                    format!("Invalid Enumerate item found: {}", py_repr(&other)),
                ));
            }
        }
    }
    Ok(if seq {
        Value::Array(list)
    } else {
        Value::Object(map)
    })
}

/// Deep-merges `add` into `base` like deepmerge's `always_merger`: mappings merge recursively,
/// lists are appended, anything else is replaced.
pub(crate) fn merge_into(base: &mut Map<String, Value>, add: Map<String, Value>) {
    for (k, v) in add {
        match (base.get_mut(&k), v) {
            (Some(Value::Object(b)), Value::Object(a)) => merge_into(b, a),
            (Some(Value::Array(b)), Value::Array(a)) => b.extend(a),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// `!Index depth` / `!Value depth`.
pub(crate) fn enumerated_item(tag: &Tag, mark: Mark, cx: &EvalContext) -> Result<Value, EvalError> {
    let name = tag.kind.name();
    let depth = match tag.args.first().map(|n| &n.value) {
        Some(NodeValue::Int(d)) if *d >= 0 => usize::try_from(*d).unwrap_or(usize::MAX),
        _ => {
            return Err(EvalError::at(
                mark,
                format!("`!{name}` needs a depth (an integer ≥ 0)"),
            ));
        }
    };
    let n = cx.stack.len();
    if depth >= n {
        return Err(EvalError::at(
            mark,
            if depth == 0 || n == 0 {
                format!("`!{name}` tags are only usable inside an `!Enumerate` tag")
            } else {
                format!(
                    "`!{name}` tag: invalid depth: {depth}. Max depth: {}",
                    n - 1
                )
            },
        ));
    }
    match &cx.stack[n - 1 - depth] {
        None => Err(EvalError::at(
            mark,
            format!(
                "`!{name}` at depth {depth} refers to an `!Enumerate` whose iterable is being evaluated; use a larger depth"
            ),
        )),
        Some((index, value)) => Ok(if tag.kind == TagKind::Index {
            index.clone()
        } else {
            value.clone()
        }),
    }
}

/// `!AtIndex [collection, index_or_key, default?]`.
pub(crate) async fn at_index(
    tag: &Tag,
    mark: Mark,
    cx: &mut EvalContext,
    resolver: &mut dyn Resolver,
) -> Result<Value, EvalError> {
    let (Some(obj), Some(attr)) = (tag.args.first(), tag.args.get(1)) else {
        return Err(EvalError::at(
            mark,
            "`!AtIndex` takes [collection, index_or_key, default?]",
        ));
    };
    let obj = eval(obj, cx, resolver).await?;
    let attr = eval(attr, cx, resolver).await?;
    let missing = match (&obj, &attr) {
        (Value::Array(items), index) => {
            let Some(i) = index.as_i64().or_else(|| index.as_bool().map(i64::from)) else {
                return Err(EvalError::at(
                    mark,
                    format!("Invalid index for list: {}", py_str(index)),
                ));
            };
            let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
            let pos = if i < 0 { i + len } else { i };
            match usize::try_from(pos).ok().and_then(|p| items.get(p)) {
                Some(v) => return Ok(v.clone()),
                None => format!("Index out of range: {i}"),
            }
        }
        (Value::Object(map), key) => match key.as_str().and_then(|k| map.get(k)) {
            Some(v) => return Ok(v.clone()),
            None => format!("Key does not exist: {}", py_str(key)),
        },
        (other, _) => {
            return Err(EvalError::at(
                mark,
                format!(
                    "`!AtIndex` needs a sequence or a mapping, got {}",
                    py_repr(other)
                ),
            ));
        }
    };
    match tag.args.get(2) {
        Some(default) => eval(default, cx, resolver).await,
        None => Err(EvalError::at(mark, missing)),
    }
}
