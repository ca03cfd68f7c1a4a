//! Domain errors: rule violations detected without IO.
use thiserror::Error;

/// A value broke one of the model's rules; `field` names the API field concerned.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct DomainError {
    /// API field name the error concerns (`non_field_errors` for object-wide rules).
    pub field: String,
    /// Human-readable message, in authentik's wording where one exists.
    pub message: String,
}

impl DomainError {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
