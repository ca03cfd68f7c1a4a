//! A small block-style YAML writer for exported blueprints: quoting only where needed,
//! multi-line strings as `|` block scalars, `!KeyOf` and `!Find` tags.

use crate::export::ExportValue;
use crate::node::NodeValue;

/// Writes `key: value` lines for each pair at `indent` spaces.
pub(crate) fn write_map(out: &mut String, entries: &[(String, ExportValue)], indent: usize) {
    for (key, value) in entries {
        push_indent(out, indent);
        out.push_str(&scalar_text(key));
        out.push(':');
        write_after_key(out, value, indent);
    }
}

/// Writes `- item` lines at `indent` spaces.
fn write_seq(out: &mut String, items: &[ExportValue], indent: usize) {
    for item in items {
        match item {
            ExportValue::Map(m) if !m.is_empty() => {
                nested_item(out, indent, |o| write_map(o, m, indent + 2))
            }
            ExportValue::Seq(s) if !s.is_empty() => {
                nested_item(out, indent, |o| write_seq(o, s, indent + 2))
            }
            ExportValue::Str(s) if block_ok(s) => {
                push_indent(out, indent);
                out.push('-');
                write_block(out, s, indent + 2);
            }
            other => {
                push_indent(out, indent);
                out.push_str("- ");
                out.push_str(&inline(other));
                out.push('\n');
            }
        }
    }
}

/// Writes a collection as a sequence item: its first line starts with `- `.
fn nested_item(out: &mut String, indent: usize, write: impl FnOnce(&mut String)) {
    let mut inner = String::new();
    write(&mut inner);
    push_indent(out, indent);
    out.push_str("- ");
    out.push_str(inner.get(indent + 2..).unwrap_or_default());
}

/// Writes what follows `key:`.
fn write_after_key(out: &mut String, value: &ExportValue, indent: usize) {
    match value {
        ExportValue::Map(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, indent + 2);
        }
        ExportValue::Seq(s) if !s.is_empty() => {
            out.push('\n');
            write_seq(out, s, indent + 2);
        }
        ExportValue::Str(s) if block_ok(s) => write_block(out, s, indent + 2),
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

/// A value on one line (scalars, `!KeyOf`, empty collections).
fn inline(value: &ExportValue) -> String {
    match value {
        ExportValue::Null => "null".to_owned(),
        ExportValue::Bool(b) => b.to_string(),
        ExportValue::Int(i) => i.to_string(),
        ExportValue::Float(f) => float(*f),
        ExportValue::Str(s) => scalar_text(s),
        ExportValue::KeyOf(id) => format!("!KeyOf {}", scalar_text(id)),
        ExportValue::Find {
            model,
            field,
            value,
        } => format!(
            "!Find [{}, [{}, {}]]",
            scalar_text(model),
            scalar_text(field),
            scalar_text(value)
        ),
        ExportValue::Seq(_) => "[]".to_owned(),
        ExportValue::Map(_) => "{}".to_owned(),
    }
}

/// A float both YAML 1.2 and PyYAML read back as the same float.
fn float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    let s = format!("{f:?}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let mantissa = if mantissa.contains('.') {
                mantissa.to_owned()
            } else {
                format!("{mantissa}.0")
            };
            let exp = if exp.starts_with('-') {
                exp.to_owned()
            } else {
                format!("+{exp}")
            };
            format!("{mantissa}e{exp}")
        }
        None => s,
    }
}

/// Whether a string is written as a `|` block scalar.
fn block_ok(s: &str) -> bool {
    s.contains('\n')
        && s.lines()
            .find(|l| !l.is_empty())
            .is_some_and(|l| !l.starts_with([' ', '\t']))
        && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

/// Writes ` |` (with chomping indicator) and the lines at `indent`.
fn write_block(out: &mut String, s: &str, indent: usize) {
    let trailing = s.len() - s.trim_end_matches('\n').len();
    let (indicator, body) = match trailing {
        0 => ("|-", s),
        1 => ("|", &s[..s.len() - 1]),
        _ => ("|+", &s[..s.len() - 1]),
    };
    out.push(' ');
    out.push_str(indicator);
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            push_indent(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// A string as a plain scalar when that reads back as the same string, else double-quoted.
pub(crate) fn scalar_text(s: &str) -> String {
    if plain_ok(s) {
        s.to_owned()
    } else {
        double_quoted(s)
    }
}

/// Whether `s` can be written unquoted.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_alphabetic() || first == '_' || first == '/') {
        return false;
    }
    if s.ends_with([' ', ':'])
        || s.contains(": ")
        || s.contains(" #")
        || s.chars()
            .any(|c| c.is_control() || matches!(c, ',' | '[' | ']' | '{' | '}'))
    {
        return false;
    }
    crate::yaml::resolve_plain(s) == NodeValue::Str(s.to_owned())
}

/// `"..."` with YAML escapes.
fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Appends `n` spaces.
fn push_indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}
