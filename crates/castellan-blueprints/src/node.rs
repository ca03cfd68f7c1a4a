//! The blueprint value tree: YAML values with authentik's tags and their source positions.

use std::fmt;

/// A 1-based position in the blueprint text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mark {
    /// Line, starting at 1.
    pub line: usize,
    /// Column (in characters), starting at 1.
    pub column: usize,
}

impl Mark {
    /// A position from a 1-based line and column.
    #[must_use]
    pub const fn new(line: usize, column: usize) -> Self {
        Self { line, column }
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A value of the blueprint tree with the position where it starts.
///
/// Equality compares values only and ignores positions, so a re-parsed
/// blueprint compares equal to the original.
#[derive(Debug, Clone)]
pub struct Node {
    /// The value.
    pub value: NodeValue,
    /// Where the value (or its tag) starts.
    pub mark: Mark,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `null`, `~` or an empty value.
    Null,
    /// A boolean (YAML 1.1 spellings such as `yes`/`off` included, as PyYAML reads them).
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<MapEntry>),
    /// One of authentik's YAML tags.
    Tag(Tag),
}

/// One key/value pair of a mapping (equality ignores positions).
#[derive(Debug, Clone)]
pub struct MapEntry {
    /// The key, as text (non-string scalar keys are written as YAML would print them).
    pub key: String,
    /// Where the key starts.
    pub key_mark: Mark,
    /// The value.
    pub value: Node,
}

/// A tagged value such as `!KeyOf flow` or `!Find [model, [field, value]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// Which tag.
    pub kind: TagKind,
    /// Whether the tag was written on a scalar or on a sequence.
    pub form: TagForm,
    /// The scalar (one argument) or the items of the sequence.
    pub args: Vec<Node>,
}

/// How a tag was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagForm {
    /// On a scalar: `!KeyOf flow`.
    Scalar,
    /// On a sequence: `!Find [model, [field, value]]`.
    Sequence,
}

/// authentik's blueprint tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagKind {
    /// `!KeyOf id` — primary key of the object made by the entry with that `id`.
    KeyOf,
    /// `!Find [model, [field, value], ...]` — primary key of the first match.
    Find,
    /// `!FindObject [model, [field, value], ...]` — serialized data of the first match.
    FindObject,
    /// `!Env NAME` or `!Env [NAME, default]`.
    Env,
    /// `!Context key` or `!Context [key, default]`.
    Context,
    /// `!Format [format, args...]` — Python `%` formatting.
    Format,
    /// `!If [cond]` or `!If [cond, when_true, when_false]`.
    If,
    /// `!Condition [MODE, args...]`.
    Condition,
    /// `!Enumerate [iterable, SEQ|MAP, template]`.
    Enumerate,
    /// `!Index depth` — index (or key) of an enclosing `!Enumerate`.
    Index,
    /// `!Value depth` — value of an enclosing `!Enumerate`.
    Value,
    /// `!AtIndex [collection, index_or_key, default?]`.
    AtIndex,
    /// `!ParseJSON text`.
    ParseJson,
}

impl TagKind {
    /// Every tag, in documentation order.
    pub const ALL: [Self; 13] = [
        Self::KeyOf,
        Self::Find,
        Self::FindObject,
        Self::Env,
        Self::Context,
        Self::Format,
        Self::If,
        Self::Condition,
        Self::Enumerate,
        Self::Index,
        Self::Value,
        Self::AtIndex,
        Self::ParseJson,
    ];

    /// The tag's name without the `!`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::KeyOf => "KeyOf",
            Self::Find => "Find",
            Self::FindObject => "FindObject",
            Self::Env => "Env",
            Self::Context => "Context",
            Self::Format => "Format",
            Self::If => "If",
            Self::Condition => "Condition",
            Self::Enumerate => "Enumerate",
            Self::Index => "Index",
            Self::Value => "Value",
            Self::AtIndex => "AtIndex",
            Self::ParseJson => "ParseJSON",
        }
    }

    /// The tag named `name` (without the `!`), if it is one of authentik's.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl PartialEq for MapEntry {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.value == other.value
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Node {
    /// A node at `mark`.
    #[must_use]
    pub const fn new(value: NodeValue, mark: Mark) -> Self {
        Self { value, mark }
    }

    /// An empty mapping at `mark`.
    #[must_use]
    pub const fn empty_map(mark: Mark) -> Self {
        Self::new(NodeValue::Map(Vec::new()), mark)
    }

    /// The string, if this is a string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The mapping entries, if this is a mapping.
    #[must_use]
    pub fn as_map(&self) -> Option<&[MapEntry]> {
        match &self.value {
            NodeValue::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value stored under `key`, if this is a mapping that has it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    /// The tag, if this is a tagged value.
    #[must_use]
    pub fn as_tag(&self) -> Option<&Tag> {
        match &self.value {
            NodeValue::Tag(t) => Some(t),
            _ => None,
        }
    }

    /// Calls `f` on this node and every node below it (tag arguments included), depth first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Node)) {
        f(self);
        match &self.value {
            NodeValue::Seq(items) => items.iter().for_each(|n| n.walk(f)),
            NodeValue::Map(entries) => entries.iter().for_each(|e| e.value.walk(f)),
            NodeValue::Tag(tag) => tag.args.iter().for_each(|n| n.walk(f)),
            _ => {}
        }
    }

    /// A tag-free node holding `value` (every position set to `mark`).
    #[must_use]
    pub fn from_json(value: &serde_json::Value, mark: Mark) -> Self {
        use serde_json::Value;
        let v = match value {
            Value::Null => NodeValue::Null,
            Value::Bool(b) => NodeValue::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => NodeValue::Int(i),
                None => NodeValue::Float(n.as_f64().unwrap_or_default()),
            },
            Value::String(s) => NodeValue::Str(s.clone()),
            Value::Array(items) => {
                NodeValue::Seq(items.iter().map(|v| Self::from_json(v, mark)).collect())
            }
            Value::Object(map) => NodeValue::Map(
                map.iter()
                    .map(|(k, v)| MapEntry {
                        key: k.clone(),
                        key_mark: mark,
                        value: Self::from_json(v, mark),
                    })
                    .collect(),
            ),
        };
        Self::new(v, mark)
    }

    /// A short description of the value's type for error messages.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) => "an integer",
            NodeValue::Float(_) => "a number",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a sequence",
            NodeValue::Map(_) => "a mapping",
            NodeValue::Tag(_) => "a tag",
        }
    }
}
