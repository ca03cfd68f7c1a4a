//! Blueprints (spec §11): parse, validate, plan, apply and export authentik's YAML v1 format.
//!
//! - [`parse`] reads YAML (with authentik's tags and positions) into a [`Blueprint`];
//!   [`validate`] checks it against the models a [`ModelRegistry`] supports; [`check`] does
//!   both and returns every problem at once.
//! - [`apply`] runs the entries through a [`ModelRegistry`]; [`plan`] is the read-only dry run,
//!   rendered by [`render_plan`].
//! - [`export`] writes objects back as blueprint YAML; [`content_hash`] is the
//!   `last_applied_hash`.

mod apply;
mod context;
mod diff;
mod emit;
mod engine;
mod error;
mod eval;
mod export;
mod hash;
mod model;
mod node;
mod parse;
mod plan;
mod python;
mod registry;
mod report;
mod tags;
mod tags_eval;
mod validate;
mod yaml;

pub use apply::apply;
pub use error::BlueprintError;
pub use eval::{EvalContext, EvalError, KeyRef, RegistryResolver, Resolver, eval};
pub use export::{ExportEntry, ExportValue, export};
pub use hash::content_hash;
pub use model::{Blueprint, Entry, META_APPLY_BLUEPRINT, Metadata, Permission, State};
pub use node::{MapEntry, Mark, Node, NodeValue, Tag, TagForm, TagKind};
pub use parse::parse;
pub use plan::{plan, render_plan};
pub use python::{percent_format, py_repr, py_str, truthy};
pub use registry::{Found, ModelRegistry, PermissionGrant, RegistryError};
pub use report::{
    Action, ApplyError, ApplyOptions, ApplyReport, EntryError, EntryOutcome, FieldChange,
};
pub use tags::{CONDITION_MODES, ENUMERATE_OUTPUTS};
pub use validate::{check, validate};
