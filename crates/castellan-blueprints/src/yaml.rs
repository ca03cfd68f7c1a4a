//! Reading YAML text into a [`Node`] tree with saphyr, keeping tags and positions.
//!
//! Plain scalars are resolved like PyYAML (which authentik uses) where YAML 1.1 and 1.2 differ
//! in practice: `yes`/`no`/`on`/`off` are booleans.

use std::borrow::Cow;

use saphyr::{
    MarkedYamlOwned, Marker, ScalarOwned, ScalarStyle, Tag as YamlTag, YamlDataOwned, YamlLoader,
};
use saphyr_parser::Parser;

use crate::error::BlueprintError;
use crate::node::{MapEntry, Mark, Node, NodeValue, Tag, TagForm, TagKind};
use crate::tags;

/// Reads `text` into a node tree.
///
/// A YAML syntax error is returned alone (nothing after it can be trusted); problems in
/// individual values (unknown tags, wrong tag arguments) are pushed onto `errors` and the
/// offending value becomes null.
pub(crate) fn load(text: &str, errors: &mut Vec<BlueprintError>) -> Result<Node, BlueprintError> {
    let mut loader: YamlLoader<'_, MarkedYamlOwned> = YamlLoader::default();
    loader.early_parse(false);
    let mut parser = Parser::new_from_str(text);
    let scanned = parser.load(&mut loader, true);
    if let Some(e) = loader.error().cloned().or(scanned.err()) {
        return Err(BlueprintError::at(
            mark(e.marker()),
            format!("invalid YAML: {}", e.info()),
        ));
    }
    let mut docs = loader.into_documents().into_iter();
    let Some(doc) = docs.next() else {
        return Err(BlueprintError::at(
            Mark::new(1, 1),
            "the blueprint is empty",
        ));
    };
    if let Some(second) = docs.next() {
        errors.push(BlueprintError::at(
            mark(&second.span.start),
            "a blueprint is a single YAML document; remove the second document",
        ));
    }
    Ok(convert(&doc, None, errors))
}

/// Converts a 1-based-line, 0-based-column saphyr marker.
fn mark(m: &Marker) -> Mark {
    Mark::new(m.line().max(1), m.col() + 1)
}

/// Converts one saphyr node; `at` overrides the node's own position (inner nodes of tagged
/// scalars carry none).
fn convert(node: &MarkedYamlOwned, at: Option<Mark>, errors: &mut Vec<BlueprintError>) -> Node {
    let here = at.unwrap_or_else(|| mark(&node.span.start));
    let value = match &node.data {
        YamlDataOwned::Representation(text, style, tag) => {
            scalar(text, *style, tag.as_ref(), here, errors)
        }
        YamlDataOwned::Value(v) => from_scalar(v.clone()),
        YamlDataOwned::Sequence(items) => {
            NodeValue::Seq(items.iter().map(|n| convert(n, None, errors)).collect())
        }
        YamlDataOwned::Mapping(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map {
                let key_mark = mark(&k.span.start);
                let Some(key) = key_text(k) else {
                    errors.push(BlueprintError::at(
                        key_mark,
                        "mapping keys must be plain scalars",
                    ));
                    continue;
                };
                entries.push(MapEntry {
                    key,
                    key_mark,
                    value: convert(v, None, errors),
                });
            }
            NodeValue::Map(entries)
        }
        YamlDataOwned::Tagged(tag, inner) => {
            let inner = convert(inner, Some(here), errors);
            match inner.value {
                NodeValue::Seq(items) => tagged(tag, TagForm::Sequence, items, here, errors),
                NodeValue::Map(_) => {
                    errors.push(BlueprintError::at(
                        here,
                        format!("tag `{}` cannot be applied to a mapping", tag_text(tag)),
                    ));
                    NodeValue::Null
                }
                _ => tagged(tag, TagForm::Scalar, vec![inner], here, errors),
            }
        }
        YamlDataOwned::Alias(_) | YamlDataOwned::BadValue => {
            errors.push(BlueprintError::at(here, "invalid YAML value"));
            NodeValue::Null
        }
    };
    Node::new(value, here)
}

/// Resolves a scalar's text given its style and tag.
fn scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&YamlTag>,
    here: Mark,
    errors: &mut Vec<BlueprintError>,
) -> NodeValue {
    match tag {
        Some(t) if t.is_yaml_core_schema() => {
            let tag = Cow::Borrowed(t);
            match ScalarOwned::parse_from_cow_and_metadata(Cow::Borrowed(text), style, Some(&tag)) {
                Some(v) => from_scalar(v),
                None => {
                    errors.push(BlueprintError::at(
                        here,
                        format!("`{text}` is not a valid value for `{}`", tag_text(t)),
                    ));
                    NodeValue::Null
                }
            }
        }
        Some(t) => {
            let inner = Node::new(plain_or_quoted(text, style), here);
            tagged(t, TagForm::Scalar, vec![inner], here, errors)
        }
        None => plain_or_quoted(text, style),
    }
}

/// An untagged scalar: quoted and block scalars are strings, plain ones are resolved.
fn plain_or_quoted(text: &str, style: ScalarStyle) -> NodeValue {
    if style == ScalarStyle::Plain {
        resolve_plain(text)
    } else {
        NodeValue::Str(text.to_owned())
    }
}

/// What an untagged plain scalar with this text means.
pub(crate) fn resolve_plain(text: &str) -> NodeValue {
    if text.is_empty() {
        return NodeValue::Null;
    }
    match text {
        "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return NodeValue::Bool(true),
        "no" | "No" | "NO" | "off" | "Off" | "OFF" => return NodeValue::Bool(false),
        _ => {}
    }
    from_scalar(ScalarOwned::parse_from_cow(Cow::Borrowed(text)))
}

/// Converts a resolved saphyr scalar.
fn from_scalar(v: ScalarOwned) -> NodeValue {
    match v {
        ScalarOwned::Null => NodeValue::Null,
        ScalarOwned::Boolean(b) => NodeValue::Bool(b),
        ScalarOwned::Integer(i) => NodeValue::Int(i),
        ScalarOwned::FloatingPoint(f) => NodeValue::Float(f.into_inner()),
        ScalarOwned::String(s) => NodeValue::Str(s),
    }
}

/// Builds an authentik tag, or reports an unknown one.
fn tagged(
    tag: &YamlTag,
    form: TagForm,
    args: Vec<Node>,
    here: Mark,
    errors: &mut Vec<BlueprintError>,
) -> NodeValue {
    let kind = (tag.handle == "!")
        .then(|| TagKind::from_name(&tag.suffix))
        .flatten();
    let Some(kind) = kind else {
        let known: Vec<String> = TagKind::ALL
            .iter()
            .map(|k| format!("!{}", k.name()))
            .collect();
        errors.push(BlueprintError::at(
            here,
            format!(
                "unknown tag `{}`; known tags are {}",
                tag_text(tag),
                known.join(", ")
            ),
        ));
        return NodeValue::Null;
    };
    let tag = Tag { kind, form, args };
    let before = errors.len();
    tags::check(&tag, here, errors);
    if errors.len() == before {
        NodeValue::Tag(tag)
    } else {
        NodeValue::Null
    }
}

/// The text of a mapping key, if it is a scalar.
fn key_text(key: &MarkedYamlOwned) -> Option<String> {
    match &key.data {
        YamlDataOwned::Representation(text, _, None) => Some(text.clone()),
        YamlDataOwned::Value(v) => Some(match v {
            ScalarOwned::Null => "null".to_owned(),
            ScalarOwned::Boolean(b) => b.to_string(),
            ScalarOwned::Integer(i) => i.to_string(),
            ScalarOwned::FloatingPoint(f) => f.to_string(),
            ScalarOwned::String(s) => s.clone(),
        }),
        _ => None,
    }
}

/// A tag as it was written, e.g. `!Foo` or `!!int`.
fn tag_text(tag: &YamlTag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}
