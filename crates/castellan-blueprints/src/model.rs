//! The parsed blueprint: metadata, context and entries (spec §11.1).

use std::collections::BTreeMap;
use std::fmt;

use crate::node::{Mark, Node};

/// The model name of the meta entry that applies another blueprint first.
pub const META_APPLY_BLUEPRINT: &str = "authentik_blueprints.metaapplyblueprint";

/// A parsed blueprint file (equality ignores positions).
#[derive(Debug, Clone)]
pub struct Blueprint {
    /// The format version; only 1 exists.
    pub version: i64,
    /// Where `version` is written.
    pub version_mark: Mark,
    /// Optional name and labels.
    pub metadata: Option<Metadata>,
    /// Default context values (may contain tags such as `!Env`); the instance context is merged
    /// over these.
    pub context: BTreeMap<String, Node>,
    /// The entries, applied in order.
    pub entries: Vec<Entry>,
}

impl PartialEq for Blueprint {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
            && self.metadata == other.metadata
            && self.context == other.context
            && self.entries == other.entries
    }
}

/// `metadata:` of a blueprint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// The blueprint's unique name.
    pub name: String,
    /// Labels such as `blueprints.goauthentik.io/system: "true"`.
    pub labels: BTreeMap<String, String>,
}

/// One entry of a blueprint.
///
/// Equality ignores positions.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `app_label.model_name`, e.g. `authentik_flows.flow`.
    pub model: String,
    /// The desired state.
    pub state: State,
    /// Values that must all be truthy for the entry to run.
    pub conditions: Vec<Node>,
    /// Fields that find the existing object (a mapping, possibly empty).
    pub identifiers: Node,
    /// Fields to set (a mapping, possibly empty).
    pub attrs: Node,
    /// Local id other entries use with `!KeyOf`.
    pub id: Option<String>,
    /// Object-level permissions to grant on the object.
    pub permissions: Vec<Permission>,
    /// Where the entry starts.
    pub mark: Mark,
    /// Where `model` is written (the entry's position when it is missing).
    pub model_mark: Mark,
    /// Where `id` is written (the entry's position when it is missing).
    pub id_mark: Mark,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.model == other.model
            && self.state == other.state
            && self.conditions == other.conditions
            && self.identifiers == other.identifiers
            && self.attrs == other.attrs
            && self.id == other.id
            && self.permissions == other.permissions
    }
}

impl Entry {
    /// Whether this is the meta entry that applies another blueprint.
    #[must_use]
    pub fn is_meta(&self) -> bool {
        self.model == META_APPLY_BLUEPRINT
    }
}

/// The state an entry reconciles its object to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum State {
    /// Create if missing, otherwise update with `attrs`.
    #[default]
    Present,
    /// Create if missing, never update.
    Created,
    /// Create; it is an error if the object already exists.
    MustCreated,
    /// Delete if it exists.
    Absent,
}

impl State {
    /// Every state.
    pub const ALL: [Self; 4] = [
        Self::Present,
        Self::Created,
        Self::MustCreated,
        Self::Absent,
    ];

    /// The name used in YAML.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Created => "created",
            Self::MustCreated => "must_created",
            Self::Absent => "absent",
        }
    }

    /// The state named `s`.
    #[must_use]
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One object-level permission of an entry (`permissions:` item).
#[derive(Debug, Clone, PartialEq)]
pub struct Permission {
    /// The permission codename (may be a tag).
    pub permission: Node,
    /// The user to grant it to (a pk, may be a tag).
    pub user: Option<Node>,
    /// The role to grant it to (a pk, may be a tag).
    pub role: Option<Node>,
    /// Where the item starts.
    pub mark: Mark,
}
