//! A blueprint set: the blueprints an `authentik_blueprints.metaapplyblueprint` entry can
//! apply, found by their metadata `name` or their `path`.
use serde_json::{Map, Value};

/// One blueprint of a set.
#[derive(Debug, Clone, PartialEq)]
pub struct SetEntry {
    /// Its metadata name ("" when it has none or does not parse).
    pub name: String,
    /// Its path (relative to the blueprints directory, or a label for embedded ones).
    pub path: String,
    /// Its text.
    pub text: String,
    /// The instance context it is applied with.
    pub context: Map<String, Value>,
}

/// The blueprints meta entries may apply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlueprintSet {
    entries: Vec<SetEntry>,
}

/// The metadata name of a blueprint text ("" when it has none or does not parse).
pub fn metadata_name(text: &str) -> String {
    castellan_blueprints::parse(text)
        .ok()
        .and_then(|bp| bp.metadata)
        .map(|m| m.name)
        .unwrap_or_default()
}

impl BlueprintSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the blueprint `text` known as `path` (its name is read from its metadata).
    pub fn add(&mut self, path: &str, text: &str) {
        self.entries.push(SetEntry {
            name: metadata_name(text),
            path: path.to_owned(),
            text: text.to_owned(),
            context: Map::new(),
        });
    }

    /// Adds an entry as it is.
    pub fn push(&mut self, entry: SetEntry) {
        self.entries.push(entry);
    }

    /// The entries, in the order they were added.
    #[must_use]
    pub fn entries(&self) -> &[SetEntry] {
        &self.entries
    }

    /// The first entry whose `name` and `path` equal every identifier given (other
    /// identifiers match nothing).
    #[must_use]
    pub fn find(&self, identifiers: &Map<String, Value>) -> Option<&SetEntry> {
        if identifiers.is_empty() {
            return None;
        }
        self.entries.iter().find(|e| {
            identifiers.iter().all(|(k, v)| {
                let have = match k.as_str() {
                    "name" => &e.name,
                    "path" => &e.path,
                    _ => return false,
                };
                v.as_str() == Some(have.as_str())
            })
        })
    }
}
