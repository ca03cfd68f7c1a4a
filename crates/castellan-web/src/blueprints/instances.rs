//! Applying a blueprint instance (a file under the blueprints directory, or inline content)
//! and recording the outcome on it: status, `last_applied`, the content hash and the models it
//! manages.
use std::collections::BTreeMap;
use std::path::Path;

use castellan_blueprints::{ApplyReport, BlueprintError, content_hash};
use castellan_store::blueprints::{self as store_instances, BlueprintInstance};
use castellan_store::{Store, StoreError};
use serde_json::{Map, Value, json};

use super::run::{RunError, apply_text, managed_models, options};
use super::set::{BlueprintSet, SetEntry};

/// `metadata` of a blueprint text as stored on its instance: `{name, labels}` (`{}` when the
/// text has none or does not parse).
#[must_use]
pub fn metadata_json(text: &str) -> Value {
    match castellan_blueprints::parse(text)
        .ok()
        .and_then(|bp| bp.metadata)
    {
        Some(m) => json!({"name": m.name, "labels": m.labels}),
        None => json!({}),
    }
}

/// The label value `key` of a stored metadata document.
#[must_use]
pub fn label<'a>(metadata: &'a Value, key: &str) -> Option<&'a str> {
    metadata.get("labels")?.get(key)?.as_str()
}

/// The text of an instance: its file under `dir`, or its inline content.
///
/// # Errors
/// The file cannot be read (or there is no directory to read it from).
pub fn instance_text(instance: &BlueprintInstance, dir: Option<&Path>) -> Result<String, RunError> {
    if instance.path.is_empty() {
        return Ok(instance.content.clone());
    }
    let missing = |why: String| {
        RunError::Invalid(vec![BlueprintError {
            line: 1,
            column: 1,
            message: format!("blueprint file `{}`: {why}", instance.path),
        }])
    };
    let dir = dir.ok_or_else(|| missing("no blueprints directory is configured".into()))?;
    let rel = Path::new(&instance.path);
    if rel.is_absolute() || rel.components().any(|c| c.as_os_str() == "..") {
        return Err(missing(
            "the path must stay inside the blueprints directory".into(),
        ));
    }
    std::fs::read_to_string(dir.join(rel)).map_err(|e| missing(e.to_string()))
}

/// Every instance as a blueprint set (for meta entries), with its text and context.
///
/// # Errors
/// Database failures.
pub async fn instance_set(store: &Store, dir: Option<&Path>) -> Result<BlueprintSet, StoreError> {
    let all = {
        let mut conn = store.conn().await?;
        store_instances::all(&mut conn).await?
    };
    let mut set = BlueprintSet::new();
    for i in all {
        let Ok(text) = instance_text(&i, dir) else {
            continue;
        };
        set.push(SetEntry {
            name: i.name.clone(),
            path: i.path.clone(),
            text,
            context: context_map(&i.context),
        });
    }
    Ok(set)
}

fn context_map(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// Applies `instance` and records the outcome on its row (status `successful` or `error`).
///
/// # Errors
/// The apply's [`RunError`] (recorded as status `error`), or database failures.
pub async fn apply_instance(
    store: &Store,
    instance: &mut BlueprintInstance,
    dir: Option<&Path>,
    env: &BTreeMap<String, String>,
) -> Result<ApplyReport, RunError> {
    let outcome = match instance_text(instance, dir) {
        Ok(text) => {
            let set = instance_set(store, dir).await?;
            let opts = options(context_map(&instance.context), env);
            let result = apply_text(store, &text, &opts, &set).await;
            if result.is_ok() {
                instance.last_applied_hash = content_hash(&text);
                instance.metadata = metadata_json(&text);
            }
            result
        }
        Err(e) => Err(e),
    };
    let now = store.now();
    instance.last_applied = now;
    instance.last_updated = now;
    match &outcome {
        Ok(report) => {
            instance.status = "successful".into();
            instance.managed_models = managed_models(report);
        }
        Err(e) => {
            tracing::warn!(blueprint = %instance.name, error = %e, "blueprint failed");
            instance.status = "error".into();
        }
    }
    let mut conn = store.conn().await?;
    store_instances::save(&mut conn, instance, false).await?;
    outcome
}
