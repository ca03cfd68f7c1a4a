//! `/api/v3/core/groups/`: CRUD plus `add_user` / `remove_user` (spec §1.2).
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use castellan_core::group::{Group, num_pk};
use castellan_store::groups::{self, GroupFilter};
use castellan_store::{AnyConnection, objects, rbac, users};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::user_json::{GroupIndex, GroupMember, group_member};
use crate::audit;
use crate::auth::Admin;
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Fields, TEXT_MAX};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// `Role` (spec §12).
#[derive(Debug, Serialize, ToSchema)]
pub struct Role {
    /// Role UUID.
    pub pk: Uuid,
    /// Name.
    pub name: String,
}

/// `Group`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Group)]
pub struct GroupJson {
    /// UUID.
    pub pk: Uuid,
    /// Numeric id.
    pub num_pk: i64,
    /// Name.
    pub name: String,
    /// Superuser flag.
    #[schema(required = false)]
    pub is_superuser: bool,
    /// Parent.
    pub parent: Option<Uuid>,
    /// Parent name.
    #[schema(required = true)]
    pub parent_name: Option<String>,
    /// Direct member ids.
    #[schema(required = false)]
    pub users: Vec<i64>,
    /// Direct members, or null with `include_users=false`.
    #[schema(required = true)]
    pub users_obj: Option<Vec<GroupMember>>,
    /// Attributes.
    #[schema(value_type = Object, required = false)]
    pub attributes: Value,
    /// Ids of the roles attached to the group (their members hold the roles' permissions).
    #[schema(required = false)]
    pub roles: Vec<Uuid>,
    /// The attached roles.
    pub roles_obj: Vec<Role>,
}

fn model_ref(g: &Group) -> Value {
    audit::model_ref("authentik_core", "group", g.pk, &g.name)
}

async fn to_json(
    conn: &mut AnyConnection,
    state: &AppState,
    g: Group,
    index: &GroupIndex,
    include_users: bool,
) -> ApiResult<GroupJson> {
    let ids = groups::member_ids(conn, g.pk).await?;
    let role_ids = rbac::roles_of_group(conn, g.pk).await?;
    let roles_obj: Vec<Role> = objects::get_many(conn, rbac::ROLE_MODEL, &role_ids)
        .await?
        .into_iter()
        .map(|o| Role {
            pk: o.pk,
            name: o.name,
        })
        .collect();
    let users_obj = if include_users {
        let (members, _) = users::list(
            conn,
            &users::UserFilter {
                pks: Some(ids.clone()),
                ..Default::default()
            },
            castellan_store::Page {
                page: 1,
                page_size: ids.len().max(1) as i64,
            },
        )
        .await?;
        Some(
            members
                .into_iter()
                .map(|u| group_member(u, &state.install_id))
                .collect(),
        )
    } else {
        None
    };
    Ok(GroupJson {
        pk: g.pk,
        num_pk: num_pk(&g.pk),
        parent_name: g.parent.and_then(|p| index.get(&p)).map(|p| p.name.clone()),
        name: g.name,
        is_superuser: g.is_superuser,
        parent: g.parent,
        users: ids,
        users_obj,
        attributes: g.attributes,
        roles: roles_obj.iter().map(|r| r.pk).collect(),
        roles_obj,
    })
}

/// `GET /core/groups/`.
pub async fn list(
    State(state): State<AppState>,
    _a: Admin,
    params: Params,
) -> ApiResult<Json<Paginated<GroupJson>>> {
    let page = params.page()?;
    let mut conn = state.store.conn().await?;
    let mut members_by_pk = Vec::new();
    for v in params.all("members_by_pk") {
        members_by_pk.push(
            v.parse()
                .map_err(|_| ApiError::field("members_by_pk", "Enter a number."))?,
        );
    }
    let f = GroupFilter {
        name: params.text("name"),
        is_superuser: params.boolean("is_superuser")?,
        members_by_pk,
        members_by_username: params.all("members_by_username"),
        search: params.search(),
        order_by: params.ordering(groups::ordering),
    };
    let (rows, count) = groups::list(&mut conn, &f, page).await?;
    let index = GroupIndex::load(&mut conn).await?;
    let include_users = params.boolean("include_users")?.unwrap_or(true);
    let mut out = Vec::with_capacity(rows.len());
    for g in rows {
        out.push(to_json(&mut conn, &state, g, &index, include_users).await?);
    }
    Ok(Json(Paginated::new(out, count, page)?))
}

async fn load(conn: &mut AnyConnection, id: Uuid) -> ApiResult<Group> {
    groups::get(conn, id).await?.ok_or(ApiError::NotFound)
}

/// `GET /core/groups/{id}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<GroupJson>> {
    let mut conn = state.store.conn().await?;
    let g = load(&mut conn, id).await?;
    let index = GroupIndex::load(&mut conn).await?;
    Ok(Json(to_json(&mut conn, &state, g, &index, true).await?))
}

/// Validates a body into a group and its member list; shared with blueprints.
pub async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut g: Group,
    existing: bool,
) -> ApiResult<(Group, Option<Vec<i64>>, Option<Vec<Uuid>>)> {
    let mut f = Fields::new(body, partial);
    if let Some(v) = f.string("name", true, false, TEXT_MAX) {
        g.name = v;
    }
    if let Some(v) = f.boolean("is_superuser") {
        g.is_superuser = v;
    }
    if let Some(v) = f.nullable_uuid("parent", false) {
        g.parent = v;
    }
    if let Some(v) = f.object("attributes") {
        g.attributes = v;
    }
    let members = f.int_list("users");
    let roles = f.uuid_list("roles");
    if let Some(list) = &roles {
        let found = objects::get_many(conn, rbac::ROLE_MODEL, list).await?;
        if let Some(missing) = list.iter().find(|r| !found.iter().any(|o| o.pk == **r)) {
            f.error(
                "roles",
                format!("Invalid pk \"{missing}\" - object does not exist."),
            );
        }
        let taken = rbac::group_roles(conn).await?;
        if list
            .iter()
            .any(|r| taken.iter().any(|(grp, role)| role == r && *grp != g.pk))
        {
            f.error("roles", "Roles can only be used with a single group.");
        }
    }
    if !f.has_error("name") && groups::name_taken(conn, &g.name, existing.then_some(g.pk)).await? {
        f.error("name", "This field must be unique.");
    }
    if let Some(parent) = g.parent {
        if parent == g.pk {
            f.error("parent", "A group cannot be its own parent.");
        } else if groups::get(conn, parent).await?.is_none() {
            f.error(
                "parent",
                format!("Invalid pk \"{parent}\" - object does not exist."),
            );
        }
    }
    if let Some(list) = &members {
        let found = users::existing(conn, list).await?;
        if let Some(missing) = list.iter().find(|u| !found.contains(u)) {
            f.error(
                "users",
                format!("Invalid pk \"{missing}\" - object does not exist."),
            );
        }
    }
    f.finish()?;
    Ok((g, members, roles))
}

/// `POST /core/groups/`.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut tx = Write::begin(&state.store).await?;
    let blank = Group {
        pk: Uuid::new_v4(),
        name: String::new(),
        is_superuser: false,
        parent: None,
        attributes: json!({}),
    };
    let (g, members, roles) = validate(&mut tx, &body, false, blank, false).await?;
    groups::create(&mut tx, &g).await?;
    if let Some(m) = &members {
        groups::set_members(&mut tx, g.pk, m).await?;
    }
    if let Some(r) = &roles {
        rbac::set_group_roles(&mut tx, g.pk, r).await?;
    }
    tx.event(&ctx, &admin.user, "model_created", model_ref(&g))
        .await?;
    let index = GroupIndex::load(&mut tx).await?;
    let out = to_json(&mut tx, &state, g, &index, true).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn write(
    state: &AppState,
    admin: &Admin,
    ctx: &RequestContext,
    id: Uuid,
    body: &Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<GroupJson>> {
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, id).await?;
    let (g, members, roles) = validate(&mut tx, body, partial, before, true).await?;
    groups::update(&mut tx, &g).await?;
    if let Some(m) = &members {
        groups::set_members(&mut tx, g.pk, m).await?;
    }
    if let Some(r) = &roles {
        rbac::set_group_roles(&mut tx, g.pk, r).await?;
    }
    tx.event(ctx, &admin.0.user, "model_updated", model_ref(&g))
        .await?;
    let index = GroupIndex::load(&mut tx).await?;
    let out = to_json(&mut tx, state, g, &index, true).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// `PUT /core/groups/{id}/`.
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(id): Path<Uuid>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<GroupJson>> {
    write(&state, &admin, &ctx, id, &body, false).await
}

/// `PATCH /core/groups/{id}/`.
pub async fn partial_update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(id): Path<Uuid>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<GroupJson>> {
    write(&state, &admin, &ctx, id, &body, true).await
}

/// `DELETE /core/groups/{id}/`.
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let g = load(&mut tx, id).await?;
    groups::delete(&mut tx, id).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&g))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn membership(
    state: &AppState,
    id: Uuid,
    body: &Map<String, Value>,
    add: bool,
) -> ApiResult<StatusCode> {
    let mut f = Fields::new(body, false);
    let pk = f.integer("pk", true);
    f.finish()?;
    let pk = pk.unwrap_or_default();
    let mut tx = Write::begin(&state.store).await?;
    load(&mut tx, id).await?;
    if users::get(&mut tx, pk).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    if add {
        users::add_to_group(&mut tx, pk, id).await?;
    } else {
        users::remove_from_group(&mut tx, pk, id).await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /core/groups/{id}/add_user/`.
pub async fn add_user(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<Uuid>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    membership(&state, id, &body, true).await
}

/// `POST /core/groups/{id}/remove_user/`.
pub async fn remove_user(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<Uuid>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    membership(&state, id, &body, false).await
}
