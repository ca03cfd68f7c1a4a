//! The dry run: what applying a blueprint would do, and a readable rendering of it.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::engine::{Mode, run};
use crate::model::Blueprint;
use crate::registry::ModelRegistry;
use crate::report::{Action, ApplyError, ApplyOptions, ApplyReport, EntryOutcome};

/// Walks `blueprint` like [`apply`](crate::apply) but only reads (`find`, `find_first`,
/// `key_of`): nothing is created, updated, deleted or applied.
///
/// Objects that would be created get a placeholder pk `"(new: <id>)"`, which `!KeyOf` yields
/// for later entries. `!Find` cannot see objects the same plan would create.
pub async fn plan(
    blueprint: &Blueprint,
    options: &ApplyOptions,
    registry: &mut dyn ModelRegistry,
) -> Result<ApplyReport, ApplyError> {
    run(blueprint, options, registry, Mode::Plan).await
}

/// Renders a report as text: one line per entry, field changes indented below it, and a
/// summary line.
#[must_use]
pub fn render_plan(report: &ApplyReport) -> String {
    let mut out = String::new();
    let (mut create, mut update, mut delete, mut same, mut skip) = (0, 0, 0, 0, 0);
    for e in &report.entries {
        let head = headline(e);
        match &e.action {
            Action::Created { fields } => {
                create += 1;
                let _ = writeln!(out, "+ create {head}");
                for (k, v) in fields {
                    let _ = writeln!(out, "    {k}: {}", show(v));
                }
            }
            Action::Updated { changed } => {
                update += 1;
                let _ = writeln!(out, "~ update {head}");
                for c in changed {
                    let old = c
                        .old
                        .as_ref()
                        .map_or_else(|| "(not shown)".to_owned(), show);
                    let _ = writeln!(out, "    {}: {old} -> {}", c.field, show(&c.new));
                }
            }
            Action::Unchanged => {
                same += 1;
                let _ = writeln!(out, "= unchanged {head}");
            }
            Action::Deleted => {
                delete += 1;
                let _ = writeln!(out, "- delete {head}");
            }
            Action::Skipped => {
                skip += 1;
                let _ = writeln!(out, "  skip {} (a condition is false)", e.model);
            }
            Action::AppliedBlueprint { required } => {
                let req = if *required { "" } else { " (if it exists)" };
                let _ = writeln!(
                    out,
                    "> apply blueprint {}{req}",
                    identifiers(&e.identifiers)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "{create} to create, {update} to update, {delete} to delete, {same} unchanged, {skip} skipped"
    );
    out
}

/// `model [k=v, ...] (id: x)`.
fn headline(e: &EntryOutcome) -> String {
    let mut s = format!("{} {}", e.model, identifiers(&e.identifiers));
    if let Some(id) = &e.id {
        let _ = write!(s, " (id: {id})");
    }
    s
}

/// `[k=v, k2=v2]`.
fn identifiers(map: &Map<String, Value>) -> String {
    let parts: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{k}={}", show(v)))
        .collect();
    format!("[{}]", parts.join(", "))
}

/// A value on one line: strings bare when simple, everything else as compact JSON; long
/// values are shortened.
fn show(v: &Value) -> String {
    let s = match v {
        Value::String(s) if !s.contains(['\n', '"']) && !s.is_empty() => s.clone(),
        other => other.to_string(),
    };
    const MAX: usize = 120;
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        s
    }
}
