//! `/api/v3` endpoint handlers, one module per resource. Newer modules expose `routes()`,
//! `OPERATIONS` and a `Doc` with their component schemas, merged by the router and the
//! OpenAPI document.
pub mod admin;
pub mod applications;
pub mod brands;
pub mod certificate_json;
pub mod certificates;
pub mod consent;
pub mod enums;
pub mod events;
pub mod groups;
pub mod providers;
pub mod requests;
pub mod root;
pub mod sessions;
pub mod tokens;
pub mod used_by;
pub mod user_agent;
pub mod user_json;
pub mod users;
