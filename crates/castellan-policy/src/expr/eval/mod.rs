//! Evaluation: converts the inputs, runs the compiled module with monty (suspending for
//! helpers, host functions and methods of host objects), and converts the result and the
//! changed variables back.
mod calls;
mod ip;
mod lookup;
mod merge;
mod methods;
mod objects;
mod percent;
mod queries;
mod session;
mod to_json;
mod to_monty;

use monty_types::{MontyObject, PrintWriter, ResourceLimits, ResourceTracker};
use serde_json::{Map, Value};

use crate::expr::compile::Compiled;
use crate::expr::compile::analysis::{FULL, Usage};
use crate::expr::compile::modules::Binding;
use crate::expr::compile::program::SpecKey;
use crate::expr::{Budget, ExprError, ExprHost, ExprInputs, ExprOutcome};
use objects::{Kind, py_str};
use session::Session;
use to_json::ToJson;
use to_monty::ToMonty;

/// Usage of a variable the body only assigns.
static UNREAD: Usage = Usage::Partial(Vec::new());

fn is_tagged(value: Option<&Value>, type_name: &str) -> bool {
    value.and_then(|v| v.get("$type")).and_then(Value::as_str) == Some(type_name)
}

/// Evaluates `compiled` with `inputs`.
pub(crate) async fn evaluate(
    compiled: &Compiled,
    inputs: ExprInputs,
    host: &mut dyn ExprHost,
    budget: &Budget,
) -> Result<ExprOutcome, ExprError> {
    let mut vars = inputs.vars;
    let params: Vec<String> = compiled
        .analysis
        .names
        .iter()
        .filter(|n| vars.contains_key(*n) && !n.starts_with("_ak_"))
        .cloned()
        .collect();
    let has = |n: &str| params.iter().any(|p| p == n);
    let alias = has("request")
        && has("context")
        && is_tagged(vars.get("request"), "policy_request")
        && vars.get("context").is_some_and(Value::is_object);
    let wrap_ip = compiled.ip_prelude
        && has("ak_client_ip")
        && vars.get("ak_client_ip").is_some_and(Value::is_string);
    let key = compiled.key_for(&params, alias, wrap_ip);
    let run = compiled.spec(key.clone())?;

    let (value, changed, messages, log) = {
        let mut session = Session::new(compiled, &vars, budget);
        let monty_inputs = build_inputs(&mut session, &key, alias);
        let limits = ResourceLimits {
            max_duration: Some(budget.time),
            max_memory: Some(budget.max_allocation),
            max_recursion_depth: budget.max_recursion_depth,
            max_suspensions: budget.max_host_calls,
            ..ResourceLimits::default()
        };
        let mut print = String::new();
        let progress = run
            .start(
                monty_inputs,
                ResourceTracker::new(limits),
                PrintWriter::CollectString(&mut print, Some(64 * 1024)),
            )
            .map_err(|e| session.error(e))?;
        session.print = print;
        let result = session.drive(progress, host).await?;
        let (value, changed) = read_back(&session, &key, alias, &result);
        let mut log = std::mem::take(&mut session.log);
        log.extend(session.print.lines().map(|l| format!("print: {l}")));
        (value, changed, std::mem::take(&mut session.messages), log)
    };
    for (name, new) in changed {
        vars.insert(name, new);
    }
    if !compiled.analysis.pure {
        sync_context(&mut vars, &params);
    }
    Ok(ExprOutcome {
        value,
        messages,
        vars,
        log,
    })
}

/// Monty inputs for `key`: the parameters (converted as far as the body reads them), then
/// the engine globals.
fn build_inputs(session: &mut Session<'_>, key: &SpecKey, alias: bool) -> Vec<MontyObject> {
    let mut out = Vec::with_capacity(key.params.len() + key.globals.len());
    let vars = session.vars;
    let analysis = &session.compiled.analysis;
    for name in &key.params {
        let Some(value) = vars.get(name) else {
            out.push(MontyObject::None);
            continue;
        };
        let usage = if alias && name == "context" {
            &FULL
        } else {
            analysis.usage.get(name).unwrap_or(&UNREAD)
        };
        let mut conv = ToMonty::new(session.objects.next_id(), Some(name.as_str()), None);
        if alias && name == "request" {
            conv = conv.skipping_request_context();
        }
        out.push(conv.value(value, usage, None));
        let entries = conv.entries;
        session.objects.extend(entries);
    }
    let imports = &session.compiled.imports;
    for name in &key.globals {
        let obj = match name.as_str() {
            "ak_logger" => session.engine_object(Kind::Logger, "BoundLogger", Vec::new()),
            "ak_is_sso_flow" => MontyObject::Bool(false),
            other => match imports.iter().find(|(n, _)| n == other).map(|(_, b)| *b) {
                Some(binding) => import_object(session, binding),
                None => MontyObject::Function {
                    name: other.to_owned(),
                    docstring: None,
                },
            },
        };
        out.push(obj);
    }
    out
}

/// The sandbox value of an imported authentik name.
fn import_object(session: &mut Session<'_>, binding: Binding) -> MontyObject {
    match binding {
        Binding::Namespace(class, attrs) => {
            let attrs = attrs.iter().map(|(k, v)| (py_str(k), py_str(v))).collect();
            session.engine_object(Kind::Namespace, class, attrs)
        }
        Binding::Model(label, class) => {
            let manager = session.engine_object(Kind::Model { label }, "Manager", Vec::new());
            session.engine_object(
                Kind::Model { label },
                class,
                vec![(py_str("objects"), manager)],
            )
        }
        Binding::KwargsDict(name) | Binding::Helper(name) => MontyObject::Function {
            name: name.to_owned(),
            docstring: None,
        },
        Binding::Const(_) => MontyObject::None,
    }
}

/// Converts the module's final value: the result, and (for bodies that may mutate) the
/// parameters after the call, laid over their original JSON.
fn read_back(
    session: &Session<'_>,
    key: &SpecKey,
    alias: bool,
    result: &MontyObject,
) -> (Value, Vec<(String, Value)>) {
    let conv = ToJson {
        objects: &session.objects,
        vars: session.vars,
    };
    let returns_params = key.return_params && !key.params.is_empty();
    let (ret, params) = match result {
        MontyObject::Tuple(items) if returns_params => match items.split_first() {
            Some((ret, rest)) => (ret, rest),
            None => (result, &[][..]),
        },
        _ => (result, &[][..]),
    };
    let value = conv.value(ret);
    let mut changed = Vec::new();
    for (name, obj) in key.params.iter().zip(params) {
        let orig = session.vars.get(name);
        if !orig.is_some_and(|v| v.is_object() || v.is_array()) {
            continue;
        }
        let usage = if alias && name == "context" {
            &FULL
        } else {
            session.compiled.analysis.usage.get(name).unwrap_or(&UNREAD)
        };
        changed.push((name.clone(), conv.overlay(orig, obj, usage, 0)));
    }
    (value, changed)
}

/// Keeps `context` and `request.context` identical (authentik: the same dict).
fn sync_context(vars: &mut Map<String, Value>, params: &[String]) {
    let has = |n: &str| params.iter().any(|p| p == n);
    if !is_tagged(vars.get("request"), "policy_request")
        || !vars.get("context").is_some_and(Value::is_object)
    {
        return;
    }
    if has("context") {
        let context = vars.get("context").cloned();
        if let (Some(Value::Object(request)), Some(context)) = (vars.get_mut("request"), context) {
            request.insert("context".to_owned(), context);
        }
    } else if has("request") {
        let context = vars.get("request").and_then(|r| r.get("context")).cloned();
        if let Some(context) = context {
            vars.insert("context".to_owned(), context);
        }
    }
}
