//! Prompt stage (spec §4.9): shows the configured fields with their resolved choices,
//! placeholders and initial values; validates the response per field type, checks usernames
//! and repeated passwords, runs the validation policies (mode ALL, `prompt_data` in the
//! context) and merges the values into the plan's `prompt_data`. [`preview`] renders one
//! unsaved prompt for the admin API, with expression failures as errors (a dry run).
mod field;
mod validate;

use async_trait::async_trait;
use castellan_flows::context::PENDING_USER;
use castellan_flows::{
    Challenge, EnvError, FlowEnv, FlowRequest, ResponseErrors, StageContext, StageView, Step,
};
use serde_json::{Map, Value};
use uuid::Uuid;

pub use field::{PromptField, Resolved, py_str};

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_prompt.promptstage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-prompt";
/// Plan context key of the collected values.
pub const PROMPT_DATA: &str = "prompt_data";
const PASSWORDS_DIFFER: &str = "Passwords don't match.";
const USERNAME_TAKEN: &str = "Username is already taken.";

/// The prompt stage.
pub struct PromptStage;

fn uuids(config: &Map<String, Value>, key: &str) -> Vec<Uuid> {
    config
        .get(key)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
                .collect()
        })
        .unwrap_or_default()
}

/// The user prompts are shown to: the plan's pending user, else the logged-in user.
fn pending_user(cx: &StageContext<'_>) -> Option<Value> {
    cx.plan
        .context
        .get(PENDING_USER)
        .filter(|u| !u.is_null())
        .cloned()
        .or_else(|| cx.request.user.clone())
}

fn prompt_data(cx: &StageContext<'_>) -> Map<String, Value> {
    cx.plan
        .context
        .get(PROMPT_DATA)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The stage's fields in `order` (ties keep the configured order).
async fn fields(cx: &mut StageContext<'_>) -> Result<Vec<PromptField>, EnvError> {
    let pks = uuids(cx.config(), "fields");
    let stored = cx.env.prompts(&pks).await?;
    let position = |m: &Map<String, Value>| {
        let pk = m
            .get("pk")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok());
        pks.iter()
            .position(|p| Some(*p) == pk)
            .unwrap_or(usize::MAX)
    };
    let mut list: Vec<(i64, usize, PromptField)> = stored
        .iter()
        .map(|m| {
            let f = PromptField::from_map(m);
            (f.order, position(m), f)
        })
        .collect();
    list.sort_by_key(|(order, pos, _)| (*order, *pos));
    Ok(list.into_iter().map(|(_, _, f)| f).collect())
}

/// Runs an expression; a failure leaves the literal text (authentik logs and goes on), or in
/// a dry run (the preview) is returned as the error.
async fn expression(
    env: &mut dyn FlowEnv,
    request: &FlowRequest,
    source: &str,
    user: Option<&Value>,
    data: &Map<String, Value>,
    dry_run: bool,
) -> Result<Value, String> {
    match env.prompt_expression(source, user, data, request).await {
        Ok(v) => Ok(v),
        Err(error) if dry_run => Err(error),
        Err(error) => {
            tracing::warn!(%error, "prompt expression failed");
            Ok(Value::String(source.to_string()))
        }
    }
}

/// Resolves choices, placeholder and initial value of every field (spec §4.9 "Value
/// resolution") for `user` with the plan's `prompt_data`; in a dry run an expression failure
/// is the error.
pub async fn resolve_fields(
    env: &mut dyn FlowEnv,
    request: &FlowRequest,
    fields: Vec<PromptField>,
    user: Option<&Value>,
    data: &Map<String, Value>,
    dry_run: bool,
) -> Result<Vec<Resolved>, String> {
    let mut out = Vec::new();
    for f in fields {
        let choices = if f.is_choice() {
            let raw = match data.get(&format!("{}{}", f.field_key, field::CHOICES_SUFFIX)) {
                Some(v) => v.clone(),
                None if f.placeholder_expression => {
                    expression(env, request, &f.placeholder, user, data, dry_run).await?
                }
                None => Value::String(f.placeholder.clone()),
            };
            Some(match raw {
                Value::Array(list) => list,
                other => vec![other],
            })
        } else {
            None
        };
        let placeholder = if f.is_choice() {
            Value::String(String::new())
        } else if f.placeholder_expression {
            expression(env, request, &f.placeholder, user, data, dry_run).await?
        } else {
            Value::String(f.placeholder.clone())
        };
        let mut initial = match data.get(&f.field_key) {
            Some(v) => v.clone(),
            None if f.initial_value_expression => {
                expression(env, request, &f.initial_value, user, data, dry_run).await?
            }
            None => Value::String(f.initial_value.clone()),
        };
        if let Some(list) = &choices {
            match list.first() {
                None => initial = Value::String(String::new()),
                Some(first) if !list.contains(&initial) => initial = first.clone(),
                Some(_) => {}
            }
        }
        out.push(Resolved {
            field: f,
            choices,
            placeholder,
            initial,
        });
    }
    Ok(out)
}

/// Resolves the stage's fields for this request.
async fn resolve(cx: &mut StageContext<'_>) -> Result<Vec<Resolved>, EnvError> {
    let user = pending_user(cx);
    let data = prompt_data(cx);
    let list = fields(cx).await?;
    let resolved =
        resolve_fields(&mut *cx.env, cx.request, list, user.as_ref(), &data, false).await;
    // Not a dry run: expression failures were replaced by their text.
    Ok(resolved.unwrap_or_default())
}

/// The challenge `POST /stages/prompt/prompts/preview/` shows for one prompt definition: the
/// field resolved for `user` (the caller) as a flow would; an expression failure is the error.
pub async fn preview(
    env: &mut dyn FlowEnv,
    request: &FlowRequest,
    prompt: &Map<String, Value>,
    user: Option<&Value>,
) -> Result<Challenge, String> {
    let field = PromptField::from_map(prompt);
    let resolved = resolve_fields(env, request, vec![field], user, &Map::new(), true).await?;
    Ok(challenge(&resolved))
}

fn challenge(resolved: &[Resolved]) -> Challenge {
    let fields = resolved.iter().map(Resolved::challenge_json).collect();
    Challenge::new(COMPONENT).field("fields", Value::Array(fields))
}

/// Field validation, username uniqueness and the forced values; errors or the values.
async fn check_fields(
    cx: &mut StageContext<'_>,
    resolved: &[Resolved],
    body: &Map<String, Value>,
) -> Result<Result<Map<String, Value>, ResponseErrors>, EnvError> {
    let mut errors = ResponseErrors::default();
    let mut attrs = Map::new();
    let component = body
        .get("component")
        .and_then(Value::as_str)
        .unwrap_or(COMPONENT);
    attrs.insert("component".into(), Value::String(component.to_string()));
    let except = pending_user(cx).and_then(|u| u.get("pk").and_then(Value::as_i64));
    for r in resolved {
        let key = &r.field.field_key;
        match validate::field_value(r, body.get(key)) {
            Ok(Some(value)) => {
                if r.field.kind == "username"
                    && cx.env.username_taken(&py_str(&value), except).await?
                {
                    errors.add(key, USERNAME_TAKEN, "invalid");
                    continue;
                }
                attrs.insert(key.clone(), value);
            }
            Ok(None) => {}
            Err((message, code)) => errors.add(key, &message, code),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    for r in resolved.iter().filter(|r| r.field.is_forced()) {
        attrs.insert(r.field.field_key.clone(), r.forced_value());
    }
    let passwords: Vec<&Resolved> = resolved
        .iter()
        .filter(|r| r.field.kind == "password")
        .collect();
    if let [a, b] = passwords.as_slice() {
        let value = |r: &Resolved| {
            body.get(&r.field.field_key)
                .or_else(|| attrs.get(&r.field.field_key))
                .cloned()
        };
        if value(a) != value(b) {
            return Ok(Err(ResponseErrors::field(
                "non_field_errors",
                PASSWORDS_DIFFER,
                "invalid",
            )));
        }
    }
    Ok(Ok(attrs))
}

/// The validation policies (mode ALL, user = pending user, context `prompt_data`).
async fn check_policies(
    cx: &mut StageContext<'_>,
    attrs: &Map<String, Value>,
) -> Result<Option<ResponseErrors>, EnvError> {
    let pks = uuids(cx.config(), "validation_policies");
    if pks.is_empty() {
        return Ok(None);
    }
    let user = pending_user(cx);
    let mut context = Map::new();
    context.insert(PROMPT_DATA.into(), Value::Object(attrs.clone()));
    let verdict = cx
        .env
        .evaluate_policies_by_pk(&pks, user.as_ref(), &context, cx.request)
        .await?;
    if verdict.passing {
        return Ok(None);
    }
    let mut errors = ResponseErrors::default();
    if verdict.messages.is_empty() {
        errors.0.push(("non_field_errors".into(), vec![]));
    }
    for message in &verdict.messages {
        errors.add("non_field_errors", message, "invalid");
    }
    Ok(Some(errors))
}

#[async_trait]
impl StageView for PromptStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let resolved = resolve(cx).await?;
        Ok(Step::Show(challenge(&resolved)))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        body: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        let resolved = resolve(cx).await?;
        let attrs = match check_fields(cx, &resolved, body).await? {
            Ok(attrs) => attrs,
            Err(errors) => return Ok(Step::Invalid(challenge(&resolved), errors)),
        };
        if let Some(errors) = check_policies(cx, &attrs).await? {
            return Ok(Step::Invalid(challenge(&resolved), errors));
        }
        let mut data = prompt_data(cx);
        data.extend(attrs);
        cx.plan
            .context
            .insert(PROMPT_DATA.into(), Value::Object(data));
        Ok(Step::Next)
    }
}
