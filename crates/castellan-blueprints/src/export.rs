//! Exporting objects as blueprint YAML (version 1) that [`parse`](crate::parse) reads back.

use serde_json::Value;

use crate::emit::{scalar_text, write_map};
use crate::model::{Entry, State};
use crate::node::{Node, NodeValue, TagKind};

/// One object to export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportEntry {
    /// `app_label.model_name`.
    pub model: String,
    /// Local id, so other entries can refer to it with `!KeyOf`.
    pub id: Option<String>,
    /// The state to write (`present` is the default and is not written).
    pub state: State,
    /// Fields that identify the object.
    pub identifiers: Vec<(String, ExportValue)>,
    /// Fields to set.
    pub attrs: Vec<(String, ExportValue)>,
}

/// A value to export: JSON-like data plus `!KeyOf` and `!Find` references.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportValue {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<ExportValue>),
    /// A mapping, in order.
    Map(Vec<(String, ExportValue)>),
    /// `!KeyOf <id>`: the pk of the object exported by the entry with that id.
    KeyOf(String),
    /// `!Find [<model>, [<field>, <value>]]`: the pk of an object that is not exported, found
    /// by a natural key (a flow's slug, a stage's name, …).
    Find {
        /// `app_label.model_name`.
        model: String,
        /// The field compared.
        field: String,
        /// The value it must have.
        value: String,
    },
}

impl From<&Value> for ExportValue {
    fn from(v: &Value) -> Self {
        match v {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Self::Int(i),
                None => Self::Float(n.as_f64().unwrap_or_default()),
            },
            Value::String(s) => Self::Str(s.clone()),
            Value::Array(items) => Self::Seq(items.iter().map(Self::from).collect()),
            Value::Object(map) => Self::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Self::from(v)))
                    .collect(),
            ),
        }
    }
}

impl From<Value> for ExportValue {
    fn from(v: Value) -> Self {
        Self::from(&v)
    }
}

impl ExportValue {
    /// The export value a parsed node stands for; `None` for tags other than `!KeyOf` and
    /// the one-pair `!Find`.
    #[must_use]
    pub fn from_node(node: &Node) -> Option<Self> {
        Some(match &node.value {
            NodeValue::Null => Self::Null,
            NodeValue::Bool(b) => Self::Bool(*b),
            NodeValue::Int(i) => Self::Int(*i),
            NodeValue::Float(f) => Self::Float(*f),
            NodeValue::Str(s) => Self::Str(s.clone()),
            NodeValue::Seq(items) => {
                Self::Seq(items.iter().map(Self::from_node).collect::<Option<_>>()?)
            }
            NodeValue::Map(entries) => Self::Map(
                entries
                    .iter()
                    .map(|e| Self::from_node(&e.value).map(|v| (e.key.clone(), v)))
                    .collect::<Option<_>>()?,
            ),
            NodeValue::Tag(tag) if tag.kind == TagKind::KeyOf => {
                Self::KeyOf(tag.args.first()?.as_str()?.to_owned())
            }
            NodeValue::Tag(tag) if tag.kind == TagKind::Find && tag.args.len() == 2 => {
                let NodeValue::Seq(pair) = &tag.args.get(1)?.value else {
                    return None;
                };
                let [field, value] = pair.as_slice() else {
                    return None;
                };
                Self::Find {
                    model: tag.args.first()?.as_str()?.to_owned(),
                    field: field.as_str()?.to_owned(),
                    value: value.as_str()?.to_owned(),
                }
            }
            NodeValue::Tag(_) => return None,
        })
    }
}

impl ExportEntry {
    /// The export entry a parsed entry stands for (conditions and permissions are not
    /// exported); `None` when it uses tags other than `!KeyOf` and one-pair `!Find`s.
    #[must_use]
    pub fn from_entry(entry: &Entry) -> Option<Self> {
        let pairs = |n: &Node| match ExportValue::from_node(n)? {
            ExportValue::Map(m) => Some(m),
            _ => None,
        };
        Some(Self {
            model: entry.model.clone(),
            id: entry.id.clone(),
            state: entry.state,
            identifiers: pairs(&entry.identifiers)?,
            attrs: pairs(&entry.attrs)?,
        })
    }
}

/// Writes `entries` as a version 1 blueprint named `name`.
#[must_use]
pub fn export(entries: &[ExportEntry], name: &str) -> String {
    let mut out = String::from("version: 1\nmetadata:\n  name: ");
    out.push_str(&scalar_text(name));
    out.push('\n');
    if entries.is_empty() {
        out.push_str("entries: []\n");
        return out;
    }
    out.push_str("entries:\n");
    for entry in entries {
        let mut fields = vec![("model".to_owned(), ExportValue::Str(entry.model.clone()))];
        if let Some(id) = &entry.id {
            fields.push(("id".to_owned(), ExportValue::Str(id.clone())));
        }
        if entry.state != State::Present {
            fields.push((
                "state".to_owned(),
                ExportValue::Str(entry.state.as_str().to_owned()),
            ));
        }
        fields.push((
            "identifiers".to_owned(),
            ExportValue::Map(entry.identifiers.clone()),
        ));
        if !entry.attrs.is_empty() {
            fields.push(("attrs".to_owned(), ExportValue::Map(entry.attrs.clone())));
        }
        let mut block = String::new();
        write_map(&mut block, &fields, 2);
        out.push_str("- ");
        out.push_str(block.get(2..).unwrap_or_default());
    }
    out
}
