//! Applying a blueprint: every entry in order, through a [`ModelRegistry`].

use crate::engine::{Mode, run};
use crate::model::Blueprint;
use crate::registry::ModelRegistry;
use crate::report::{ApplyError, ApplyOptions, ApplyReport};

/// Applies `blueprint`: validates it (models checked with [`ModelRegistry::supports`]), then runs
/// each entry in order — conditions, identifiers, then create / update / delete by `state`.
///
/// Stops at the first failing entry and reports it with its position; the caller runs the whole
/// apply in one transaction and rolls back on error.
pub async fn apply(
    blueprint: &Blueprint,
    options: &ApplyOptions,
    registry: &mut dyn ModelRegistry,
) -> Result<ApplyReport, ApplyError> {
    run(blueprint, options, registry, Mode::Apply).await
}
