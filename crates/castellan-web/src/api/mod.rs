//! `/api/v3` endpoint handlers, one module per resource.
pub mod admin;
pub mod events;
pub mod groups;
pub mod providers;
pub mod root;
pub mod tokens;
pub mod user_json;
pub mod users;
