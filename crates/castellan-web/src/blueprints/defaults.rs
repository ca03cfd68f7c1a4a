//! Castellan's embedded default blueprints (the default flows, stages, policies and brand):
//! applied at first start and again whenever a file changes (a new version), each in its own
//! transaction, each recorded as an inline blueprint instance. Instances an administrator
//! disabled are left alone.
use std::collections::BTreeMap;

use castellan_blueprints::{ApplyReport, content_hash};
use castellan_store::blueprints::{self as instances, BlueprintInstance};
use castellan_store::{Store, locks};
use serde_json::Map;

use super::instances::metadata_json;
use super::run::{RunError, apply_text, managed_models, options};
use super::set::{BlueprintSet, metadata_name};

/// The embedded default blueprints, `(file name, text)`, in the order they are applied.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "01-oauth2-scopes.yaml",
        include_str!("../../../castellan-blueprints/defaults/01-oauth2-scopes.yaml"),
    ),
    (
        "05-password-change.yaml",
        include_str!("../../../castellan-blueprints/defaults/05-password-change.yaml"),
    ),
    (
        "10-authentication.yaml",
        include_str!("../../../castellan-blueprints/defaults/10-authentication.yaml"),
    ),
    (
        "11-invalidation.yaml",
        include_str!("../../../castellan-blueprints/defaults/11-invalidation.yaml"),
    ),
    (
        "12-sources.yaml",
        include_str!("../../../castellan-blueprints/defaults/12-sources.yaml"),
    ),
    (
        "13-authorization.yaml",
        include_str!("../../../castellan-blueprints/defaults/13-authorization.yaml"),
    ),
    (
        "14-user-settings.yaml",
        include_str!("../../../castellan-blueprints/defaults/14-user-settings.yaml"),
    ),
    (
        "15-authenticator-setup.yaml",
        include_str!("../../../castellan-blueprints/defaults/15-authenticator-setup.yaml"),
    ),
    (
        "16-initial-setup.yaml",
        include_str!("../../../castellan-blueprints/defaults/16-initial-setup.yaml"),
    ),
    (
        "20-brand.yaml",
        include_str!("../../../castellan-blueprints/defaults/20-brand.yaml"),
    ),
];

/// What [`apply_defaults`] did.
#[derive(Debug, Clone, Default)]
pub struct DefaultsReport {
    /// Blueprints applied, by metadata name, with what each did.
    pub applied: Vec<(String, ApplyReport)>,
    /// Blueprints left alone (unchanged since their last successful apply, or disabled).
    pub skipped: Vec<String>,
}

impl DefaultsReport {
    /// Whether any applied blueprint changed an object.
    #[must_use]
    pub fn changes_anything(&self) -> bool {
        self.applied.iter().any(|(_, r)| r.changes_anything())
    }
}

/// The embedded defaults as a blueprint set (meta entries may refer to them by name).
#[must_use]
pub fn embedded_set() -> BlueprintSet {
    let mut set = BlueprintSet::new();
    for (file, text) in EMBEDDED {
        set.add(&format!("castellan/{file}"), text);
    }
    set
}

/// Applies the embedded defaults that are new or changed since their last successful apply.
///
/// # Errors
/// The first blueprint that failed (the others are still tried; a failed one is recorded
/// with status `error` and nothing of it is written).
pub async fn apply_defaults(
    store: &Store,
    env: &BTreeMap<String, String>,
) -> Result<DefaultsReport, RunError> {
    apply_embedded(store, env, false).await
}

/// Applies the embedded defaults; with `force`, also those unchanged since their last apply.
/// Processes sharing the database take turns (a PostgreSQL advisory lock).
///
/// # Errors
/// As [`apply_defaults`].
pub async fn apply_embedded(
    store: &Store,
    env: &BTreeMap<String, String>,
    force: bool,
) -> Result<DefaultsReport, RunError> {
    let lock = locks::acquire(store, locks::BLUEPRINTS).await?;
    let result = apply_locked(store, env, force).await;
    lock.release().await?;
    result
}

async fn apply_locked(
    store: &Store,
    env: &BTreeMap<String, String>,
    force: bool,
) -> Result<DefaultsReport, RunError> {
    let set = embedded_set();
    let opts = options(Map::new(), env);
    let mut report = DefaultsReport::default();
    let mut first_error = None;
    for (_, text) in EMBEDDED {
        let name = metadata_name(text);
        let hash = content_hash(text);
        let existing = {
            let mut conn = store.conn().await?;
            instances::get_by_name(&mut conn, &name).await?
        };
        if let Some(i) = &existing
            && (!i.enabled || (!force && i.last_applied_hash == hash && i.status == "successful"))
        {
            report.skipped.push(name);
            continue;
        }
        let outcome = apply_text(store, text, &opts, &set).await;
        let now = store.now();
        let insert = existing.is_none();
        let mut row = existing.unwrap_or_else(|| BlueprintInstance::new(&name, now));
        row.path = String::new();
        row.content = (*text).to_owned();
        row.metadata = metadata_json(text);
        row.last_applied = now;
        row.last_updated = now;
        match outcome {
            Ok(applied) => {
                row.status = "successful".into();
                row.last_applied_hash = hash;
                row.managed_models = managed_models(&applied);
                report.applied.push((name, applied));
            }
            Err(e) => {
                tracing::error!(blueprint = %name, error = %e, "default blueprint failed");
                row.status = "error".into();
                first_error.get_or_insert(e);
            }
        }
        let mut conn = store.conn().await?;
        instances::save(&mut conn, &row, insert).await?;
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(report),
    }
}
