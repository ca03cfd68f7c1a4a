//! User write stage (spec §4.10): writes the plan's `prompt_data` into the pending user, or
//! creates a user from it, then makes the saved user the plan's `pending_user` so a following
//! user login stage logs them in. No challenge.
//!
//! Keys of the prompt data: `password` sets the password, `username`, `name`, `email`,
//! `path`, `type` and `is_active` set those fields, `attributes` (an object) updates the
//! attributes, `attributes.a.b` / `attributes_a_b` write a nested attribute (underscores
//! become dots, as in authentik); `groups` and every other key are discarded.
//!
//! ⚠ An unsaved stand-in user (an unknown identifier with `pretend_user_exists`) counts as no
//! pending user: authentik would save the stand-in as a new user, even with `never_create`.
use async_trait::async_trait;
use castellan_flows::context::{PENDING_USER, USER_BACKEND};
use castellan_flows::env::UserWrite;
use castellan_flows::{EnvError, StageContext, StageView, Step};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::prompt::PROMPT_DATA;

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_user_write.userwritestage";
/// Plan context key of groups new users are added to.
pub const GROUPS: &str = "groups";
/// Plan context key overriding the new user's type.
pub const USER_TYPE: &str = "user_type";
/// Plan context key overriding the new user's path.
pub const USER_PATH: &str = "user_path";
/// Plan context key of the source connection that is being enrolled.
pub const SOURCES_CONNECTION: &str = "goauthentik.io/sources/connection";
/// User attribute listing the sources a user was written by.
pub const ATTRIBUTE_SOURCES: &str = "goauthentik.io/user/sources";
const INBUILT: &str = "authentik.core.auth.InbuiltBackend";
const FAILED: &str = "Failed to update user. Please try again later.";
const TYPES: [&str; 4] = [
    "internal",
    "external",
    "service_account",
    "internal_service_account",
];

/// The user write stage.
pub struct UserWriteStage;

fn text_setting<'a>(config: &'a Map<String, Value>, key: &str, default: &'a str) -> &'a str {
    config.get(key).and_then(Value::as_str).unwrap_or(default)
}

fn valid_type(t: Option<&str>) -> Option<String> {
    let t = t.filter(|t| TYPES.contains(t))?;
    Some(if t == "internal_service_account" {
        "service_account".to_string()
    } else {
        t.to_string()
    })
}

/// A new user as the stage's settings and the plan context shape it.
fn new_user(config: &Map<String, Value>, context: &Map<String, Value>) -> UserWrite {
    let mut path = match context.get(USER_PATH) {
        Some(Value::String(p)) => p.clone(),
        _ => text_setting(config, "user_path_template", "").to_string(),
    };
    if path.is_empty() {
        path = "users".into();
    }
    let user_type = valid_type(context.get(USER_TYPE).and_then(Value::as_str))
        .or_else(|| valid_type(config.get("user_type").and_then(Value::as_str)))
        .unwrap_or_else(|| "external".into());
    let inactive = config
        .get("create_users_as_inactive")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    UserWrite {
        is_active: !inactive,
        path,
        user_type,
        ..UserWrite::default()
    }
}

/// The pending (saved) user as a write of its current fields.
fn existing_user(pk: i64, user: &Value) -> UserWrite {
    let s = |k: &str| {
        user.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    UserWrite {
        pk: Some(pk),
        username: s("username"),
        name: s("name"),
        email: s("email"),
        is_active: user
            .get("is_active")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        path: s("path"),
        user_type: s("type"),
        attributes: user
            .get("attributes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        ..UserWrite::default()
    }
}

fn text(key: &str, value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(format!("{key}: not a text value")),
    }
}

/// `attributes.a.b` / `attributes_a_b`: sets a nested attribute, creating objects on the way.
fn write_attribute(w: &mut UserWrite, key: &str, value: &Value) -> Result<(), String> {
    let dotted = key.replace('_', ".");
    let mut parts: Vec<&str> = dotted.split('.').collect();
    if parts.first() == Some(&"attributes") {
        parts.remove(0);
    }
    let Some((last, path)) = parts.split_last() else {
        return Ok(());
    };
    let mut node = &mut w.attributes;
    for part in path {
        let child = node
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        node = child
            .as_object_mut()
            .ok_or_else(|| format!("{key}: attribute {part} is not an object"))?;
    }
    node.insert(last.to_string(), value.clone());
    Ok(())
}

/// Applies the prompt data to the user (spec §4.10 step 4).
fn apply(w: &mut UserWrite, data: &Map<String, Value>) -> Result<(), String> {
    for (key, value) in data {
        match key.as_str() {
            "password" => match value {
                Value::String(p) => w.password = Some(p.clone()),
                _ => return Err("password: not a text value".into()),
            },
            "attributes" => {
                let Value::Object(m) = value else {
                    return Err("attributes: not an object".into());
                };
                let target = &mut w.attributes;
                for (k, v) in m {
                    target.insert(k.clone(), v.clone());
                }
            }
            k if k.starts_with("attributes.") || k.starts_with("attributes_") => {
                write_attribute(w, k, value)?;
            }
            "username" => w.username = text(key, value)?,
            "name" => w.name = text(key, value)?,
            "email" => w.email = text(key, value)?,
            "path" => w.path = text(key, value)?,
            "type" => {
                w.user_type = valid_type(value.as_str()).ok_or("type: not a user type")?;
            }
            "is_active" => {
                w.is_active = value.as_bool().ok_or("is_active: not a boolean")?;
            }
            _ => tracing::debug!(key, "user write: discarding key"),
        }
    }
    Ok(())
}

/// Records the source a user is written by (spec §4.10 step 5).
fn add_source(w: &mut UserWrite, context: &Map<String, Value>) {
    let Some(name) = context
        .get(SOURCES_CONNECTION)
        .and_then(|c| c.get("source"))
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
    else {
        return;
    };
    let attrs = &mut w.attributes;
    let list = attrs
        .entry(ATTRIBUTE_SOURCES.to_string())
        .or_insert_with(|| Value::Array(vec![]));
    if !list.is_array() {
        *list = Value::Array(vec![]);
    }
    if let Value::Array(items) = list
        && !items.iter().any(|i| i.as_str() == Some(name))
    {
        items.push(Value::String(name.to_string()));
    }
}

fn groups(config: &Map<String, Value>, context: &Map<String, Value>) -> Vec<Uuid> {
    let pk = |v: &Value| {
        v.as_str()
            .or_else(|| v.get("pk").and_then(Value::as_str))
            .and_then(|s| Uuid::parse_str(s).ok())
    };
    let mut out: Vec<Uuid> = config
        .get("create_users_group")
        .and_then(pk)
        .into_iter()
        .collect();
    if let Some(Value::Array(list)) = context.get(GROUPS) {
        out.extend(list.iter().filter_map(pk));
    }
    out
}

async fn write(cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
    let Some(Value::Object(mut data)) = cx.plan.context.get(PROMPT_DATA).cloned() else {
        return Ok(Step::Deny(Some("No Pending data.".into())));
    };
    data.shift_remove("component");
    cx.plan
        .context
        .insert(PROMPT_DATA.into(), Value::Object(data.clone()));
    let mut pending = cx
        .plan
        .context
        .get(PENDING_USER)
        .filter(|u| !u.is_null())
        .cloned();
    if pending.is_none()
        && let Some(user) = cx.request.user.clone()
    {
        cx.plan.context.insert(PENDING_USER.into(), user.clone());
        pending = Some(user);
    }
    let saved = pending
        .as_ref()
        .and_then(|u| u.get("pk").and_then(Value::as_i64));
    let mode = text_setting(cx.config(), "user_creation_mode", "create_when_required");
    let mut user = match saved {
        Some(pk) if mode != "always_create" => {
            existing_user(pk, pending.as_ref().unwrap_or(&Value::Null))
        }
        _ if mode == "never_create" => {
            return Ok(Step::Deny(Some(
                "No user found and can't create new user.".into(),
            )));
        }
        _ => {
            cx.plan
                .context
                .insert(USER_BACKEND.into(), Value::String(INBUILT.into()));
            new_user(cx.config(), &cx.plan.context)
        }
    };
    if let Err(error) = apply(&mut user, &data) {
        tracing::warn!(%error, "failed to update user");
        return Ok(Step::Deny(Some(FAILED.into())));
    }
    add_source(&mut user, &cx.plan.context);
    if user.username.is_empty() {
        tracing::warn!("aborting write to empty username");
        return Ok(Step::Deny(None));
    }
    user.groups = groups(cx.config(), &cx.plan.context);
    user.event_data = data;
    let updated = user.pk.is_some();
    match cx.env.write_user(user).await {
        Ok(mut saved) => {
            let backend = pending.as_ref().and_then(|p| p.get("backend")).cloned();
            if let (true, Some(backend), Value::Object(m)) = (updated, backend, &mut saved) {
                m.insert("backend".into(), backend);
            }
            cx.plan.context.insert(PENDING_USER.into(), saved);
            Ok(Step::Next)
        }
        Err(error) => {
            tracing::warn!(%error, "failed to save user");
            Ok(Step::Deny(Some(FAILED.into())))
        }
    }
}

#[async_trait]
impl StageView for UserWriteStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        write(cx).await
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        _: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        write(cx).await
    }
}
