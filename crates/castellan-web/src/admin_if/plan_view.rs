//! A blueprint dry run as page values: one row per entry (what would be created, updated,
//! deleted or left alone, with its fields), a summary, the engine's log lines, and every
//! problem with its line, column and the source line it points at.
use castellan_blueprints::{Action, ApplyReport, BlueprintError, EntryOutcome};
use serde_json::{Map, Value, json};

use crate::blueprints::RunError;

/// The most characters of a value shown in a plan row.
const MAX_VALUE: usize = 200;

/// Page values of a plan (`ok`, `entries`, `summary`, `logs`) or of its problems (`problems`).
pub fn view(outcome: &Result<ApplyReport, RunError>, text: &str) -> Value {
    match outcome {
        Ok(report) => report_view(report),
        Err(e) => json!({"ok": false, "problems": problems(&e.errors(), text)}),
    }
}

/// Every problem with its position and the source line it points at.
pub fn problems(errors: &[BlueprintError], text: &str) -> Vec<Value> {
    errors
        .iter()
        .map(|e| {
            let source = text
                .lines()
                .nth(e.line.saturating_sub(1))
                .map(|l| shorten(l.trim_end()));
            json!({"line": e.line, "column": e.column, "message": e.message, "source": source})
        })
        .collect()
}

fn report_view(report: &ApplyReport) -> Value {
    let mut counts = [0usize; 5];
    let entries: Vec<Value> = report
        .entries
        .iter()
        .map(|e| {
            let (action, details) = match &e.action {
                Action::Created { fields } => {
                    counts[0] += 1;
                    ("create", pairs(fields))
                }
                Action::Updated { changed } => {
                    counts[1] += 1;
                    let rows = changed
                        .iter()
                        .map(|c| {
                            let old = c.old.as_ref().map_or_else(|| "(not shown)".into(), show);
                            json!({"name": c.field, "value": format!("{old} → {}", show(&c.new))})
                        })
                        .collect();
                    ("update", rows)
                }
                Action::Deleted => {
                    counts[2] += 1;
                    ("delete", Vec::new())
                }
                Action::Unchanged => {
                    counts[3] += 1;
                    ("unchanged", Vec::new())
                }
                Action::Skipped => {
                    counts[4] += 1;
                    ("skip", Vec::new())
                }
                Action::AppliedBlueprint { required } => (
                    if *required {
                        "apply blueprint"
                    } else {
                        "apply blueprint (if it exists)"
                    },
                    Vec::new(),
                ),
            };
            entry(e, action, details)
        })
        .collect();
    let [create, update, delete, same, skip] = counts;
    json!({
        "ok": true,
        "entries": entries,
        "summary": format!(
            "{create} to create, {update} to update, {delete} to delete, {same} unchanged, {skip} skipped"
        ),
        "changes": report.changes_anything(),
        "logs": report.logs,
    })
}

fn entry(e: &EntryOutcome, action: &str, details: Vec<Value>) -> Value {
    let identifiers: Vec<String> = e
        .identifiers
        .iter()
        .map(|(k, v)| format!("{k}={}", show(v)))
        .collect();
    json!({
        "n": e.index + 1,
        "action": action,
        "model": e.model,
        "id": e.id,
        "identifiers": identifiers.join(", "),
        "line": e.mark.line,
        "details": details,
    })
}

fn pairs(fields: &Map<String, Value>) -> Vec<Value> {
    fields
        .iter()
        .map(|(k, v)| json!({"name": k, "value": show(v)}))
        .collect()
}

/// A value on one line: simple strings bare, everything else as compact JSON, shortened.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) if !s.contains(['\n', '"']) && !s.is_empty() => shorten(s),
        other => shorten(&other.to_string()),
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > MAX_VALUE {
        let cut: String = s.chars().take(MAX_VALUE).collect();
        format!("{cut}…")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_point_at_their_source_line() {
        let errors = vec![BlueprintError {
            line: 2,
            column: 3,
            message: "bad".into(),
        }];
        let p = problems(&errors, "a: 1\n  b: [\n");
        assert_eq!(
            p[0],
            json!({"line": 2, "column": 3, "message": "bad", "source": "  b: ["})
        );
        let p = problems(&errors, "");
        assert_eq!(p[0]["source"], Value::Null);
    }
}
