//! Text edits on the expression source. Rewrites are expressed as insertions and small
//! replacements at AST offsets so nested rewrites compose and every line keeps its number.
use ruff_text_size::{TextRange, TextSize};

/// One edit: replace `start..end` (empty for an insertion) with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    start: usize,
    end: usize,
    text: String,
    /// Orders edits at the same offset: lower first.
    order: i64,
}

impl Edit {
    /// Replaces `range` with `text`.
    pub(crate) fn replace(range: TextRange, text: impl Into<String>) -> Self {
        Self {
            start: range.start().to_usize(),
            end: range.end().to_usize(),
            text: text.into(),
            order: 0,
        }
    }

    /// Inserts an opening fragment of a construct spanning `outer`: at one offset, outer
    /// constructs open first.
    pub(crate) fn open(at: TextSize, outer: TextRange, text: impl Into<String>) -> Self {
        Self {
            start: at.to_usize(),
            end: at.to_usize(),
            text: text.into(),
            order: -i64::from(u32::from(outer.len())) - 1,
        }
    }

    /// Inserts a closing fragment of a construct spanning `outer`: at one offset, inner
    /// constructs close first.
    pub(crate) fn close(at: TextSize, outer: TextRange, text: impl Into<String>) -> Self {
        Self {
            start: at.to_usize(),
            end: at.to_usize(),
            text: text.into(),
            order: i64::from(u32::from(outer.len())) + 1,
        }
    }
}

/// Applies `edits` to `source`. Replacements must not overlap (insertions may sit on their
/// boundaries). Multi-line replaced text keeps its line count by padding with newlines.
pub(crate) fn apply(source: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| (e.start, e.end != e.start, e.order));
    let mut out = String::with_capacity(source.len() + 64);
    let mut pos = 0;
    for edit in edits {
        if edit.start < pos {
            continue;
        }
        out.push_str(&source[pos..edit.start]);
        out.push_str(&edit.text);
        let removed = &source[edit.start..edit.end];
        let lost = removed
            .matches('\n')
            .count()
            .saturating_sub(edit.text.matches('\n').count());
        for _ in 0..lost {
            out.push('\n');
        }
        pos = edit.end;
    }
    out.push_str(&source[pos..]);
    out
}

/// `textwrap.indent(text, prefix)`: prefixes every line that is not whitespace-only (exactly
/// what authentik does when it wraps an expression in `def handler(...)`).
pub(crate) fn indent(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split_inclusive('\n') {
        if !line.trim().is_empty() {
            out.push_str(prefix);
        }
        out.push_str(line);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// 1-based line of byte `offset` in `source`.
pub(crate) fn line_of(source: &str, offset: TextSize) -> u32 {
    let end = offset.to_usize().min(source.len());
    let newlines = source.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count();
    u32::try_from(newlines)
        .unwrap_or(u32::MAX)
        .saturating_add(1)
}

/// Finds the first `needle` in `source[from..to]` outside comments; returns its offset.
pub(crate) fn find_token(
    source: &str,
    from: TextSize,
    to: TextSize,
    needle: char,
) -> Option<TextSize> {
    let (from, to) = (from.to_usize(), to.to_usize().min(source.len()));
    let gap = source.get(from..to)?;
    let mut in_comment = false;
    for (i, c) in gap.char_indices() {
        match c {
            '#' if !in_comment => in_comment = true,
            '\n' => in_comment = false,
            c if c == needle && !in_comment => {
                return TextSize::try_from(from + i).ok();
            }
            _ => {}
        }
    }
    None
}

/// Like [`find_token`] but returns the last occurrence.
pub(crate) fn rfind_token(
    source: &str,
    from: TextSize,
    to: TextSize,
    needle: char,
) -> Option<TextSize> {
    let mut found = None;
    let mut at = from;
    while let Some(pos) = find_token(source, at, to, needle) {
        found = Some(pos);
        at = pos + TextSize::of(needle);
    }
    found
}

trait ToUsize {
    fn to_usize(self) -> usize;
}

impl ToUsize for TextSize {
    fn to_usize(self) -> usize {
        u32::from(self) as usize
    }
}
