//! `UsedBy`: what `…/used_by/` endpoints answer (objects referencing the queried one).
use serde::Serialize;
use utoipa::ToSchema;

/// `UsedByActionEnum`: what deleting the object does to the dependent.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UsedByActionEnum {
    /// The dependent is deleted.
    Cascade,
    /// The many-to-many link is deleted.
    CascadeMany,
    /// The reference is set to null.
    SetNull,
    /// The reference is set to its default.
    SetDefault,
}

/// `UsedBy`: an object referencing the queried object.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UsedBy {
    /// App label.
    pub app: String,
    /// Model name.
    pub model_name: String,
    /// Primary key.
    pub pk: String,
    /// Display name (`str(obj)` in authentik).
    pub name: String,
    /// Effect of deleting the queried object.
    pub action: UsedByActionEnum,
}
