//! The OpenAPI document of `/api/v3`, generated from the code: component schemas come from the
//! response types' `ToSchema` derives and operations from [`OPERATIONS`], the same table the
//! router is checked against in tests. Served at `/api/v3/schema/` and committed as
//! `docs/openapi.json` (CI fails on drift).
use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use utoipa::OpenApi;

use crate::api::{
    admin, applications, brands, certificates, consent, events, groups, providers, root, sessions,
    tokens, user_json, users,
};
use crate::query::Pagination;

#[derive(OpenApi)]
#[openapi(components(schemas(
    user_json::UserJson,
    user_json::UserGroup,
    user_json::GroupMember,
    users::UserSelf,
    users::UserSelfGroups,
    users::SessionUser,
    users::UserPath,
    groups::GroupJson,
    groups::Role,
    tokens::TokenJson,
    tokens::TokenView,
    providers::ProviderJson,
    events::EventJson,
    admin::Version,
    admin::VersionHistory,
    admin::SystemInfo,
    root::Config,
    root::ErrorReportingConfig,
    Pagination,
    crate::api::requests::UserRequest,
    crate::api::requests::PatchedUserRequest,
    crate::api::requests::UserPasswordSetRequest,
    crate::api::requests::GroupRequest,
    crate::api::requests::PatchedGroupRequest,
    crate::api::requests::UserAccountRequest,
    crate::api::requests::TokenRequest,
    crate::api::requests::PatchedTokenRequest,
    crate::api::requests::TokenSetKeyRequest,
    crate::api::enums::UserTypeEnum,
    crate::api::enums::IntentEnum,
    crate::api::enums::PolicyEngineMode,
    crate::api::enums::CapabilitiesEnum,
    crate::api::enums::EventActions,
)))]
struct Components;

/// One documented operation: method, path (relative to `/api/v3`), operationId, tag, the
/// response schema (`Paginated…List` names a paginated list of that schema), success status.
pub type Operation = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    u16,
);

/// The operations of the first modules, with authentik's operation ids.
pub const CORE_OPERATIONS: &[Operation] = &[
    (
        "get",
        "/admin/system/",
        "admin_system_retrieve",
        "admin",
        Some("SystemInfo"),
        200,
    ),
    (
        "post",
        "/admin/system/",
        "admin_system_create",
        "admin",
        Some("SystemInfo"),
        200,
    ),
    (
        "get",
        "/admin/version/",
        "admin_version_retrieve",
        "admin",
        Some("Version"),
        200,
    ),
    (
        "get",
        "/admin/version/history/",
        "admin_version_history_list",
        "admin",
        Some("[VersionHistory]"),
        200,
    ),
    (
        "get",
        "/admin/version/history/{id}/",
        "admin_version_history_retrieve",
        "admin",
        Some("VersionHistory"),
        200,
    ),
    (
        "get",
        "/core/groups/",
        "core_groups_list",
        "core",
        Some("PaginatedGroupList"),
        200,
    ),
    (
        "post",
        "/core/groups/",
        "core_groups_create",
        "core",
        Some("Group"),
        201,
    ),
    (
        "get",
        "/core/groups/{group_uuid}/",
        "core_groups_retrieve",
        "core",
        Some("Group"),
        200,
    ),
    (
        "put",
        "/core/groups/{group_uuid}/",
        "core_groups_update",
        "core",
        Some("Group"),
        200,
    ),
    (
        "patch",
        "/core/groups/{group_uuid}/",
        "core_groups_partial_update",
        "core",
        Some("Group"),
        200,
    ),
    (
        "delete",
        "/core/groups/{group_uuid}/",
        "core_groups_destroy",
        "core",
        None,
        204,
    ),
    (
        "post",
        "/core/groups/{group_uuid}/add_user/",
        "core_groups_add_user_create",
        "core",
        None,
        204,
    ),
    (
        "post",
        "/core/groups/{group_uuid}/remove_user/",
        "core_groups_remove_user_create",
        "core",
        None,
        204,
    ),
    (
        "get",
        "/core/tokens/",
        "core_tokens_list",
        "core",
        Some("PaginatedTokenList"),
        200,
    ),
    (
        "post",
        "/core/tokens/",
        "core_tokens_create",
        "core",
        Some("Token"),
        201,
    ),
    (
        "get",
        "/core/tokens/{identifier}/",
        "core_tokens_retrieve",
        "core",
        Some("Token"),
        200,
    ),
    (
        "put",
        "/core/tokens/{identifier}/",
        "core_tokens_update",
        "core",
        Some("Token"),
        200,
    ),
    (
        "patch",
        "/core/tokens/{identifier}/",
        "core_tokens_partial_update",
        "core",
        Some("Token"),
        200,
    ),
    (
        "delete",
        "/core/tokens/{identifier}/",
        "core_tokens_destroy",
        "core",
        None,
        204,
    ),
    (
        "post",
        "/core/tokens/{identifier}/set_key/",
        "core_tokens_set_key_create",
        "core",
        None,
        204,
    ),
    (
        "get",
        "/core/tokens/{identifier}/view_key/",
        "core_tokens_view_key_retrieve",
        "core",
        Some("TokenView"),
        200,
    ),
    (
        "get",
        "/core/users/",
        "core_users_list",
        "core",
        Some("PaginatedUserList"),
        200,
    ),
    (
        "post",
        "/core/users/",
        "core_users_create",
        "core",
        Some("User"),
        201,
    ),
    (
        "get",
        "/core/users/me/",
        "core_users_me_retrieve",
        "core",
        Some("SessionUser"),
        200,
    ),
    (
        "get",
        "/core/users/paths/",
        "core_users_paths_retrieve",
        "core",
        Some("UserPath"),
        200,
    ),
    (
        "get",
        "/core/users/{id}/",
        "core_users_retrieve",
        "core",
        Some("User"),
        200,
    ),
    (
        "put",
        "/core/users/{id}/",
        "core_users_update",
        "core",
        Some("User"),
        200,
    ),
    (
        "patch",
        "/core/users/{id}/",
        "core_users_partial_update",
        "core",
        Some("User"),
        200,
    ),
    (
        "delete",
        "/core/users/{id}/",
        "core_users_destroy",
        "core",
        None,
        204,
    ),
    (
        "post",
        "/core/users/{id}/set_password/",
        "core_users_set_password_create",
        "core",
        None,
        204,
    ),
    (
        "get",
        "/events/events/",
        "events_events_list",
        "events",
        Some("PaginatedEventList"),
        200,
    ),
    (
        "get",
        "/events/events/{event_uuid}/",
        "events_events_retrieve",
        "events",
        Some("Event"),
        200,
    ),
    (
        "get",
        "/providers/all/",
        "providers_all_list",
        "providers",
        Some("PaginatedProviderList"),
        200,
    ),
    (
        "get",
        "/providers/all/{id}/",
        "providers_all_retrieve",
        "providers",
        Some("Provider"),
        200,
    ),
    (
        "delete",
        "/providers/all/{id}/",
        "providers_all_destroy",
        "providers",
        None,
        204,
    ),
    (
        "get",
        "/root/config/",
        "root_config_retrieve",
        "root",
        Some("Config"),
        200,
    ),
];

/// Request bodies: method, path, schema name, and whether the body is required (PATCH bodies are
/// not, as in authentik's document).
pub type RequestBody = (&'static str, &'static str, &'static str, bool);

/// Request bodies of the core operations.
pub const CORE_REQUEST_BODIES: &[RequestBody] = &[
    ("post", "/core/users/", "UserRequest", true),
    ("put", "/core/users/{id}/", "UserRequest", true),
    ("patch", "/core/users/{id}/", "PatchedUserRequest", false),
    (
        "post",
        "/core/users/{id}/set_password/",
        "UserPasswordSetRequest",
        true,
    ),
    ("post", "/core/groups/", "GroupRequest", true),
    ("put", "/core/groups/{group_uuid}/", "GroupRequest", true),
    (
        "patch",
        "/core/groups/{group_uuid}/",
        "PatchedGroupRequest",
        false,
    ),
    (
        "post",
        "/core/groups/{group_uuid}/add_user/",
        "UserAccountRequest",
        true,
    ),
    (
        "post",
        "/core/groups/{group_uuid}/remove_user/",
        "UserAccountRequest",
        true,
    ),
    ("post", "/core/tokens/", "TokenRequest", true),
    ("put", "/core/tokens/{identifier}/", "TokenRequest", true),
    (
        "patch",
        "/core/tokens/{identifier}/",
        "PatchedTokenRequest",
        false,
    ),
    (
        "post",
        "/core/tokens/{identifier}/set_key/",
        "TokenSetKeyRequest",
        true,
    ),
];

/// Every documented request body.
pub fn request_bodies() -> impl Iterator<Item = &'static RequestBody> {
    [
        CORE_REQUEST_BODIES,
        applications::REQUEST_BODIES,
        brands::REQUEST_BODIES,
        certificates::REQUEST_BODIES,
        crate::api::flows::REQUEST_BODIES,
        crate::api::flow_bindings::REQUEST_BODIES,
        crate::api::policy_bindings::REQUEST_BODIES,
        crate::api::blueprints::REQUEST_BODIES,
        crate::api::flows_executor_schema::REQUEST_BODIES,
        crate::api::authenticators::REQUEST_BODIES,
        crate::api::stages_invitations::REQUEST_BODIES,
        crate::api::stages_authenticator_duo::REQUEST_BODIES,
        crate::api::stages_prompts::preview::REQUEST_BODIES,
        crate::api::providers_oauth2::REQUEST_BODIES,
        crate::api::propertymappings_scope::REQUEST_BODIES,
        crate::api::rbac_roles::REQUEST_BODIES,
        crate::api::rbac_assign::REQUEST_BODIES,
        crate::api::propertymappings_notification::REQUEST_BODIES,
        crate::api::sources_oauth::REQUEST_BODIES,
        crate::api::model_api::GENERATED.1.as_slice(),
    ]
    .into_iter()
    .flatten()
}

/// What an operation has beyond the tables' parts: method, path and a JSON object merged into
/// the generated operation (`parameters` are appended, `responses` merged by status, any other
/// key replaced), for query parameters, anonymous access or answers without a body.
pub type OperationExtra = (&'static str, &'static str, fn() -> Value);

fn operation_extras() -> impl Iterator<Item = &'static OperationExtra> {
    crate::api::flows_executor_schema::EXTRAS
        .iter()
        .chain(crate::api::users_recovery_email::EXTRAS)
        .chain(crate::api::users_impersonate::EXTRAS)
}

fn apply_extra(op: &mut Value, extra: Value) {
    let (Some(op), Value::Object(extra)) = (op.as_object_mut(), extra) else {
        return;
    };
    for (key, value) in extra {
        match (key.as_str(), op.get_mut(&key), value) {
            ("parameters", Some(Value::Array(list)), Value::Array(more)) => list.extend(more),
            ("responses", Some(Value::Object(list)), Value::Object(more)) => list.extend(more),
            (_, _, value) => {
                op.insert(key, value);
            }
        }
    }
}

/// Every implemented `/api/v3` operation.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    [
        CORE_OPERATIONS,
        applications::OPERATIONS,
        brands::OPERATIONS,
        certificates::OPERATIONS,
        sessions::OPERATIONS,
        crate::api::authenticators::OPERATIONS,
        crate::api::authenticators_admin::OPERATIONS,
        crate::api::webauthn_device_types::OPERATIONS,
        consent::OPERATIONS,
        crate::api::reputation::OPERATIONS,
        crate::api::flows::OPERATIONS,
        crate::api::flow_bindings::OPERATIONS,
        crate::api::stages::OPERATIONS,
        crate::api::stages_invitations::OPERATIONS,
        crate::api::stages_email::OPERATIONS,
        crate::api::stages_authenticator_duo::OPERATIONS,
        crate::api::stages_prompts::preview::OPERATIONS,
        crate::api::users_recovery::OPERATIONS,
        crate::api::users_recovery_email::OPERATIONS,
        crate::api::users_impersonate::OPERATIONS,
        crate::api::policies::OPERATIONS,
        crate::api::policy_bindings::OPERATIONS,
        crate::api::flows_transfer::OPERATIONS,
        crate::api::blueprints::OPERATIONS,
        crate::api::flows_executor_schema::OPERATIONS,
        crate::api::providers_oauth2::OPERATIONS,
        crate::api::oauth2_tokens::OPERATIONS,
        crate::api::propertymappings_scope::OPERATIONS,
        crate::api::rbac_roles::OPERATIONS,
        crate::api::rbac_assign::OPERATIONS,
        crate::api::propertymappings_notification::OPERATIONS,
        crate::api::sources_oauth::OPERATIONS,
        crate::api::model_api::GENERATED.0.as_slice(),
    ]
    .into_iter()
    .flatten()
}

fn component_docs() -> utoipa::openapi::OpenApi {
    let mut doc = Components::openapi();
    for other in [
        applications::Doc::openapi(),
        brands::Doc::openapi(),
        certificates::Doc::openapi(),
        sessions::Doc::openapi(),
        crate::api::reputation::Doc::openapi(),
        consent::Doc::openapi(),
        crate::api::blueprints_json::Doc::openapi(),
    ] {
        doc.merge(other);
    }
    doc
}

/// `id` is an integer, `…uuid` and `aaguid` UUIDs (as in authentik's document), any other a string.
fn path_parameter_type(name: &str) -> Value {
    if name == "id" {
        json!({"type": "integer"})
    } else if name.ends_with("uuid") || name == "aaguid" {
        json!({"type": "string", "format": "uuid"})
    } else {
        json!({"type": "string"})
    }
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn response_schema(name: &str, schemas: &mut Map<String, Value>) -> Value {
    if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        return json!({"type": "array", "items": schema_ref(inner)});
    }
    if let Some(inner) = name
        .strip_prefix("Paginated")
        .and_then(|n| n.strip_suffix("List"))
    {
        schemas.insert(
            name.to_string(),
            json!({
                "type": "object",
                "properties": {
                    "pagination": schema_ref("Pagination"),
                    "results": {"type": "array", "items": schema_ref(inner)},
                },
                "required": ["pagination", "results"],
            }),
        );
    }
    schema_ref(name)
}

/// The OpenAPI document as JSON.
pub fn document() -> Value {
    let components = serde_json::to_value(component_docs()).unwrap_or_default();
    let mut schemas = components["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (name, schema) in crate::api::flows_schema::schemas()
        .into_iter()
        .chain(crate::api::flow_bindings::schemas())
        .chain(crate::api::policies_schema::schemas())
        .chain(crate::api::model_api::schemas())
        .chain(crate::api::flows_executor_schema::schemas())
        .chain(crate::api::stages_invitations::schemas())
        .chain(crate::api::oauth2_schema::schemas())
        .chain(crate::api::authenticators_json::schemas())
        .chain(crate::api::stages_authenticator_duo::schemas())
        .chain(crate::api::rbac_roles::schemas())
        .chain(crate::api::propertymappings_notification::schemas())
        .chain(crate::api::sources_oauth::schemas())
    {
        schemas.entry(name).or_insert(schema);
    }
    schemas.insert(
        "GenericError".into(),
        json!({"type": "object", "properties": {"detail": {"type": "string"}, "code": {"type": "string"}}, "required": ["detail"]}),
    );
    schemas.insert(
        "ValidationError".into(),
        json!({"type": "object", "properties": {"non_field_errors": {"type": "array", "items": {"type": "string"}}, "code": {"type": "string"}}, "additionalProperties": {}}),
    );
    let mut paths = Map::new();
    for (method, path, operation_id, tag, response, status) in operations() {
        let mut responses = Map::new();
        let ok = match response {
            Some(name) => {
                json!({"description": "", "content": {"application/json": {"schema": response_schema(name, &mut schemas)}}})
            }
            None => json!({"description": "No response body"}),
        };
        responses.insert(status.to_string(), ok);
        responses.insert("400".into(), json!({"content": {"application/json": {"schema": schema_ref("ValidationError")}}, "description": ""}));
        responses.insert("403".into(), json!({"content": {"application/json": {"schema": schema_ref("GenericError")}}, "description": ""}));
        let parameters: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"in": "path", "name": name, "required": true, "schema": path_parameter_type(name)}))
            .collect();
        let mut op = json!({"operationId": operation_id, "tags": [tag], "responses": responses, "security": [{"authentik": []}]});
        if !parameters.is_empty() {
            op["parameters"] = Value::Array(parameters);
        }
        if let Some((_, _, schema, required)) =
            request_bodies().find(|(m, p, _, _)| m == method && p == path)
        {
            op["requestBody"] = json!({"content": {"application/json": {"schema": schema_ref(schema)}}, "required": required});
        }
        for (_, _, extra) in operation_extras().filter(|(m, p, _)| m == method && p == path) {
            apply_extra(&mut op, extra());
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Castellan", "version": castellan_core::VERSION, "description": "Castellan: authentik 2024.10-compatible API"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"authentik": {"type": "http", "scheme": "bearer"}},
        },
    })
}

/// `GET /api/v3/schema/` (JSON; `?format=yaml` is not offered yet, see docs/compatibility.md).
pub async fn serve(
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: axum::http::HeaderMap,
) -> Response {
    // As drf-spectacular: YAML unless `?format=json` or an Accept header asking for JSON.
    let format = query
        .as_deref()
        .and_then(|q| castellan_flows::next_url::query_param(q, "format"));
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let json = match format.as_deref() {
        Some("json") => true,
        Some(_) => false,
        None => accept.contains("json"),
    };
    if json {
        return (
            [(header::CONTENT_TYPE, "application/vnd.oai.openapi+json")],
            Json(document()),
        )
            .into_response();
    }
    (
        [(header::CONTENT_TYPE, "application/vnd.oai.openapi")],
        crate::yaml::to_yaml(&document()),
    )
        .into_response()
}
