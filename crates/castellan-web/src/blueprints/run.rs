//! Checking, planning and applying one blueprint text against the database: every static
//! problem is reported with its position before anything runs, and an apply is one
//! transaction (committed when every entry succeeded, rolled back otherwise).
use std::collections::BTreeMap;
use std::fmt;

use castellan_blueprints::{ApplyError, ApplyOptions, ApplyReport, BlueprintError};
use castellan_store::{Store, StoreError};
use serde_json::{Map, Value};

use super::kinds::{default_context, supported};
use super::registry::DbRegistry;
use super::set::BlueprintSet;

/// Why a blueprint could not be applied (nothing was written).
#[derive(Debug)]
pub enum RunError {
    /// Parse or validation problems, every one with its position.
    Invalid(Vec<BlueprintError>),
    /// An entry failed while applying.
    Apply(ApplyError),
    /// The database failed.
    Store(StoreError),
}

impl RunError {
    /// Every problem as positioned errors.
    #[must_use]
    pub fn errors(&self) -> Vec<BlueprintError> {
        match self {
            Self::Invalid(errors) => errors.clone(),
            Self::Apply(ApplyError::Entry(e)) => {
                let id =
                    e.id.as_ref()
                        .map_or_else(String::new, |id| format!(", id `{id}`"));
                vec![BlueprintError::at(
                    e.mark,
                    format!("entry {} ({}{id}): {}", e.index + 1, e.model, e.message),
                )]
            }
            Self::Apply(e) => e.errors(),
            Self::Store(e) => vec![BlueprintError {
                line: 1,
                column: 1,
                message: format!("database: {e}"),
            }],
        }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(errors) => {
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                write!(f, "the blueprint is invalid: {}", lines.join("; "))
            }
            Self::Apply(e) => write!(f, "{e}"),
            Self::Store(e) => write!(f, "database: {e}"),
        }
    }
}

impl std::error::Error for RunError {}

impl From<StoreError> for RunError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Every problem `text` has that can be found without the database (syntax, structure,
/// unsupported models, unknown `!KeyOf` ids), sorted by position.
#[must_use]
pub fn check(text: &str) -> Vec<BlueprintError> {
    castellan_blueprints::check(text, &supported)
}

/// Apply options with authentik's default context, an instance `context` and `env` for `!Env`.
#[must_use]
pub fn options(context: Map<String, Value>, env: &BTreeMap<String, String>) -> ApplyOptions {
    ApplyOptions {
        context,
        default_context: default_context(),
        env: env.clone(),
    }
}

fn parsed(text: &str) -> Result<castellan_blueprints::Blueprint, RunError> {
    let errors = check(text);
    if !errors.is_empty() {
        return Err(RunError::Invalid(errors));
    }
    castellan_blueprints::parse(text).map_err(RunError::Invalid)
}

/// Applies `text` in one transaction; meta entries may apply blueprints of `set`.
///
/// # Errors
/// [`RunError`]; nothing is written then.
pub async fn apply_text(
    store: &Store,
    text: &str,
    options: &ApplyOptions,
    set: &BlueprintSet,
) -> Result<ApplyReport, RunError> {
    let bp = parsed(text)?;
    let mut tx = store.begin().await?;
    let outcome = {
        let mut registry = DbRegistry::new(&mut tx, set, options.clone(), store.now());
        castellan_blueprints::apply(&bp, options, &mut registry).await
    };
    match outcome {
        Ok(report) => {
            tx.commit().await.map_err(StoreError::from)?;
            Ok(report)
        }
        Err(e) => {
            // The apply error matters more than a failed rollback.
            let _ = tx.rollback().await;
            Err(RunError::Apply(e))
        }
    }
}

/// What applying `text` would do (a read-only dry run inside a transaction that is rolled
/// back).
///
/// # Errors
/// [`RunError`].
pub async fn plan_text(
    store: &Store,
    text: &str,
    options: &ApplyOptions,
    set: &BlueprintSet,
) -> Result<ApplyReport, RunError> {
    let bp = parsed(text)?;
    let mut tx = store.begin().await?;
    let outcome = {
        let mut registry = DbRegistry::new(&mut tx, set, options.clone(), store.now());
        castellan_blueprints::plan(&bp, options, &mut registry).await
    };
    let _ = tx.rollback().await;
    outcome.map_err(RunError::Apply)
}

/// The distinct models a report touched, sorted (an instance's `managed_models`).
#[must_use]
pub fn managed_models(report: &ApplyReport) -> Vec<String> {
    let mut models: Vec<String> = report
        .entries
        .iter()
        .filter(|e| e.model != castellan_blueprints::META_APPLY_BLUEPRINT)
        .map(|e| e.model.clone())
        .collect();
    models.sort();
    models.dedup();
    models
}
