//! Which blueprint models Castellan stores, and where: a [`Kind`] per model name, the list of
//! supported models and authentik's default blueprint context built from it.
use castellan_core::model_spec::ModelSpec;
use serde_json::{Map, Value, json};

use super::models_objects::{OBJECT_MODELS, ObjectModel};

/// How a model is stored and validated.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// `authentik_flows.flow`.
    Flow,
    /// `authentik_flows.flowstagebinding`.
    FlowStageBinding,
    /// A stage type (`authentik_stages_*.*stage`).
    Stage(&'static ModelSpec),
    /// `authentik_stages_prompt.prompt`.
    Prompt,
    /// A policy type (`authentik_policies_*.*policy`).
    Policy(&'static ModelSpec),
    /// `authentik_policies.policybinding`.
    PolicyBinding,
    /// `authentik_core.group`.
    Group,
    /// `authentik_core.user`.
    User,
    /// `authentik_core.token`.
    Token,
    /// `authentik_brands.brand`.
    Brand,
    /// A model kept in the generic object table (notification rules, roles, mappings, …).
    Object(&'static ObjectModel),
    /// `authentik_providers_oauth2.oauth2provider` (integer pk).
    OAuth2Provider,
    /// `authentik_crypto.certificatekeypair` (found, not written).
    KeyPair,
    /// `authentik_sources_oauth.oauthsource`.
    OAuthSource,
}

/// `authentik_flows.flow`.
pub const FLOW: &str = "authentik_flows.flow";
/// `authentik_flows.flowstagebinding`.
pub const FLOW_STAGE_BINDING: &str = "authentik_flows.flowstagebinding";
/// `authentik_policies.policybinding`.
pub const POLICY_BINDING: &str = "authentik_policies.policybinding";

const FIXED: &[(&str, Kind)] = &[
    (FLOW, Kind::Flow),
    (FLOW_STAGE_BINDING, Kind::FlowStageBinding),
    (POLICY_BINDING, Kind::PolicyBinding),
    ("authentik_core.group", Kind::Group),
    ("authentik_core.user", Kind::User),
    ("authentik_core.token", Kind::Token),
    ("authentik_brands.brand", Kind::Brand),
    (super::models_oauth2::OAUTH2_PROVIDER, Kind::OAuth2Provider),
    (super::models_oauth2::KEYPAIR, Kind::KeyPair),
    (castellan_core::source_oauth::MODEL, Kind::OAuthSource),
];

/// The kind of `model`, if Castellan can apply it.
pub fn kind(model: &str) -> Option<Kind> {
    if let Some((_, k)) = FIXED.iter().find(|(m, _)| *m == model) {
        return Some(*k);
    }
    if model == castellan_stages::specs::prompt_field::SPEC.model {
        return Some(Kind::Prompt);
    }
    if let Some(spec) = castellan_stages::specs::by_model(model) {
        return Some(Kind::Stage(spec));
    }
    if let Some(spec) = castellan_policy::specs::by_model(model) {
        return Some(Kind::Policy(spec));
    }
    OBJECT_MODELS
        .iter()
        .find(|o| o.model == model)
        .map(Kind::Object)
}

/// Whether blueprints can apply `model` (`app_label.model_name`).
pub fn supported(model: &str) -> bool {
    kind(model).is_some()
}

/// Every supported model, sorted.
pub fn supported_models() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = FIXED.iter().map(|(m, _)| *m).collect();
    out.push(castellan_stages::specs::prompt_field::SPEC.model);
    out.extend(castellan_stages::specs::all().iter().map(|s| s.model));
    out.extend(castellan_policy::specs::all().iter().map(|s| s.model));
    out.extend(OBJECT_MODELS.iter().map(|o| o.model));
    out.sort_unstable();
    out.dedup();
    out
}

/// authentik's default context, merged under every blueprint's own: enterprise features are
/// unlicensed, and `goauthentik.io/rbac/models` maps each model with permissions to its app label
/// (the read-only role blueprint enumerates it).
pub fn default_context() -> Map<String, Value> {
    let models: Map<String, Value> = supported_models()
        .into_iter()
        .chain(crate::api::rbac_permissions::models())
        .filter_map(|m| m.split_once('.'))
        .map(|(app, name)| (name.to_owned(), Value::from(app)))
        .collect();
    Map::from_iter([
        (
            "goauthentik.io/enterprise/licensed".to_owned(),
            json!(false),
        ),
        (
            "goauthentik.io/rbac/models".to_owned(),
            Value::Object(models),
        ),
    ])
}
