//! Castellan's HTTP surface: the `/api/v3` router, authentication, CSRF, errors, health checks.
//! Handlers are thin: extract, call the store or a protocol function, map the result.

pub mod admin_if;
pub mod api;
pub mod audit;
pub mod auth;
pub mod blueprints;
pub mod body;
pub mod context;
pub mod email;
pub mod error;
pub mod fields;
pub mod flow;
pub mod geoip;
pub mod group_tree;
pub mod health;
pub mod i18n;
pub mod middleware;
pub mod oauth;
pub mod oauth_claims;
pub mod openapi;
pub mod query;
pub mod router;
pub mod secure_cookies;
pub mod session_binding;
pub mod sms;
pub mod sources;
pub mod state;
pub mod user_if;
pub mod write;
pub mod yaml;

pub use router::router;
pub use state::{AppState, WebSettings};
