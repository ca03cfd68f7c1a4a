//! The entry walk shared by apply and plan: conditions, identifiers, state reconciliation,
//! `!KeyOf` bookkeeping, permissions.

use serde_json::{Map, Value};

use crate::context;
use crate::diff::changes;
use crate::eval::{EvalContext, EvalError, KeyRef, RegistryResolver, eval, eval_map};
use crate::model::{Blueprint, Entry, State};
use crate::node::{Mark, Node};
use crate::python::truthy;
use crate::registry::{ModelRegistry, PermissionGrant, RegistryError};
use crate::report::{Action, ApplyError, ApplyOptions, ApplyReport, EntryError, EntryOutcome};
use crate::validate::validate;

/// Whether the walk writes or only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Create, update, delete, apply dependencies.
    Apply,
    /// Read only; report what would happen.
    Plan,
}

/// A failure inside one entry, before it is tied to the entry.
struct Failure {
    mark: Mark,
    message: String,
    fields: Map<String, Value>,
}

impl From<EvalError> for Failure {
    fn from(e: EvalError) -> Self {
        Self {
            mark: e.mark,
            message: e.message,
            fields: Map::new(),
        }
    }
}

/// Walks every entry of `blueprint` in order.
pub(crate) async fn run(
    blueprint: &Blueprint,
    options: &ApplyOptions,
    registry: &mut dyn ModelRegistry,
    mode: Mode,
) -> Result<ApplyReport, ApplyError> {
    let errors = {
        let reg: &dyn ModelRegistry = registry;
        validate(blueprint, &|m| reg.supports(m))
    };
    if !errors.is_empty() {
        return Err(ApplyError::Invalid(errors));
    }
    let mut cx = EvalContext {
        context: context::merged(
            &options.default_context,
            &blueprint.context,
            &options.context,
        ),
        env: options.env.clone(),
        ..EvalContext::default()
    };
    let mut report = ApplyReport::default();
    for (index, entry) in blueprint.entries.iter().enumerate() {
        match run_entry(entry, index, &mut cx, registry, mode, &mut report.logs).await {
            Ok(outcome) => report.entries.push(outcome),
            Err(f) => {
                return Err(ApplyError::Entry(Box::new(EntryError {
                    index,
                    model: entry.model.clone(),
                    id: entry.id.clone(),
                    mark: f.mark,
                    message: f.message,
                    fields: f.fields,
                    completed: report,
                })));
            }
        }
    }
    Ok(report)
}

/// Runs one entry.
async fn run_entry(
    entry: &Entry,
    index: usize,
    cx: &mut EvalContext,
    registry: &mut dyn ModelRegistry,
    mode: Mode,
    logs: &mut Vec<String>,
) -> Result<EntryOutcome, Failure> {
    cx.entry_model.clone_from(&entry.model);
    let label = format!("entry {} ({})", index + 1, entry.model);
    let mut outcome = EntryOutcome {
        index,
        model: entry.model.clone(),
        id: entry.id.clone(),
        mark: entry.mark,
        identifiers: Map::new(),
        pk: None,
        action: Action::Skipped,
    };
    for condition in &entry.conditions {
        let value = eval(condition, cx, &mut RegistryResolver(registry)).await?;
        if !truthy(&value) {
            logs.push(format!("{label}: a condition is false, skipped"));
            return Ok(outcome);
        }
    }
    if entry.is_meta() {
        return meta(entry, outcome, cx, registry, mode, logs, &label).await;
    }
    let identifiers = identifiers(entry, cx, registry).await?;
    outcome.identifiers.clone_from(&identifiers);
    let found = registry
        .find(&entry.model, &identifiers)
        .await
        .map_err(|e| registry_failure(e, entry))?;
    if entry.state == State::Absent {
        outcome.action = match found {
            Some(found) => {
                if mode == Mode::Apply {
                    registry
                        .delete(&entry.model, &found.pk)
                        .await
                        .map_err(|e| registry_failure(e, entry))?;
                }
                outcome.pk = Some(found.pk);
                Action::Deleted
            }
            None => Action::Unchanged,
        };
        return Ok(outcome);
    }
    let attrs = match entry.attrs.as_map() {
        Some(items) => eval_map(items, cx, &mut RegistryResolver(registry)).await?,
        None => Map::new(),
    };
    let (pk, placeholder) = match found {
        Some(found) => {
            match entry.state {
                State::MustCreated => {
                    return Err(Failure {
                        mark: entry.mark,
                        message: "State is set to must_created and object exists already"
                            .to_owned(),
                        fields: Map::new(),
                    });
                }
                State::Created => outcome.action = Action::Unchanged,
                // `Absent` returned above.
                State::Present | State::Absent => {
                    let changed = changes(&attrs, &found.attrs);
                    if changed.is_empty() {
                        outcome.action = Action::Unchanged;
                    } else {
                        if mode == Mode::Apply {
                            registry
                                .update(&entry.model, &found.pk, attrs)
                                .await
                                .map_err(|e| registry_failure(e, entry))?;
                        }
                        outcome.action = Action::Updated { changed };
                    }
                }
            }
            (found.pk, false)
        }
        None => {
            // As authentik: identifiers are merged over attrs (identifiers listed first).
            let mut fields = identifiers;
            for (key, value) in attrs {
                fields.entry(key).or_insert(value);
            }
            let pk = match mode {
                Mode::Apply => registry
                    .create(&entry.model, fields.clone())
                    .await
                    .map_err(|e| registry_failure(e, entry))?,
                Mode::Plan => Value::String(placeholder(entry, index)),
            };
            outcome.action = Action::Created { fields };
            (pk, mode == Mode::Plan)
        }
    };
    if let Some(id) = &entry.id {
        cx.ids.insert(
            id.clone(),
            KeyRef {
                model: entry.model.clone(),
                pk: pk.clone(),
                placeholder,
            },
        );
    }
    permissions(entry, &pk, cx, registry, mode, logs, &label).await?;
    outcome.pk = Some(pk);
    Ok(outcome)
}

/// The dry-run stand-in pk of an object that would be created.
fn placeholder(entry: &Entry, index: usize) -> String {
    match &entry.id {
        Some(id) => format!("(new: {id})"),
        None => format!("(new: entry {})", index + 1),
    }
}

/// Evaluates identifiers; a `{pk: ...}` mapping value stands for that pk (as authentik does).
async fn identifiers(
    entry: &Entry,
    cx: &mut EvalContext,
    registry: &mut dyn ModelRegistry,
) -> Result<Map<String, Value>, Failure> {
    let items = entry.identifiers.as_map().unwrap_or_default();
    let mut out = eval_map(items, cx, &mut RegistryResolver(registry)).await?;
    for value in out.values_mut() {
        if let Some(pk) = value.as_object().and_then(|o| o.get("pk")).cloned() {
            *value = pk;
        }
    }
    if out.is_empty() {
        return Err(Failure {
            mark: entry.identifiers.mark,
            message: "No or invalid identifiers".to_owned(),
            fields: Map::new(),
        });
    }
    Ok(out)
}

/// `authentik_blueprints.metaapplyblueprint`: applies another blueprint first.
async fn meta(
    entry: &Entry,
    mut outcome: EntryOutcome,
    cx: &mut EvalContext,
    registry: &mut dyn ModelRegistry,
    mode: Mode,
    logs: &mut Vec<String>,
    label: &str,
) -> Result<EntryOutcome, Failure> {
    let items = entry.attrs.as_map().unwrap_or_default();
    let attrs = eval_map(items, cx, &mut RegistryResolver(registry)).await?;
    let fail = |field: &str, message: &str| Failure {
        mark: entry.attrs.get(field).map_or(entry.attrs.mark, |n| n.mark),
        message: message.to_owned(),
        fields: Map::from_iter([(field.to_owned(), Value::from(vec![message]))]),
    };
    let Some(Value::Object(identifiers)) = attrs.get("identifiers") else {
        return Err(fail(
            "identifiers",
            "This field is required and must be a mapping.",
        ));
    };
    let required = match attrs.get("required") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(fail("required", "Must be a valid boolean.")),
    };
    if mode == Mode::Apply {
        registry
            .apply_meta(identifiers, required)
            .await
            .map_err(|e| registry_failure(e, entry))?;
    } else {
        logs.push(format!(
            "{label}: would apply the blueprint matching {}",
            Value::Object(identifiers.clone())
        ));
    }
    outcome.identifiers.clone_from(identifiers);
    outcome.action = Action::AppliedBlueprint { required };
    Ok(outcome)
}

/// Grants the entry's object-level permissions.
async fn permissions(
    entry: &Entry,
    pk: &Value,
    cx: &mut EvalContext,
    registry: &mut dyn ModelRegistry,
    mode: Mode,
    logs: &mut Vec<String>,
    label: &str,
) -> Result<(), Failure> {
    for p in &entry.permissions {
        let permission = match eval(&p.permission, cx, &mut RegistryResolver(registry)).await? {
            Value::String(s) => s,
            other => {
                return Err(Failure {
                    mark: p.permission.mark,
                    message: format!("`permission` must be a string, got {other}"),
                    fields: Map::new(),
                });
            }
        };
        let user = optional(p.user.as_ref(), cx, registry).await?;
        let role = optional(p.role.as_ref(), cx, registry).await?;
        let grant = PermissionGrant {
            permission,
            user,
            role,
        };
        match mode {
            Mode::Apply => registry
                .grant_permission(&entry.model, pk, &grant)
                .await
                .map_err(|e| Failure {
                    mark: p.mark,
                    message: e.to_string(),
                    fields: Map::new(),
                })?,
            Mode::Plan => logs.push(format!("{label}: would grant `{}`", grant.permission)),
        }
    }
    Ok(())
}

/// Evaluates an optional node.
async fn optional(
    node: Option<&Node>,
    cx: &mut EvalContext,
    registry: &mut dyn ModelRegistry,
) -> Result<Option<Value>, Failure> {
    match node {
        None => Ok(None),
        Some(n) => Ok(Some(eval(n, cx, &mut RegistryResolver(registry)).await?)),
    }
}

/// Ties a registry error to the entry: field errors point at the first failing field that is
/// written in `attrs` or `identifiers`.
fn registry_failure(e: RegistryError, entry: &Entry) -> Failure {
    let (mark, fields) = match &e {
        RegistryError::Fields(fields) => {
            let mark = fields
                .keys()
                .find_map(|f| entry.attrs.get(f).or_else(|| entry.identifiers.get(f)))
                .map_or(entry.mark, |n| n.mark);
            (mark, fields.clone())
        }
        _ => (entry.mark, Map::new()),
    };
    Failure {
        mark,
        message: e.to_string(),
        fields,
    }
}
