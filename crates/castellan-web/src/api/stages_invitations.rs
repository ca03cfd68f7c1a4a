//! `/api/v3/stages/invitation/invitations/` (lookup `invite_uuid`, spec §1.13): invitations,
//! stored in the generic object table (the `name` column holds the key, since authentik's names
//! need not be unique). `created_by` is the requesting admin; `flow_obj` embeds the `Flow`.
//! Filters `name`, `created_by__username`, `expires`, `flow__slug`; search over the same;
//! ordering by any field, default `-expires` (never-expiring first, as PostgreSQL sorts nulls).
use std::cmp::Ordering;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::application::validate_slug;
use castellan_core::invitation::{Invitation, MODEL};
use castellan_store::objects::{self, Object};
use castellan_store::{AnyConnection, flows, users};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::used_by::UsedBy;
use crate::audit;
use crate::auth::{Admin, AdminDb, Db};
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

const BASE: &str = "/stages/invitation/invitations/";
const ONE: &str = "/stages/invitation/invitations/{invite_uuid}/";
const USED_BY: &str = "/stages/invitation/invitations/{invite_uuid}/used_by/";

/// `str(Invitation)` in authentik: `Invitation <hex> created by <username>`.
async fn model_ref(conn: &mut AnyConnection, i: &Invitation) -> ApiResult<Value> {
    let by = match i.created_by {
        Some(pk) => users::get(conn, pk).await?.map(|u| u.username),
        None => None,
    };
    let name = format!(
        "Invitation {} created by {}",
        i.pk.simple(),
        by.unwrap_or_default()
    );
    Ok(audit::model_ref(
        "authentik_stages_invitation",
        "invitation",
        i.pk,
        &name,
    ))
}

fn to_object(i: &Invitation) -> Object {
    Object {
        pk: i.pk,
        model: MODEL.into(),
        name: i.pk.to_string(),
        config: i.to_config(),
    }
}

/// Serialises invitations; those whose creator no longer exists are left out (authentik
/// deletes them with the user).
async fn invitations_json(
    conn: &mut AnyConnection,
    state: &AppState,
    list: Vec<Invitation>,
) -> ApiResult<Vec<Map<String, Value>>> {
    let mut out = Vec::with_capacity(list.len());
    for i in list {
        let creator = match i.created_by {
            Some(pk) => match users::get(conn, pk).await? {
                Some(u) => Some(super::user_json::group_member(u, &state.install_id)),
                None => continue,
            },
            None => None,
        };
        let flow = match i.flow {
            Some(pk) => match flows::get(conn, pk).await? {
                Some(f) => Some(super::flows::flow_json(conn, &f).await?),
                None => None,
            },
            None => None,
        };
        let mut m = Map::new();
        m.insert("pk".into(), json!(i.pk));
        m.insert("name".into(), json!(i.name));
        m.insert("expires".into(), json!(i.expires));
        m.insert("fixed_data".into(), Value::Object(i.fixed_data.clone()));
        m.insert("created_by".into(), json!(creator));
        m.insert("single_use".into(), json!(i.single_use));
        m.insert("flow".into(), json!(flow.as_ref().and(i.flow)));
        m.insert("flow_obj".into(), flow.unwrap_or(Value::Null));
        out.push(m);
    }
    Ok(out)
}

async fn one_json(conn: &mut AnyConnection, state: &AppState, i: Invitation) -> ApiResult<Value> {
    invitations_json(conn, state, vec![i])
        .await?
        .pop()
        .map(Value::Object)
        .ok_or(ApiError::NotFound)
}

async fn load(conn: &mut AnyConnection, pk: &str) -> ApiResult<Invitation> {
    let pk = Uuid::parse_str(pk).map_err(|_| ApiError::NotFound)?;
    let o = objects::get(conn, MODEL, pk)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Invitation::from_config(o.pk, &o.config))
}

/// The value a filter or the search compares: `created_by__username` and `flow__slug` look
/// into the embedded objects.
fn lookup<'a>(o: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    match field {
        "created_by__username" => o.get("created_by")?.get("username"),
        "flow__slug" => o.get("flow_obj")?.get("slug"),
        "created_by" => o.get("created_by")?.get("pk"),
        other => o.get(other),
    }
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Orders like PostgreSQL: nulls sort after every value.
fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    let null = |v: Option<&Value>| v.is_none_or(Value::is_null);
    match (null(a), null(b)) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => match (a, b) {
            (Some(Value::Number(x)), Some(Value::Number(y))) => x
                .as_f64()
                .partial_cmp(&y.as_f64())
                .unwrap_or(Ordering::Equal),
            (Some(Value::String(x)), Some(Value::String(y))) => {
                match (
                    DateTime::parse_from_rfc3339(x),
                    DateTime::parse_from_rfc3339(y),
                ) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => x.cmp(y),
                }
            }
            _ => text_of(a).cmp(&text_of(b)),
        },
    }
}

const ORDERING: [&str; 7] = [
    "pk",
    "name",
    "expires",
    "single_use",
    "flow",
    "created_by",
    "fixed_data",
];

/// `GET /stages/invitation/invitations/`.
pub async fn list(
    State(state): State<AppState>,
    AdminDb(_, Db(mut conn)): AdminDb,
    params: Params,
) -> ApiResult<Json<Paginated<Value>>> {
    let page = params.page()?;
    let expires = match params.text("expires") {
        Some(raw) => Some(
            DateTime::parse_from_rfc3339(raw.trim())
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| ApiError::field("expires", "Enter a valid date/time."))?,
        ),
        None => None,
    };
    let all: Vec<Invitation> = objects::list(&mut conn, MODEL)
        .await?
        .iter()
        .map(|o| Invitation::from_config(o.pk, &o.config))
        .collect();
    let search = params.search().map(|s| s.to_lowercase());
    let mut kept: Vec<Map<String, Value>> = invitations_json(&mut conn, &state, all)
        .await?
        .into_iter()
        .filter(|o| {
            ["name", "created_by__username", "flow__slug"]
                .iter()
                .all(|f| params.text(f).is_none_or(|w| text_of(lookup(o, f)) == w))
        })
        .filter(|o| {
            expires.is_none_or(|e| {
                let v = text_of(o.get("expires"));
                DateTime::parse_from_rfc3339(&v).is_ok_and(|d| d == e)
            })
        })
        .filter(|o| {
            search.as_ref().is_none_or(|s| {
                ["name", "created_by__username", "expires", "flow__slug"]
                    .iter()
                    .any(|f| text_of(lookup(o, f)).to_lowercase().contains(s))
            })
        })
        .collect();
    let ordering = params
        .get("ordering")
        .and_then(|o| o.split(',').next())
        .filter(|o| ORDERING.contains(&o.trim_start_matches('-')))
        .unwrap_or("-expires");
    let (desc, key) = match ordering.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, ordering),
    };
    kept.sort_by(|a, b| {
        let ord = compare(lookup(a, key), lookup(b, key));
        if desc { ord.reverse() } else { ord }
    });
    let count = kept.len() as i64;
    let start = ((page.page - 1) * page.page_size).max(0) as usize;
    let results = kept
        .into_iter()
        .skip(start)
        .take(page.page_size as usize)
        .map(Value::Object)
        .collect();
    Ok(Json(Paginated::new(results, count, page)?))
}

/// `GET /stages/invitation/invitations/{invite_uuid}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    AdminDb(_, Db(mut conn)): AdminDb,
    Path(pk): Path<String>,
) -> ApiResult<Json<Value>> {
    let i = load(&mut conn, &pk).await?;
    Ok(Json(one_json(&mut conn, &state, i).await?))
}

/// Validates a body into an invitation (every error collected; nothing is written on error).
pub async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut i: Invitation,
) -> ApiResult<Invitation> {
    let mut f = Fields::new(body, partial);
    if let Some(v) = f.string("name", true, false, 50) {
        if let Err(e) = validate_slug("name", &v, 50) {
            f.error("name", e.message);
        }
        i.name = v;
    }
    if let Some(v) = f.nullable_datetime("expires") {
        i.expires = v;
    }
    if body.get("fixed_data").is_some_and(Value::is_null) {
        f.error("fixed_data", "This field may not be null.");
    } else if let Some(Value::Object(v)) = f.object("fixed_data") {
        i.fixed_data = v;
    }
    if body.get("single_use").is_some_and(Value::is_null) {
        f.error("single_use", "This field may not be null.");
    } else if let Some(v) = f.boolean("single_use") {
        i.single_use = v;
    }
    if let Some(v) = f.nullable_uuid("flow", false) {
        match v {
            Some(pk) if flows::get(conn, pk).await?.is_none() => {
                f.error(
                    "flow",
                    format!("Invalid pk \"{pk}\" - object does not exist."),
                );
            }
            _ => i.flow = v,
        }
    }
    f.finish()?;
    Ok(i)
}

/// `POST /stages/invitation/invitations/`: `created_by` is the caller.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut tx = Write::begin(&state.store).await?;
    let blank = Invitation {
        pk: Uuid::new_v4(),
        created_by: Some(admin.user.pk),
        ..Invitation::default()
    };
    let i = validate(&mut tx, &body, false, blank).await?;
    objects::create(&mut tx, &to_object(&i)).await?;
    let model = model_ref(&mut tx, &i).await?;
    tx.event(&ctx, &admin.user, "model_created", model).await?;
    let out = one_json(&mut tx, &state, i).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn write(
    state: &AppState,
    admin: &Admin,
    ctx: &RequestContext,
    pk: &str,
    body: &Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<Value>> {
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, pk).await?;
    let i = validate(&mut tx, body, partial, before).await?;
    objects::update(&mut tx, &to_object(&i)).await?;
    let model = model_ref(&mut tx, &i).await?;
    tx.event(ctx, &admin.0.user, "model_updated", model).await?;
    let out = one_json(&mut tx, state, i).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// `PUT /stages/invitation/invitations/{invite_uuid}/`.
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    write(&state, &admin, &ctx, &pk, &body, false).await
}

/// `PATCH /stages/invitation/invitations/{invite_uuid}/`.
pub async fn partial_update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    write(&state, &admin, &ctx, &pk, &body, true).await
}

/// `DELETE /stages/invitation/invitations/{invite_uuid}/`.
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(pk): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let i = load(&mut tx, &pk).await?;
    let model = model_ref(&mut tx, &i).await?;
    objects::take(&mut tx, MODEL, i.pk).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET …/{invite_uuid}/used_by/`: nothing references an invitation.
pub async fn used_by(
    AdminDb(_, Db(mut conn)): AdminDb,
    Path(pk): Path<String>,
) -> ApiResult<Json<Vec<UsedBy>>> {
    load(&mut conn, &pk).await?;
    Ok(Json(Vec::new()))
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(
            ONE,
            get(retrieve)
                .put(update)
                .patch(partial_update)
                .delete(destroy),
        )
        .route(USED_BY, get(used_by))
}

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        BASE,
        "stages_invitation_invitations_list",
        "stages",
        Some("PaginatedInvitationList"),
        200,
    ),
    (
        "post",
        BASE,
        "stages_invitation_invitations_create",
        "stages",
        Some("Invitation"),
        201,
    ),
    (
        "get",
        ONE,
        "stages_invitation_invitations_retrieve",
        "stages",
        Some("Invitation"),
        200,
    ),
    (
        "put",
        ONE,
        "stages_invitation_invitations_update",
        "stages",
        Some("Invitation"),
        200,
    ),
    (
        "patch",
        ONE,
        "stages_invitation_invitations_partial_update",
        "stages",
        Some("Invitation"),
        200,
    ),
    (
        "delete",
        ONE,
        "stages_invitation_invitations_destroy",
        "stages",
        None,
        204,
    ),
    (
        "get",
        USED_BY,
        "stages_invitation_invitations_used_by_list",
        "stages",
        Some("[UsedBy]"),
        200,
    ),
];

/// Documented request bodies of this resource.
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", BASE, "InvitationRequest", true),
    ("put", ONE, "InvitationRequest", true),
    ("patch", ONE, "PatchedInvitationRequest", false),
];

fn request_properties() -> Value {
    json!({
        "name": {"type": "string", "minLength": 1, "maxLength": 50, "pattern": "^[-a-zA-Z0-9_]+$"},
        "expires": {"type": ["string", "null"], "format": "date-time"},
        "fixed_data": {"type": "object", "additionalProperties": {}},
        "single_use": {"type": "boolean", "description": "When enabled, the invitation will be deleted after usage."},
        "flow": {"type": ["string", "null"], "format": "uuid", "description": "When set, only the configured flow can use this invitation."},
    })
}

/// `Invitation`, `InvitationRequest` and `PatchedInvitationRequest`.
pub fn schemas() -> Vec<(String, Value)> {
    let mut response = request_properties();
    response["pk"] =
        json!({"type": "string", "format": "uuid", "readOnly": true, "title": "Invite uuid"});
    response["name"] = json!({"type": "string", "maxLength": 50, "pattern": "^[-a-zA-Z0-9_]+$"});
    response["created_by"] =
        json!({"allOf": [{"$ref": "#/components/schemas/GroupMember"}], "readOnly": true});
    response["flow_obj"] =
        json!({"allOf": [{"$ref": "#/components/schemas/Flow"}], "readOnly": true});
    let description = "Invitation Serializer";
    vec![
        (
            "Invitation".into(),
            json!({"type": "object", "description": description, "properties": response,
                   "required": ["created_by", "flow_obj", "name", "pk"]}),
        ),
        (
            "InvitationRequest".into(),
            json!({"type": "object", "description": description,
                   "properties": request_properties(), "required": ["name"]}),
        ),
        (
            "PatchedInvitationRequest".into(),
            json!({"type": "object", "description": description,
                   "properties": request_properties()}),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_sort_last_ascending() {
        let a = json!("2030-01-01T00:00:00Z");
        let b = json!("2029-01-01T00:00:00+00:00");
        assert_eq!(compare(Some(&a), Some(&b)), Ordering::Greater);
        assert_eq!(compare(Some(&Value::Null), Some(&a)), Ordering::Greater);
        assert_eq!(compare(None, Some(&Value::Null)), Ordering::Equal);
    }
}
