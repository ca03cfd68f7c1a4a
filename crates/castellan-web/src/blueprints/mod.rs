//! Blueprints against the database (spec §11): [`DbRegistry`] applies the engine's entries
//! through the REST API's validation inside one transaction; [`apply_defaults`] applies
//! Castellan's embedded default blueprints; instances, the blueprints directory and flow
//! export build on them.

mod defaults;
mod discovery;
mod export;
mod instances;
mod kinds;
mod models_core;
mod models_flows;
mod models_oauth2;
mod models_objects;
mod models_typed;
mod registry;
mod run;
mod set;

use std::collections::BTreeMap;

pub use defaults::{DefaultsReport, EMBEDDED, apply_defaults, apply_embedded, embedded_set};
pub use discovery::{
    BlueprintFile, DiscoveryReport, LABEL_INSTANTIATE, RESCAN, available, discover, discovery_loop,
    log_report,
};
pub use export::{export_all, export_entries, export_flow};
pub use instances::{apply_instance, instance_set, instance_text, label, metadata_json};
pub use kinds::{default_context, supported, supported_models};
pub use models_objects::OBJECT_MODELS;
pub use registry::{DbRegistry, registry_error};
pub use run::{RunError, apply_text, check, managed_models, options, plan_text};
pub use set::{BlueprintSet, SetEntry, metadata_name};

/// Environment variables blueprints see through `!Env` (the server fills it; it may hold
/// secrets such as the bootstrap password, so `Debug` shows only the names).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct BlueprintEnv(pub BTreeMap<String, String>);

impl std::fmt::Debug for BlueprintEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}
