//! What an apply (or a dry-run plan) did per entry, and how it failed.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::error::BlueprintError;
use crate::node::Mark;

/// Inputs of an apply besides the blueprint and the registry.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// The instance context, merged over the blueprint's `context`.
    pub context: Map<String, Value>,
    /// Defaults merged *under* the blueprint's `context` (authentik's
    /// `goauthentik.io/enterprise/licensed` and `goauthentik.io/rbac/models`).
    pub default_context: Map<String, Value>,
    /// Environment variables visible to `!Env`.
    pub env: BTreeMap<String, String>,
}

/// The outcome of every entry, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplyReport {
    /// One outcome per entry that ran (or was skipped).
    pub entries: Vec<EntryOutcome>,
    /// Informational log lines (skips, dependency blueprints, dry-run notes).
    pub logs: Vec<String>,
}

impl ApplyReport {
    /// Whether any entry changed something (or would, for a plan).
    #[must_use]
    pub fn changes_anything(&self) -> bool {
        self.entries
            .iter()
            .any(|e| !matches!(e.action, Action::Unchanged | Action::Skipped))
    }
}

/// What happened to one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryOutcome {
    /// Index of the entry in the blueprint (0-based).
    pub index: usize,
    /// The entry's model.
    pub model: String,
    /// The entry's `id`, if any.
    pub id: Option<String>,
    /// Where the entry starts.
    pub mark: Mark,
    /// The evaluated identifiers (for meta entries: the identifiers of the blueprint applied).
    pub identifiers: Map<String, Value>,
    /// The object's pk (placeholder for would-be-created objects in a plan), if there is one.
    pub pk: Option<Value>,
    /// What was done.
    pub action: Action,
}

/// What was done to an entry's object.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Created with these fields.
    Created {
        /// The fields the object was created with (identifiers and attrs merged).
        fields: Map<String, Value>,
    },
    /// Updated; only the fields whose value differs are listed.
    Updated {
        /// The changed fields.
        changed: Vec<FieldChange>,
    },
    /// Already in the desired state (exists and is equal, exists with state `created`, or is
    /// absent with state `absent`).
    Unchanged,
    /// Deleted.
    Deleted,
    /// Not run because a condition was false.
    Skipped,
    /// A dependency blueprint was applied (`authentik_blueprints.metaapplyblueprint`).
    AppliedBlueprint {
        /// Whether it had to exist.
        required: bool,
    },
}

/// One field's change in an update.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// The field name.
    pub field: String,
    /// Its current value; `None` when the registry does not show it (e.g. write-only fields).
    pub old: Option<Value>,
    /// The value set.
    pub new: Value,
}

/// Why an apply (or plan) failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApplyError {
    /// Static checks failed before anything ran; every problem is listed.
    #[error("the blueprint is invalid: {}", join(.0))]
    Invalid(Vec<BlueprintError>),
    /// An entry failed; entries after it did not run.
    #[error("{0}")]
    Entry(Box<EntryError>),
}

impl ApplyError {
    /// Every problem as positioned errors (one for an entry failure).
    #[must_use]
    pub fn errors(&self) -> Vec<BlueprintError> {
        match self {
            Self::Invalid(errors) => errors.clone(),
            Self::Entry(e) => vec![BlueprintError::at(e.mark, e.to_string())],
        }
    }
}

/// The first entry that failed.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryError {
    /// Index of the entry (0-based).
    pub index: usize,
    /// The entry's model.
    pub model: String,
    /// The entry's `id`, if any.
    pub id: Option<String>,
    /// The most precise position known: the failing tag, the failing field, or the entry.
    pub mark: Mark,
    /// What went wrong.
    pub message: String,
    /// Field errors from the registry, `{field: [messages]}` (empty for other failures).
    pub fields: Map<String, Value>,
    /// Outcomes of the entries that ran before this one (rolled back by the caller).
    pub completed: ApplyReport,
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entry {} ({}", self.index + 1, self.model)?;
        if let Some(id) = &self.id {
            write!(f, ", id `{id}`")?;
        }
        write!(f, ") at {}: {}", self.mark, self.message)
    }
}

/// Joins errors for display.
fn join(errors: &[BlueprintError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
