//! `/api/v3/core/users/`: list, retrieve, create, update, partial update, delete, `me`,
//! `set_password` and `paths` (spec §1.1).
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use castellan_core::user::{self, DEFAULT_AVATAR, User, UserType, user_uid};
use castellan_crypto::password;
use castellan_store::users::{self, NewUser, UserFilter};
use castellan_store::{AnyConnection, groups, sessions};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::user_json::{GroupIndex, UserJson, user_json, users_with_groups_json};
use crate::audit;
use crate::auth::{Admin, AdminDb, Db, Principal};
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Fields, TEXT_MAX};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

const MODEL: (&str, &str) = ("authentik_core", "user");

fn model_ref(u: &User) -> Value {
    audit::model_ref(MODEL.0, MODEL.1, u.pk, &u.username)
}

/// `GET /core/users/`.
pub async fn list(
    State(state): State<AppState>,
    AdminDb(admin, Db(mut conn)): AdminDb,
    params: Params,
) -> ApiResult<Json<Paginated<UserJson>>> {
    let page = params.page()?;
    let index = GroupIndex::from_shared(admin.groups.clone());
    let mut types = Vec::new();
    for t in params.all("type") {
        types.push(UserType::parse(&t).ok_or_else(|| {
            ApiError::field(
                "type",
                format!("Select a valid choice. {t} is not one of the available choices."),
            )
        })?);
    }
    let mut groups_by_pk = Vec::new();
    for g in params.all("groups_by_pk") {
        groups_by_pk.push(
            Uuid::parse_str(&g)
                .map_err(|_| ApiError::field("groups_by_pk", "Enter a valid UUID."))?,
        );
    }
    if params.get("attributes").is_some_and(|a| !a.is_empty()) {
        return Err(ApiError::field(
            "attributes",
            "Filtering by attributes is not supported yet.",
        ));
    }
    let filter = UserFilter {
        username: params.text("username"),
        email: params.text("email"),
        name: params.text("name"),
        is_active: params.boolean("is_active")?,
        uuid: params.uuid("uuid")?,
        path: params.text("path"),
        path_startswith: params.text("path_startswith"),
        types,
        groups_by_name: params.all("groups_by_name"),
        groups_by_pk,
        member_of_any: params
            .boolean("is_superuser")?
            .map(|b| (b, index.superuser_granting())),
        search: params.search(),
        order_by: params.ordering(users::ordering),
        ..UserFilter::default()
    };
    let (rows, count) = users::list_with_groups(&mut conn, &filter, page).await?;
    let include_groups = params.boolean("include_groups")?.unwrap_or(true);
    let results = users_with_groups_json(rows, &state.install_id, include_groups, &index);
    Ok(Json(Paginated::new(results, count, page)?))
}

async fn load(conn: &mut AnyConnection, id: i64) -> ApiResult<User> {
    users::get(conn, id).await?.ok_or(ApiError::NotFound)
}

/// `GET /core/users/{id}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
) -> ApiResult<Json<UserJson>> {
    let mut conn = state.store.conn().await?;
    let user = load(&mut conn, id).await?;
    Ok(Json(user_json(&mut conn, user, &state.install_id).await?))
}

/// Validated changes from a user body.
pub struct UserChanges {
    /// The user with the body applied.
    pub user: User,
    /// The direct groups, when the body sets them.
    pub groups: Option<Vec<Uuid>>,
}

/// Validates a body into a user and its group list; shared with blueprints.
pub async fn validate(
    conn: &mut AnyConnection,
    body: &serde_json::Map<String, Value>,
    partial: bool,
    mut user: User,
    existing: bool,
) -> ApiResult<UserChanges> {
    let mut f = Fields::new(body, partial);
    if let Some(v) = f.string("username", true, false, user::USERNAME_MAX_LEN) {
        user.username = v;
    }
    if let Some(v) = f.string("name", true, true, TEXT_MAX) {
        user.name = v;
    }
    if let Some(v) = f.boolean("is_active") {
        user.is_active = v;
    }
    if let Some(v) = f.nullable_datetime("last_login") {
        user.last_login = v;
    }
    if let Some(v) = f.string("email", false, true, 254) {
        if !v.is_empty() && !looks_like_email(&v) {
            f.error("email", "Enter a valid email address.");
        }
        user.email = v;
    }
    if let Some(v) = f.object("attributes") {
        user.attributes = v;
    }
    if let Some(v) = f.string("path", false, false, TEXT_MAX) {
        if let Err(e) = user::validate_path(&v) {
            f.error("path", e.message);
        }
        user.path = v;
    }
    if let Some(v) = f.choice("type", &UserType::ALL.map(UserType::as_str)) {
        let t = UserType::parse(&v).unwrap_or_default();
        if t == UserType::InternalServiceAccount {
            f.error(
                "type",
                "Setting a user to internal service account is not possible.",
            );
        }
        user.user_type = t;
    }
    let groups = f.uuid_list("groups");
    if !f.has_error("username")
        && users::username_taken(conn, &user.username, existing.then_some(user.pk)).await?
    {
        f.error("username", "This field must be unique.");
    }
    if let Some(list) = &groups {
        let found = groups::existing(conn, list).await?;
        if let Some(missing) = list.iter().find(|g| !found.contains(g)) {
            f.error(
                "groups",
                format!("Invalid pk \"{missing}\" - object does not exist."),
            );
        }
    }
    f.finish()?;
    Ok(UserChanges { user, groups })
}

/// A light email check (Django's validator accepts `local@domain` with a dot-free domain too).
fn looks_like_email(v: &str) -> bool {
    match v.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !v.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// A user with the API's defaults for a create.
pub fn blank_user(now: chrono::DateTime<chrono::Utc>) -> User {
    User {
        pk: 0,
        uuid: Uuid::nil(),
        username: String::new(),
        name: String::new(),
        email: String::new(),
        password: String::new(),
        password_change_date: now,
        is_active: true,
        last_login: None,
        date_joined: now,
        path: user::DEFAULT_USER_PATH.into(),
        user_type: UserType::Internal,
        attributes: json!({}),
    }
}

/// `POST /core/users/`.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let mut tx = Write::begin(&state.store).await?;
    let now = tx.now();
    let changes = validate(&mut tx, &body, false, blank_user(now), false).await?;
    let u = changes.user;
    let new = NewUser {
        username: u.username,
        name: u.name,
        email: u.email,
        password: password::make_unusable_password(),
        is_active: u.is_active,
        path: u.path,
        user_type: u.user_type,
        attributes: u.attributes,
        last_login: u.last_login,
    };
    let created = users::create(&mut tx, &new, now).await?;
    if let Some(g) = &changes.groups {
        users::set_groups(&mut tx, created.pk, g).await?;
    }
    tx.event(&ctx, &admin.user, "model_created", model_ref(&created))
        .await?;
    let out = user_json(&mut tx, created, &state.install_id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn write(
    state: &AppState,
    admin: &Principal,
    ctx: &RequestContext,
    id: i64,
    body: &serde_json::Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<UserJson>> {
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, id).await?;
    if before.user_type == UserType::InternalServiceAccount {
        return Err(ApiError::field(
            "non_field_errors",
            "Can't modify internal service account users",
        ));
    }
    let changes = validate(&mut tx, body, partial, before.clone(), true).await?;
    users::update(&mut tx, &changes.user).await?;
    if let Some(g) = &changes.groups {
        users::set_groups(&mut tx, id, g).await?;
    }
    if before.is_active && !changes.user.is_active {
        sessions::delete_for_user(&mut tx, id).await?;
    }
    tx.event(ctx, &admin.user, "model_updated", model_ref(&changes.user))
        .await?;
    let out = user_json(&mut tx, changes.user, &state.install_id).await?;
    tx.commit().await?;
    Ok(Json(out))
}

/// `PUT /core/users/{id}/`.
pub async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<UserJson>> {
    write(&state, &admin, &ctx, id, &body, false).await
}

/// `PATCH /core/users/{id}/`.
pub async fn partial_update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<UserJson>> {
    write(&state, &admin, &ctx, id, &body, true).await
}

/// `DELETE /core/users/{id}/`.
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let user = load(&mut tx, id).await?;
    users::delete(&mut tx, id).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&user))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /core/users/{id}/set_password/`.
pub async fn set_password(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let mut f = Fields::new(&body, false);
    let pw = f.string("password", true, false, 4096);
    f.finish()?;
    let pw = pw.unwrap_or_default();
    let encoded = tokio::task::spawn_blocking(move || password::hash_password(&pw))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut tx = Write::begin(&state.store).await?;
    let now = tx.now();
    let user = load(&mut tx, id).await?;
    users::set_password(&mut tx, id, &encoded, now).await?;
    audit::record(
        &mut tx,
        now,
        &ctx,
        Some(&admin.user),
        "password_set",
        "authentik.core",
        json!({"user": model_ref(&user)}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `UserSelfGroups`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserSelfGroups {
    /// Name.
    pub name: String,
    /// UUID.
    pub pk: String,
}

/// `UserSelf`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserSelf {
    /// Id.
    pub pk: i64,
    /// Username.
    pub username: String,
    /// Name.
    pub name: String,
    /// Active.
    pub is_active: bool,
    /// Superuser.
    pub is_superuser: bool,
    /// Recursive groups.
    pub groups: Vec<UserSelfGroups>,
    /// Email.
    #[schema(required = false)]
    pub email: String,
    /// Avatar.
    pub avatar: String,
    /// Hashed id.
    pub uid: String,
    /// Settings from brand, groups and user attributes.
    #[schema(value_type = Object)]
    pub settings: Value,
    /// Type.
    #[serde(rename = "type")]
    #[schema(value_type = super::enums::UserTypeEnum, required = false)]
    pub user_type: String,
    /// System permissions.
    pub system_permissions: Vec<String>,
}

/// `SessionUser`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUser {
    /// The current user.
    pub user: UserSelf,
    /// The impersonating (original) user, while the session impersonates `user`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = UserSelf, required = false)]
    pub original: Option<UserSelf>,
}

/// Deep-merges `src` into `dst` (objects merge, other values replace).
fn deep_merge(dst: &mut Value, src: &Value) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, v) in s {
                deep_merge(d.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (d, s) => *d = s.clone(),
    }
}

/// The `UserSelf` of `u`: recursive groups (from the `index` snapshot) and the settings merged
/// from their attributes.
async fn user_self(
    conn: &mut AnyConnection,
    state: &AppState,
    index: &GroupIndex,
    u: User,
    is_superuser: Option<bool>,
) -> ApiResult<UserSelf> {
    let direct = users::direct_groups(conn, &[u.pk])
        .await?
        .remove(&u.pk)
        .unwrap_or_default();
    let is_superuser =
        is_superuser.unwrap_or_else(|| castellan_core::group::is_superuser(&direct, index.all()));
    let recursive = castellan_core::group::recursive_groups(&direct, index.all());
    let mut groups: Vec<_> = recursive.iter().filter_map(|id| index.get(id)).collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let mut attrs = json!({});
    for g in &groups {
        deep_merge(&mut attrs, &g.attributes);
    }
    deep_merge(&mut attrs, &u.attributes);
    let settings = attrs.get("settings").cloned().unwrap_or_else(|| json!({}));
    Ok(UserSelf {
        pk: u.pk,
        uid: user_uid(u.pk, &state.install_id),
        username: u.username,
        name: u.name,
        is_active: u.is_active,
        is_superuser,
        groups: groups
            .iter()
            .map(|g| UserSelfGroups {
                name: g.name.clone(),
                pk: g.pk.to_string(),
            })
            .collect(),
        email: u.email,
        avatar: DEFAULT_AVATAR.into(),
        settings,
        user_type: u.user_type.as_str().into(),
        system_permissions: Vec::new(),
    })
}

/// `GET /core/users/me/`: the caller and, while their session impersonates, the original user.
pub async fn me(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<SessionUser>> {
    let mut conn = state.store.conn().await?;
    let index = GroupIndex::from_shared(principal.groups.clone());
    let user = user_self(
        &mut conn,
        &state,
        &index,
        principal.user,
        Some(principal.is_superuser),
    )
    .await?;
    let original = match principal.impersonation {
        Some(imp) => Some(user_self(&mut conn, &state, &index, imp.original.clone(), None).await?),
        None => None,
    };
    Ok(Json(SessionUser { user, original }))
}

/// `UserPath`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPath {
    /// Distinct paths.
    pub paths: Vec<String>,
}

/// `GET /core/users/paths/`.
pub async fn paths(
    State(state): State<AppState>,
    _admin: Admin,
    params: Params,
) -> ApiResult<Json<UserPath>> {
    let mut conn = state.store.conn().await?;
    let paths = users::paths(&mut conn, params.search().as_deref()).await?;
    Ok(Json(UserPath { paths }))
}
