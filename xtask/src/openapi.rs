//! `cargo xtask openapi --check|--write`: the committed `docs/openapi.json`
//! must equal what `castellan openapi` generates from the code.
//!
//! Both sides are compared in one canonical text form: the JSON parsed and
//! pretty-printed again with serde_json (key order kept), ending in a newline.
//! `--write` stores exactly that form, so a clean check is byte equality.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

/// The committed document, relative to the workspace root.
pub const COMMITTED: &str = "docs/openapi.json";
/// How many structural differences are listed at most.
const MAX_DIFFERENCES: usize = 40;
/// Lines of context around the changed text.
const CONTEXT_LINES: usize = 3;
/// Changed lines shown at most in the text diff.
const MAX_DIFF_LINES: usize = 60;
/// Largest middle part (old lines × new lines) diffed line by line.
const MAX_LCS_CELLS: usize = 16_000_000;
/// Longest value shown in a structural difference.
const MAX_VALUE_CHARS: usize = 80;

/// What the command should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Fail when the committed file differs from the generated document.
    Check,
    /// Write the generated document to the committed file.
    Write,
}

/// Runs `cargo run -q -p castellan-server -- openapi` in `root` and returns
/// its output in canonical form.
///
/// # Errors
/// When the command fails or does not print an OpenAPI JSON document (for
/// instance because the `openapi` subcommand does not exist yet).
pub fn generate(root: &Path) -> Result<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let shown = "cargo run -q -p castellan-server -- openapi";
    let output = Command::new(&cargo)
        .args(["run", "-q", "-p", "castellan-server", "--", "openapi"])
        .current_dir(root)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run `{shown}`"))?;
    if !output.status.success() {
        bail!(
            "`{shown}` failed ({}); does the `castellan openapi` subcommand exist yet?",
            output.status
        );
    }
    let text = String::from_utf8(output.stdout)
        .with_context(|| format!("`{shown}` printed something that is not UTF-8"))?;
    if text.trim().is_empty() {
        bail!(
            "`{shown}` printed nothing; the `castellan openapi` subcommand must print the \
             OpenAPI document as JSON on standard output (is it implemented yet?)"
        );
    }
    let doc = canonical(&text).with_context(|| format!("`{shown}` did not print JSON"))?;
    let value: Value = serde_json::from_str(&doc)?;
    if value.get("openapi").is_none() || value.get("paths").is_none() {
        bail!("`{shown}` printed JSON without `openapi` and `paths`: not an OpenAPI document");
    }
    Ok(doc)
}

/// The canonical text of a JSON document: pretty-printed, with a final newline.
///
/// # Errors
/// When `text` is not JSON.
pub fn canonical(text: &str) -> Result<String> {
    let value: Value = serde_json::from_str(text)?;
    let mut out = serde_json::to_string_pretty(&value)?;
    out.push('\n');
    Ok(out)
}

/// Runs the command; `Ok(false)` when `--check` finds drift.
///
/// # Errors
/// When the document cannot be generated, read or written.
pub fn run(root: &Path, mode: Mode) -> Result<bool> {
    let generated = generate(root)?;
    let path = root.join(COMMITTED);
    match mode {
        Mode::Write => {
            std::fs::write(&path, &generated)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!("openapi: wrote {COMMITTED}");
            Ok(true)
        }
        Mode::Check => {
            let committed = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    println!(
                        "openapi: {COMMITTED} does not exist; create it with `cargo xtask openapi --write` and commit it"
                    );
                    return Ok(false);
                }
                Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
            };
            if committed == generated {
                println!("openapi: {COMMITTED} is up to date");
                return Ok(true);
            }
            print!("{}", drift_report(&committed, &generated));
            println!(
                "openapi: {COMMITTED} differs from the generated document; \
                 if the change is intended run `cargo xtask openapi --write` and commit it"
            );
            Ok(false)
        }
    }
}

/// A human-readable account of how `committed` differs from `generated`:
/// the structural differences (JSON pointers) and one unified-style hunk.
#[must_use]
pub fn drift_report(committed: &str, generated: &str) -> String {
    let mut out = String::new();
    match serde_json::from_str::<Value>(committed) {
        Ok(old) => {
            let new: Value = serde_json::from_str(generated).unwrap_or(Value::Null);
            let mut diffs = Vec::new();
            let total = differences(&old, &new, &mut String::new(), &mut diffs);
            if total == 0 {
                out.push_str("openapi: same JSON, different formatting\n");
            } else {
                let _ = writeln!(out, "openapi: {total} structural difference(s):");
                for d in &diffs {
                    let _ = writeln!(out, "  {d}");
                }
                if total > diffs.len() {
                    let _ = writeln!(out, "  … and {} more", total - diffs.len());
                }
            }
        }
        Err(e) => {
            let _ = writeln!(out, "openapi: {COMMITTED} is not valid JSON: {e}");
        }
    }
    out.push_str(&hunk(committed, generated));
    out
}

/// Appends the differences between `old` and `new` below the JSON pointer
/// `path` to `out` (at most [`MAX_DIFFERENCES`]) and returns how many there
/// are in all.
fn differences(old: &Value, new: &Value, path: &mut String, out: &mut Vec<String>) -> usize {
    let at = |path: &str| {
        if path.is_empty() {
            "/".to_owned()
        } else {
            path.to_owned()
        }
    };
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut total = 0;
            for (key, va) in a {
                let len = path.len();
                push_pointer(path, key);
                total += match b.get(key) {
                    Some(vb) => differences(va, vb, path, out),
                    None => note(format!("removed  {path}"), out),
                };
                path.truncate(len);
            }
            for key in b.keys().filter(|k| !a.contains_key(*k)) {
                let len = path.len();
                push_pointer(path, key);
                total += note(format!("added    {path}"), out);
                path.truncate(len);
            }
            total
        }
        (Value::Array(a), Value::Array(b)) => {
            let mut total = 0;
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                let len = path.len();
                push_pointer(path, &i.to_string());
                total += differences(va, vb, path, out);
                path.truncate(len);
            }
            if a.len() != b.len() {
                total += note(
                    format!(
                        "changed  {} (array length {} → {})",
                        at(path),
                        a.len(),
                        b.len()
                    ),
                    out,
                );
            }
            total
        }
        (a, b) if a == b => 0,
        (a, b) => note(
            format!("changed  {}: {} → {}", at(path), short(a), short(b)),
            out,
        ),
    }
}

/// Records one difference (if the list is not full yet); counts 1.
fn note(text: String, out: &mut Vec<String>) -> usize {
    if out.len() < MAX_DIFFERENCES {
        out.push(text);
    }
    1
}

/// Appends one JSON pointer segment (RFC 6901 escaping).
fn push_pointer(path: &mut String, segment: &str) {
    path.push('/');
    path.push_str(&segment.replace('~', "~0").replace('/', "~1"));
}

/// A value in compact JSON, shortened to [`MAX_VALUE_CHARS`].
fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= MAX_VALUE_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_VALUE_CHARS).collect();
    cut.push('…');
    cut
}

/// One line of an edit script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op<'a> {
    /// In both texts.
    Same(&'a str),
    /// Only in the old text.
    Del(&'a str),
    /// Only in the new text.
    Ins(&'a str),
}

/// A line edit script from `a` to `b`: common leading and trailing lines
/// are matched directly, the middle by a longest common subsequence when it
/// is at most [`MAX_LCS_CELLS`] cells big (else as one replaced block).
fn edit_script<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Op<'a>> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<Op<'a>> = a[..prefix].iter().map(|l| Op::Same(l)).collect();
    let (n, m) = (mid_a.len(), mid_b.len());
    if n.saturating_mul(m) <= MAX_LCS_CELLS {
        // lcs[i][j]: LCS length of mid_a[i..] and mid_b[j..].
        let width = m + 1;
        let mut lcs = vec![0u32; (n + 1) * width];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * width + j] = if mid_a[i] == mid_b[j] {
                    lcs[(i + 1) * width + j + 1] + 1
                } else {
                    lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && mid_a[i] == mid_b[j] {
                ops.push(Op::Same(mid_a[i]));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
                // Deletions first, as diff(1) shows them.
                ops.push(Op::Del(mid_a[i]));
                i += 1;
            } else {
                ops.push(Op::Ins(mid_b[j]));
                j += 1;
            }
        }
    } else {
        ops.extend(mid_a.iter().map(|l| Op::Del(l)));
        ops.extend(mid_b.iter().map(|l| Op::Ins(l)));
    }
    ops.extend(a[a.len() - suffix..].iter().map(|l| Op::Same(l)));
    ops
}

/// A unified diff of two texts (3 lines of context), at most
/// [`MAX_DIFF_LINES`] changed lines shown; empty when they are equal.
#[must_use]
pub fn hunk(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = edit_script(&a, &b);
    let changed: Vec<usize> = (0..ops.len())
        .filter(|&i| !matches!(ops[i], Op::Same(_)))
        .collect();
    if changed.is_empty() {
        return String::new();
    }
    // Old and new line numbers (0-based) before each op.
    let mut pos = Vec::with_capacity(ops.len() + 1);
    let (mut x, mut y) = (0, 0);
    for op in &ops {
        pos.push((x, y));
        match op {
            Op::Same(_) => (x, y) = (x + 1, y + 1),
            Op::Del(_) => x += 1,
            Op::Ins(_) => y += 1,
        }
    }
    pos.push((x, y));
    // Group changes whose context would touch into hunks [start, end).
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &c in &changed {
        let start = c.saturating_sub(CONTEXT_LINES);
        let end = (c + 1 + CONTEXT_LINES).min(ops.len());
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "--- {COMMITTED} (committed)");
    let _ = writeln!(out, "+++ castellan openapi (generated)");
    let mut shown = 0;
    for (start, end) in hunks {
        if shown >= MAX_DIFF_LINES {
            let rest = changed.iter().filter(|&&c| c >= start).count();
            let _ = writeln!(out, "… {rest} more changed line(s)");
            break;
        }
        let ((a0, b0), (a1, b1)) = (pos[start], pos[end]);
        let _ = writeln!(out, "@@ -{},{} +{},{} @@", a0 + 1, a1 - a0, b0 + 1, b1 - b0);
        for (i, op) in ops[start..end].iter().enumerate() {
            let line = match op {
                Op::Same(l) => format!(" {l}"),
                Op::Del(l) => format!("-{l}"),
                Op::Ins(l) => format!("+{l}"),
            };
            if !matches!(op, Op::Same(_)) {
                if shown == MAX_DIFF_LINES {
                    let rest = changed.iter().filter(|&&c| c >= start + i).count();
                    let _ = writeln!(out, "… {rest} more changed line(s)");
                    shown += 1;
                    break;
                }
                shown += 1;
            }
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn diffs(old: &Value, new: &Value) -> (usize, Vec<String>) {
        let mut out = Vec::new();
        let total = differences(old, new, &mut String::new(), &mut out);
        (total, out)
    }

    #[test]
    fn canonical_form_keeps_key_order_and_ends_in_newline() -> Result<()> {
        let text = canonical(r#"{"b":1,"a":{"y":[1,2],"x":null}}"#)?;
        assert_eq!(
            text,
            "{\n  \"b\": 1,\n  \"a\": {\n    \"y\": [\n      1,\n      2\n    ],\n    \"x\": null\n  }\n}\n"
        );
        assert_eq!(canonical(&text)?, text);
        assert!(canonical("").is_err());
        Ok(())
    }

    #[test]
    fn structural_differences_use_json_pointers() {
        let old = json!({"paths": {"/core/users/": {"get": {"x": 1}}, "/gone/": {}}, "a": [1, 2]});
        let new = json!({"paths": {"/core/users/": {"get": {"x": 2}}, "/new~x/": {}}, "a": [1]});
        let (total, list) = diffs(&old, &new);
        assert_eq!(total, 4);
        assert_eq!(
            list,
            vec![
                "changed  /paths/~1core~1users~1/get/x: 1 → 2",
                "removed  /paths/~1gone~1",
                "added    /paths/~1new~0x~1",
                "changed  /a (array length 2 → 1)",
            ]
        );
    }

    #[test]
    fn equal_documents_have_no_differences() {
        let v = json!({"openapi": "3.0.3", "paths": {}});
        assert_eq!(diffs(&v, &v).0, 0);
        assert_eq!(hunk("a\nb\n", "a\nb\n"), "");
    }

    #[test]
    fn the_list_is_capped_but_counted() {
        let old = Value::Object((0..100).map(|i| (format!("k{i}"), json!(i))).collect());
        let (total, list) = diffs(&old, &json!({}));
        assert_eq!(total, 100);
        assert_eq!(list.len(), MAX_DIFFERENCES);
        let report = drift_report(&old.to_string(), "{}");
        assert!(report.contains("100 structural difference(s)"), "{report}");
        assert!(report.contains("… and 60 more"), "{report}");
    }

    #[test]
    fn long_values_are_shortened() {
        let long = "x".repeat(200);
        let (_, list) = diffs(&json!(long), &json!("y"));
        assert!(list[0].contains('…') && list[0].len() < 150, "{}", list[0]);
    }

    #[test]
    fn hunk_shows_changed_lines_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n";
        assert_eq!(
            hunk(old, new),
            "--- docs/openapi.json (committed)\n+++ castellan openapi (generated)\n\
             @@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn hunk_handles_insertions_at_the_ends() {
        assert_eq!(
            hunk("a\n", "a\nb\n"),
            "--- docs/openapi.json (committed)\n+++ castellan openapi (generated)\n@@ -1,1 +1,2 @@\n a\n+b\n"
        );
        assert_eq!(
            hunk("b\n", "a\nb\n"),
            "--- docs/openapi.json (committed)\n+++ castellan openapi (generated)\n@@ -1,1 +1,2 @@\n+a\n b\n"
        );
        // Repeated lines must not be counted both as prefix and suffix.
        assert!(hunk("x\nx\n", "x\nx\nx\n").contains("+x"));
    }

    #[test]
    fn distant_changes_make_separate_hunks() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new: String = (1..=20)
            .filter(|&i| i != 19)
            .map(|i| {
                if i == 2 {
                    "two\n".to_owned()
                } else {
                    format!("{i}\n")
                }
            })
            .collect();
        assert_eq!(
            hunk(&old, &new),
            "--- docs/openapi.json (committed)\n+++ castellan openapi (generated)\n\
             @@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n\
             @@ -16,5 +16,4 @@\n 16\n 17\n 18\n-19\n 20\n"
        );
    }

    #[test]
    fn common_lines_inside_the_changed_region_stay_context() {
        let h = hunk("a\nb\nc\nd\ne\n", "a\nB\nc\nd\nE\n");
        assert_eq!(
            h,
            "--- docs/openapi.json (committed)\n+++ castellan openapi (generated)\n\
             @@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n-e\n+E\n"
        );
    }

    #[test]
    fn hunk_truncates_long_changes() {
        let old: String = (0..100).map(|i| format!("{i}\n")).collect();
        let h = hunk(&old, "");
        assert!(h.contains("\n-59\n… 40 more changed line(s)\n"), "{h}");
        assert!(!h.contains("-60"), "{h}");
    }

    #[test]
    fn formatting_only_drift_is_named() {
        let report = drift_report("{\"a\":1}", "{\n  \"a\": 1\n}\n");
        assert!(
            report.starts_with("openapi: same JSON, different formatting"),
            "{report}"
        );
        assert!(
            report.contains("\n-{\"a\":1}\n+{\n+  \"a\": 1\n+}\n"),
            "{report}"
        );
    }

    #[test]
    fn invalid_committed_json_is_reported() {
        let report = drift_report("{", "{}\n");
        assert!(report.contains("is not valid JSON"), "{report}");
    }
}
