//! Stages (spec §3.3): the polymorphic stage row. Each stage type's settings are a JSON object
//! validated by its module in `castellan-stages`; `kind` is authentik's `meta_model_name`.
use uuid::Uuid;

/// A stage as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// `stage_uuid`.
    pub pk: Uuid,
    /// Unique name.
    pub name: String,
    /// `meta_model_name`, e.g. `authentik_stages_password.passwordstage`.
    pub kind: String,
    /// The type's own settings (every field beyond the base ones).
    pub config: serde_json::Map<String, serde_json::Value>,
}
