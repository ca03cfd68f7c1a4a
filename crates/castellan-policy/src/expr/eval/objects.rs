//! The table of host-backed objects of one evaluation: every tagged object (and engine
//! object such as `user.ak_groups` or `ak_logger`) handed to the sandbox gets an entry whose
//! index is its monty instance id, so method calls and read-back can find its JSON.
use monty_types::{DictPairs, MontyClassInstance, MontyClassType, MontyObject, MontyUuid};
use serde_json::{Map, Value};

use crate::expr::compile::analysis::Usage;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Where an object's original JSON lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Src {
    /// In the input variables, at this path (first segment is the variable name).
    Var(Vec<Seg>),
    /// In the session arena (values the host returned), at this path.
    Arena(usize, Vec<Seg>),
    /// Nowhere (engine objects).
    None,
}

/// What an entry is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A tagged object (`$type`, or an implicit type such as `tenant`).
    Tagged(String),
    /// `user.ak_groups`; `user` is the entry id of the owner.
    GroupManager { user: u32 },
    /// A filtered group queryset: the selected groups (JSON).
    GroupQuery { groups: Vec<Value> },
    /// `ak_logger`.
    Logger,
    /// An enum-like namespace (attributes only).
    Namespace,
    /// A model class placeholder and its `objects` manager.
    Model { label: &'static str },
    /// `Model.objects.filter(**filters)`.
    ModelQuery {
        label: &'static str,
        filters: Map<String, Value>,
    },
}

/// One object handed to the sandbox.
#[derive(Debug)]
pub(crate) struct Entry<'a> {
    pub(crate) kind: Kind,
    pub(crate) class: String,
    pub(crate) src: Src,
    pub(crate) usage: &'a Usage,
}

/// The object table.
#[derive(Debug, Default)]
pub(crate) struct Objects<'a> {
    entries: Vec<Entry<'a>>,
    /// JSON values the host returned (sources of `Src::Arena`).
    pub(crate) arena: Vec<Value>,
}

impl<'a> Objects<'a> {
    /// Registers an entry and returns its instance id (≥ 1).
    pub(crate) fn add(&mut self, kind: Kind, class: String, src: Src, usage: &'a Usage) -> u32 {
        self.entries.push(Entry {
            kind,
            class,
            src,
            usage,
        });
        u32::try_from(self.entries.len()).unwrap_or(u32::MAX)
    }

    /// The id the next registered entry gets.
    pub(crate) fn next_id(&self) -> u32 {
        u32::try_from(self.entries.len() + 1).unwrap_or(u32::MAX)
    }

    /// Appends entries created by a converter (their ids continue from [`Self::next_id`]).
    pub(crate) fn extend(&mut self, entries: Vec<Entry<'a>>) {
        self.entries.extend(entries);
    }

    /// The entry for a monty instance id.
    pub(crate) fn get(&self, id: MontyUuid) -> Option<(u32, &Entry<'a>)> {
        let n = u128::from_be_bytes(*id.as_bytes());
        let index = usize::try_from(n).ok()?.checked_sub(1)?;
        let entry = self.entries.get(index)?;
        Some((u32::try_from(index + 1).unwrap_or(u32::MAX), entry))
    }

    /// The entry with id `id`.
    pub(crate) fn by_id(&self, id: u32) -> Option<&Entry<'a>> {
        self.entries.get(usize::try_from(id).ok()?.checked_sub(1)?)
    }

    /// The original JSON of `src`.
    pub(crate) fn resolve<'v>(
        &'v self,
        vars: &'v Map<String, Value>,
        src: &Src,
    ) -> Option<&'v Value> {
        let (mut value, path) = match src {
            Src::Var(path) => {
                let Some(Seg::Key(first)) = path.first() else {
                    return None;
                };
                (vars.get(first)?, &path[1..])
            }
            Src::Arena(i, path) => (self.arena.get(*i)?, &path[..]),
            Src::None => return None,
        };
        for seg in path {
            value = match seg {
                Seg::Key(k) => value.get(k)?,
                Seg::Index(i) => value.get(*i)?,
            };
        }
        Some(value)
    }
}

/// A monty instance of class `class` with id `id` and these attributes.
pub(crate) fn instance(
    class: &str,
    id: u32,
    attrs: Vec<(MontyObject, MontyObject)>,
) -> MontyObject {
    MontyObject::ClassInstance(Box::new(MontyClassInstance {
        class_type: class_type(class),
        instance_id: MontyUuid::from_u128(u128::from(id)),
        attrs: DictPairs::from(attrs),
    }))
}

/// The host class type named `class` (its id is derived from the name).
pub(crate) fn class_type(class: &str) -> MontyClassType {
    MontyClassType {
        name: class.to_owned(),
        id: MontyUuid::from_random_bytes(name_hash(class).to_be_bytes()),
        host_defined: true,
        is_dataclass: false,
        attrs: DictPairs::default(),
    }
}

fn name_hash(name: &str) -> u128 {
    // FNV-1a, 128-bit.
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for byte in name.bytes() {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    hash
}

/// The Python class name of a tagged type (`policy_request` → `PolicyRequest`).
pub(crate) fn class_name(type_name: &str) -> String {
    match type_name {
        "user" => "User".to_owned(),
        "group" => "Group".to_owned(),
        "policy_request" => "PolicyRequest".to_owned(),
        "http_request" => "HttpRequest".to_owned(),
        "flow_plan" => "FlowPlan".to_owned(),
        other => other
            .split(['_', '-', '.'])
            .filter(|part| !part.is_empty())
            .map(|part| {
                let mut chars = part.chars();
                chars
                    .next()
                    .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
            })
            .collect(),
    }
}

/// A Python string object.
pub(crate) fn py_str(s: &str) -> MontyObject {
    MontyObject::String(s.to_owned())
}
