//! `/api/v3/propertymappings/notification/` (spec §1.11): CRUD of notification webhook
//! mappings, kept in the generic object table. The JSON is authentik's `{pk, name,
//! expression}`; the expression must compile and the name is unique among webhook mappings.
//! Deleting a mapping clears the references SMS setup stages and notification transports hold.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::webhook_mapping::{NotificationWebhookMapping, WEBHOOK_MAPPING_MODEL};
use castellan_store::{AnyConnection, objects, stages, webhook_mappings};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::model_api;
use super::property_mapping_fields::name_and_expression;
use super::used_by::{UsedBy, UsedByActionEnum};
use crate::auth::{Admin, AdminDb};
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// `meta_model_name` of the notification transports (generic object table).
const TRANSPORT_MODEL: &str = "authentik_events.notificationtransport";

/// The `NotificationWebhookMapping` JSON of a mapping.
pub fn mapping_json(m: &NotificationWebhookMapping) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("pk".into(), json!(m.pk));
    out.insert("name".into(), json!(m.name));
    out.insert("expression".into(), json!(m.expression));
    out
}

fn model_ref(m: &NotificationWebhookMapping) -> Value {
    crate::audit::model_ref(
        "authentik_events",
        "notificationwebhookmapping",
        m.pk,
        &m.name,
    )
}

async fn load(conn: &mut AnyConnection, id: &str) -> ApiResult<NotificationWebhookMapping> {
    let pk = Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    webhook_mappings::get(conn, pk)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Validates a body over `m` (`existing`: an update).
async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut m: NotificationWebhookMapping,
    existing: bool,
) -> ApiResult<NotificationWebhookMapping> {
    let mut f = Fields::new(body, partial);
    let except = existing.then_some(m.pk);
    let (name, expression) = (&mut m.name, &mut m.expression);
    name_and_expression(
        conn,
        &mut f,
        WEBHOOK_MAPPING_MODEL,
        except,
        name,
        expression,
    )
    .await?;
    f.finish()?;
    Ok(m)
}

async fn list(AdminDb(_, mut conn): AdminDb, params: Params) -> ApiResult<Json<Paginated<Value>>> {
    let items: Vec<Map<String, Value>> = webhook_mappings::all(&mut conn)
        .await?
        .iter()
        .map(mapping_json)
        .collect();
    Ok(Json(model_api::filter_page(
        items,
        &params,
        &["name"],
        "pm_uuid",
    )?))
}

async fn retrieve(AdminDb(_, mut conn): AdminDb, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let m = load(&mut conn, &id).await?;
    Ok(Json(Value::Object(mapping_json(&m))))
}

async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let blank = NotificationWebhookMapping {
        pk: Uuid::new_v4(),
        name: String::new(),
        expression: String::new(),
        managed: None,
    };
    let mut tx = Write::begin(&state.store).await?;
    let m = validate(&mut tx, &body, false, blank, false).await?;
    objects::create(&mut tx, &webhook_mappings::to_object(&m)).await?;
    tx.event(&ctx, &admin.user, "model_created", model_ref(&m))
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Value::Object(mapping_json(&m)))).into_response())
}

async fn write(
    state: AppState,
    admin: Admin,
    ctx: RequestContext,
    id: String,
    body: Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, &id).await?;
    let m = validate(&mut tx, &body, partial, before, true).await?;
    objects::update(&mut tx, &webhook_mappings::to_object(&m)).await?;
    tx.event(&ctx, &admin.0.user, "model_updated", model_ref(&m))
        .await?;
    tx.commit().await?;
    Ok(Json(Value::Object(mapping_json(&m))))
}

async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let m = load(&mut tx, &id).await?;
    // Clears `mapping` of SMS stages and `webhook_mapping` of transports (SET_NULL / SET_DEFAULT).
    objects::delete(&mut tx, m.pk).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&m))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `used_by`: the SMS setup stages building their generic payload with the mapping (deleting
/// it sets `mapping` to null) and the notification transports using it (`webhook_mapping`
/// back to its default, null).
async fn used_by(
    AdminDb(_, mut conn): AdminDb,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<UsedBy>>> {
    let m = load(&mut conn, &id).await?;
    let key = m.pk.to_string();
    let sms_kind = castellan_stages::authenticator_sms::KIND;
    let mut out: Vec<UsedBy> = stages::all(&mut conn, Some(sms_kind))
        .await?
        .into_iter()
        .filter(|s| s.config.get("mapping").and_then(Value::as_str) == Some(key.as_str()))
        .map(|s| UsedBy {
            app: "authentik_stages_authenticator_sms".into(),
            model_name: "authenticatorsmsstage".into(),
            pk: s.pk.to_string(),
            name: format!("SMS Authenticator Setup Stage {}", s.name),
            action: UsedByActionEnum::SetNull,
        })
        .collect();
    out.extend(
        objects::list(&mut conn, TRANSPORT_MODEL)
            .await?
            .into_iter()
            .filter(|t| {
                t.config.get("webhook_mapping").and_then(Value::as_str) == Some(key.as_str())
            })
            .map(|t| UsedBy {
                app: "authentik_events".into(),
                model_name: "notificationtransport".into(),
                pk: t.pk.to_string(),
                name: format!("Notification Transport {}", t.name),
                action: UsedByActionEnum::SetDefault,
            }),
    );
    Ok(Json(out))
}

const BASE: &str = "/propertymappings/notification/";
const ONE: &str = "/propertymappings/notification/{pm_uuid}/";
const USED_BY: &str = "/propertymappings/notification/{pm_uuid}/used_by/";

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(
            ONE,
            super::put_patch::put_and_patch!(get(retrieve), write, Admin).delete(destroy),
        )
        .route(USED_BY, get(used_by))
}

const TAG: &str = "propertymappings";
const ONE_MAPPING: Option<&str> = Some("NotificationWebhookMapping");

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        BASE,
        "propertymappings_notification_list",
        TAG,
        Some("PaginatedNotificationWebhookMappingList"),
        200,
    ),
    (
        "post",
        BASE,
        "propertymappings_notification_create",
        TAG,
        ONE_MAPPING,
        201,
    ),
    (
        "get",
        ONE,
        "propertymappings_notification_retrieve",
        TAG,
        ONE_MAPPING,
        200,
    ),
    (
        "put",
        ONE,
        "propertymappings_notification_update",
        TAG,
        ONE_MAPPING,
        200,
    ),
    (
        "patch",
        ONE,
        "propertymappings_notification_partial_update",
        TAG,
        ONE_MAPPING,
        200,
    ),
    (
        "delete",
        ONE,
        "propertymappings_notification_destroy",
        TAG,
        None,
        204,
    ),
    (
        "get",
        USED_BY,
        "propertymappings_notification_used_by_list",
        TAG,
        Some("[UsedBy]"),
        200,
    ),
];

/// Request bodies of this resource.
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", BASE, "NotificationWebhookMappingRequest", true),
    ("put", ONE, "NotificationWebhookMappingRequest", true),
    (
        "patch",
        ONE,
        "PatchedNotificationWebhookMappingRequest",
        false,
    ),
];

/// Component schemas: `NotificationWebhookMapping` and its requests, as authentik's.
pub fn schemas() -> Vec<(String, Value)> {
    let text = json!({"type": "string", "minLength": 1});
    let request = |required: bool| {
        let mut v = json!({"type": "object", "description": "NotificationWebhookMapping Serializer",
                           "properties": {"name": text, "expression": text}});
        if required {
            v["required"] = json!(["expression", "name"]);
        }
        v
    };
    vec![
        (
            "NotificationWebhookMapping".into(),
            json!({"type": "object", "description": "NotificationWebhookMapping Serializer",
                   "properties": {
                       "pk": {"type": "string", "format": "uuid", "readOnly": true,
                              "title": "Pm uuid"},
                       "name": {"type": "string"},
                       "expression": {"type": "string"},
                   },
                   "required": ["expression", "name", "pk"]}),
        ),
        ("NotificationWebhookMappingRequest".into(), request(true)),
        (
            "PatchedNotificationWebhookMappingRequest".into(),
            request(false),
        ),
    ]
}
