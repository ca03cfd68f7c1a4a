//! Castellan's domain: the objects authentik 2024.10 models (users, groups, applications, providers,
//! brands, tokens, certificates, sessions, consent, events), value rules and the injected clock.
//! No IO lives here.

pub mod application;
pub mod brand;
pub mod certificate;
pub mod clock;
pub mod consent;
pub mod error;
pub mod event;
pub mod flow;
pub mod group;
pub mod invitation;
pub mod mfa;
pub mod model_spec;
pub mod oauth2;
pub mod policy;
pub mod provider;
pub mod python;
pub mod rbac;
pub mod session;
pub mod source_oauth;
pub mod stage;
pub mod timedelta;
pub mod token;
pub mod user;
pub mod version;
pub mod webauthn_device_type;
pub mod webhook_mapping;
pub mod wire_enum;

pub use error::DomainError;

/// Version string reported as `version_current` and recorded in the version history.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
