//! Groups, users, tokens and brands for blueprints, validated by the REST API's functions, with
//! authentik's blueprint-only extras: a user's `password` (hashed; empty or null makes it
//! unusable) and a token's `key`; a group's `roles` go through the API's validation.
use castellan_core::brand::Brand;
use castellan_core::group::Group;
use castellan_core::token::{DEFAULT_TOKEN_LENGTH, Token, TokenIntent};
use castellan_core::user::{User, UserType};
use castellan_crypto::password;
use castellan_store::users::NewUser;
use castellan_store::{AnyConnection, brands, groups, rbac, tokens, users};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::models_flows::{ALL, Candidate, uuid_of};
use crate::api;
use crate::error::{ApiError, ApiResult};

/// The roles attached to `group`.
async fn roles_of(conn: &mut AnyConnection, group: Uuid) -> ApiResult<Vec<Value>> {
    Ok(rbac::roles_of_group(conn, group)
        .await?
        .into_iter()
        .map(|r| json!(r))
        .collect())
}

async fn group_json(conn: &mut AnyConnection, g: Group) -> ApiResult<Map<String, Value>> {
    let users = groups::member_ids(conn, g.pk).await?;
    let roles = roles_of(conn, g.pk).await?;
    let mut m = Map::new();
    m.insert("pk".into(), json!(g.pk));
    m.insert("name".into(), json!(g.name));
    m.insert("is_superuser".into(), json!(g.is_superuser));
    m.insert("parent".into(), json!(g.parent));
    m.insert("attributes".into(), g.attributes);
    m.insert("users".into(), json!(users));
    m.insert("roles".into(), Value::Array(roles));
    Ok(m)
}

/// Groups matching `hint` (by name or pk when given), serialized.
pub async fn group_candidates(
    conn: &mut AnyConnection,
    hint: &Map<String, Value>,
) -> ApiResult<Vec<Candidate>> {
    let found = if let Some(name) = hint.get("name").and_then(Value::as_str) {
        groups::get_by_name(conn, name).await?.into_iter().collect()
    } else if let Some(pk) = uuid_of(hint.get("pk")) {
        groups::get(conn, pk).await?.into_iter().collect()
    } else {
        groups::all(conn).await?
    };
    let mut out = Vec::with_capacity(found.len());
    for g in found {
        let pk = json!(g.pk);
        out.push((pk, group_json(conn, g).await?));
    }
    Ok(out)
}

/// Creates (`pk` None) or updates a group through the API's validation.
pub async fn group_write(
    conn: &mut AnyConnection,
    pk: Option<Uuid>,
    attrs: &Map<String, Value>,
) -> ApiResult<Value> {
    let body = attrs.clone();
    let (before, existing) = match pk {
        Some(pk) => (
            groups::get(conn, pk).await?.ok_or(ApiError::NotFound)?,
            true,
        ),
        None => (
            Group {
                pk: Uuid::new_v4(),
                name: String::new(),
                is_superuser: false,
                parent: None,
                attributes: json!({}),
            },
            false,
        ),
    };
    let (g, members, roles) =
        api::groups::validate(conn, &body, existing, before, existing).await?;
    if existing {
        groups::update(conn, &g).await?;
    } else {
        groups::create(conn, &g).await?;
    }
    if let Some(m) = &members {
        groups::set_members(conn, g.pk, m).await?;
    }
    if let Some(roles) = &roles {
        rbac::set_group_roles(conn, g.pk, roles).await?;
    }
    Ok(json!(g.pk))
}

fn user_json(u: &User, groups: Vec<Uuid>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("pk".into(), json!(u.pk));
    m.insert("username".into(), json!(u.username));
    m.insert("name".into(), json!(u.name));
    m.insert("is_active".into(), json!(u.is_active));
    m.insert("last_login".into(), json!(u.last_login));
    m.insert("groups".into(), json!(groups));
    m.insert("email".into(), json!(u.email));
    m.insert("attributes".into(), u.attributes.clone());
    m.insert("uuid".into(), json!(u.uuid));
    m.insert("path".into(), json!(u.path));
    m.insert("type".into(), json!(u.user_type.as_str()));
    m
}

/// Users matching `hint` (by username or pk when given), serialized.
pub async fn user_candidates(
    conn: &mut AnyConnection,
    hint: &Map<String, Value>,
) -> ApiResult<Vec<Candidate>> {
    let found: Vec<User> = if let Some(name) = hint.get("username").and_then(Value::as_str) {
        users::get_by_username(conn, name)
            .await?
            .into_iter()
            .collect()
    } else if let Some(pk) = hint.get("pk").and_then(Value::as_i64) {
        users::get(conn, pk).await?.into_iter().collect()
    } else {
        users::list(conn, &users::UserFilter::default(), ALL)
            .await?
            .0
    };
    let pks: Vec<i64> = found.iter().map(|u| u.pk).collect();
    let mut direct = users::direct_groups(conn, &pks).await?;
    Ok(found
        .iter()
        .map(|u| {
            let groups = direct.remove(&u.pk).unwrap_or_default();
            (json!(u.pk), user_json(u, groups))
        })
        .collect())
}

/// The encoded password for a blueprint's `password` value: hashed, or unusable when empty or
/// null.
async fn encoded_password(value: Option<&Value>) -> ApiResult<String> {
    match value.and_then(Value::as_str).filter(|p| !p.is_empty()) {
        None => Ok(password::make_unusable_password()),
        Some(plain) => {
            let plain = plain.to_owned();
            tokio::task::spawn_blocking(move || password::hash_password(&plain))
                .await
                .map_err(|e| ApiError::Internal(format!("password hashing task: {e}")))?
                .map_err(|e| ApiError::Internal(format!("password hashing: {e}")))
        }
    }
}

/// Creates (`pk` None) or updates a user; `password` is handled here, the rest by the API.
pub async fn user_write(
    conn: &mut AnyConnection,
    pk: Option<i64>,
    attrs: &Map<String, Value>,
    now: DateTime<Utc>,
) -> ApiResult<Value> {
    let mut body = attrs.clone();
    let plain = body.remove("password");
    body.remove("permissions");
    let Some(pk) = pk else {
        let blank = api::users::blank_user(now);
        let changes = api::users::validate(conn, &body, false, blank, false).await?;
        let u = changes.user;
        let new = NewUser {
            username: u.username,
            name: u.name,
            email: u.email,
            password: encoded_password(plain.as_ref()).await?,
            is_active: u.is_active,
            path: u.path,
            user_type: u.user_type,
            attributes: u.attributes,
            last_login: u.last_login,
        };
        let created = users::create(conn, &new, now).await?;
        if let Some(g) = &changes.groups {
            users::set_groups(conn, created.pk, g).await?;
        }
        return Ok(json!(created.pk));
    };
    let before = users::get(conn, pk).await?.ok_or(ApiError::NotFound)?;
    if before.user_type == UserType::InternalServiceAccount {
        return Err(ApiError::field(
            "non_field_errors",
            "Can't modify internal service account users",
        ));
    }
    let changes = api::users::validate(conn, &body, true, before, true).await?;
    users::update(conn, &changes.user).await?;
    if let Some(g) = &changes.groups {
        users::set_groups(conn, pk, g).await?;
    }
    if plain.is_some() {
        let encoded = encoded_password(plain.as_ref()).await?;
        users::set_password(conn, pk, &encoded, now).await?;
    }
    Ok(json!(pk))
}

fn token_json(t: &Token) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("pk".into(), json!(t.token_uuid));
    m.insert("managed".into(), json!(t.managed));
    m.insert("identifier".into(), json!(t.identifier));
    m.insert("intent".into(), json!(t.intent.as_str()));
    m.insert("user".into(), json!(t.user));
    m.insert("description".into(), json!(t.description));
    m.insert("expires".into(), json!(t.expires));
    m.insert("expiring".into(), json!(t.expiring));
    m
}

/// Tokens matching `hint` (by identifier when given), serialized.
pub async fn token_candidates(
    conn: &mut AnyConnection,
    hint: &Map<String, Value>,
) -> ApiResult<Vec<Candidate>> {
    let found: Vec<Token> = match hint.get("identifier").and_then(Value::as_str) {
        Some(id) => tokens::get_by_identifier(conn, id)
            .await?
            .into_iter()
            .collect(),
        None => {
            tokens::list(conn, &tokens::TokenFilter::default(), ALL)
                .await?
                .0
        }
    };
    Ok(found
        .iter()
        .map(|t| (json!(t.token_uuid), token_json(t)))
        .collect())
}

async fn token_by_pk(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<Token> {
    let all = tokens::list(conn, &tokens::TokenFilter::default(), ALL)
        .await?
        .0;
    all.into_iter()
        .find(|t| t.token_uuid == pk)
        .ok_or(ApiError::NotFound)
}

/// Creates (`pk` None) or updates a token; `key` is handled here, the rest by the API.
pub async fn token_write(
    conn: &mut AnyConnection,
    pk: Option<Uuid>,
    attrs: &Map<String, Value>,
    now: DateTime<Utc>,
) -> ApiResult<Value> {
    let mut body = attrs.clone();
    let key = match body.remove("key") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) if !k.is_empty() && k.len() <= 255 => Some(k),
        Some(_) => {
            return Err(ApiError::field(
                "key",
                "Ensure this field is a non-empty string of at most 255 characters.",
            ));
        }
    };
    let (before, existing) = match pk {
        Some(pk) => (token_by_pk(conn, pk).await?, true),
        None => (
            Token {
                token_uuid: Uuid::new_v4(),
                identifier: String::new(),
                key: castellan_crypto::token::generate_key(DEFAULT_TOKEN_LENGTH),
                intent: TokenIntent::Api,
                user: 0,
                description: String::new(),
                expires: Some(now + castellan_core::token::default_token_duration()),
                expiring: true,
                managed: None,
            },
            false,
        ),
    };
    let mut t = api::tokens::validate(conn, now, 0, &body, existing, before, existing).await?;
    if let Some(key) = key {
        t.key = key;
    }
    tokens::save(conn, &t, !existing).await?;
    Ok(json!(t.token_uuid))
}

/// Brands, serialized.
pub async fn brand_candidates(conn: &mut AnyConnection) -> ApiResult<Vec<Candidate>> {
    Ok(brands::all(conn)
        .await?
        .into_iter()
        .map(|b| {
            let pk = json!(b.brand_uuid);
            let m = match serde_json::to_value(api::brands::BrandJson::from(b)) {
                Ok(Value::Object(m)) => m,
                _ => Map::new(),
            };
            (pk, m)
        })
        .collect())
}

/// Creates (`pk` None) or updates a brand.
pub async fn brand_write(
    conn: &mut AnyConnection,
    pk: Option<Uuid>,
    attrs: &Map<String, Value>,
) -> ApiResult<Value> {
    let before = match pk {
        Some(pk) => brands::get(conn, pk).await?.ok_or(ApiError::NotFound)?,
        None => Brand {
            brand_uuid: Uuid::new_v4(),
            domain: String::new(),
            ..Brand::fallback()
        },
    };
    let b = api::brands::validate(conn, attrs, pk.is_some(), before).await?;
    brands::save(conn, &b, pk.is_none()).await?;
    Ok(json!(b.brand_uuid))
}
