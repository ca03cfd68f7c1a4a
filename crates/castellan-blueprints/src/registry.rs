//! The port the engine applies entries through: find, create, update and delete objects of a
//! model, apply a dependency blueprint, grant object permissions.

use serde_json::{Map, Value};

/// An existing object found by identifiers or filters.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Its primary key.
    pub pk: Value,
    /// Its current serialized fields (as the REST API shows them), used to compute diffs.
    pub attrs: Map<String, Value>,
}

/// Why the registry refused an operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegistryError {
    /// Field validation errors in the API's shape: `{"field": ["message", ...]}`.
    #[error("invalid fields: {}", render_fields(.0))]
    Fields(Map<String, Value>),
    /// Any other failure.
    #[error("{0}")]
    Message(String),
    /// The model (or operation on it) is not supported.
    #[error("not supported: {0}")]
    NotSupported(String),
}

/// Renders DRF-style field errors as `field: message; other: message`.
pub(crate) fn render_fields(fields: &Map<String, Value>) -> String {
    let mut parts = Vec::new();
    for (field, msgs) in fields {
        let text = match msgs {
            Value::Array(items) => items
                .iter()
                .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(" "),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        parts.push(format!("{field}: {text}"));
    }
    parts.join("; ")
}

/// An object-level permission to grant on an applied object.
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionGrant {
    /// The permission codename, e.g. `authentik_flows.view_flow` or `view_flow`.
    pub permission: String,
    /// pk of the user to grant it to.
    pub user: Option<Value>,
    /// pk of the role to grant it to.
    pub role: Option<Value>,
}

/// What the engine needs from the database. Implementations validate attrs exactly as the REST
/// API serializers do and report errors as [`RegistryError::Fields`]. The caller runs a whole
/// apply inside one transaction and rolls back when it fails.
#[async_trait::async_trait]
pub trait ModelRegistry: Send {
    /// Whether `model` (`app_label.model_name`) can be applied.
    fn supports(&self, model: &str) -> bool;

    /// The object matching `identifiers` (authentik: `pk` OR all other identifiers ANDed; a
    /// mapping value matches with "contains"), if any.
    async fn find(
        &mut self,
        model: &str,
        identifiers: &Map<String, Value>,
    ) -> Result<Option<Found>, RegistryError>;

    /// Creates an object from `attrs` and returns its pk.
    async fn create(
        &mut self,
        model: &str,
        attrs: Map<String, Value>,
    ) -> Result<Value, RegistryError>;

    /// Updates the object `pk` with `attrs` (a partial update).
    async fn update(
        &mut self,
        model: &str,
        pk: &Value,
        attrs: Map<String, Value>,
    ) -> Result<(), RegistryError>;

    /// Deletes the object `pk`.
    async fn delete(&mut self, model: &str, pk: &Value) -> Result<(), RegistryError>;

    /// Applies the blueprint instance matching `identifiers` (e.g. `name` or `path`) first.
    /// When none matches: an error if `required`, otherwise nothing happens.
    async fn apply_meta(
        &mut self,
        identifiers: &Map<String, Value>,
        required: bool,
    ) -> Result<(), RegistryError>;

    /// The first object of `model` matching all `(field, value)` filters (for `!Find` and
    /// `!FindObject`); `Found::attrs` is what `!FindObject` returns.
    async fn find_first(
        &mut self,
        model: &str,
        filters: &[(String, Value)],
    ) -> Result<Option<Found>, RegistryError>;

    /// The value `!KeyOf` yields for the object `pk` of `model` when the referring entry is of
    /// `referring_model`. authentik returns a policy-binding model's `pbm_uuid` (not its pk) when
    /// the referring entry is an `authentik_policies.policybinding`; registries where those
    /// differ override this. Default: `pk`.
    async fn key_of(
        &mut self,
        model: &str,
        pk: &Value,
        referring_model: &str,
    ) -> Result<Value, RegistryError> {
        let _ = (model, referring_model);
        Ok(pk.clone())
    }

    /// Grants an object-level permission on the object `pk` of `model`. Default: unsupported.
    async fn grant_permission(
        &mut self,
        model: &str,
        pk: &Value,
        grant: &PermissionGrant,
    ) -> Result<(), RegistryError> {
        let _ = (model, pk);
        Err(RegistryError::NotSupported(format!(
            "object permission `{}`",
            grant.permission
        )))
    }
}
