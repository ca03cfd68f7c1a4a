//! Settings of every policy type (field specs shared by the API, blueprints and the engine). The
//! base fields every policy has (`name`, `execution_logging`) are not part of the specs.
use castellan_core::model_spec::ModelSpec;

pub mod countries;
pub mod dummy;
pub mod enums;
pub mod event_matcher;
pub mod expression;
pub mod geoip;
pub mod password;
pub mod password_expiry;
pub mod reputation;

static ALL: &[&ModelSpec] = &[
    &expression::SPEC,
    &password::SPEC,
    &reputation::SPEC,
    &event_matcher::SPEC,
    &password_expiry::SPEC,
    &dummy::SPEC,
    &geoip::SPEC,
];

/// Every policy type with an API path.
pub fn all() -> &'static [&'static ModelSpec] {
    ALL
}

/// The policy type whose `meta_model_name` is `model`.
pub fn by_model(model: &str) -> Option<&'static ModelSpec> {
    ALL.iter().copied().find(|s| s.model == model)
}
