//! API authentication (spec §2.2): `Authorization: Bearer <api token>` or the session cookie,
//! with CSRF checked on unsafe methods of cookie-authenticated requests. Secrets are compared in
//! constant time; failures never say which part was wrong beyond authentik's messages.
use std::sync::Arc;

use axum::extract::FromRequestParts;
use castellan_core::group;
use castellan_core::group::Group;
use castellan_core::rbac::PermissionSet;
use castellan_core::token::TokenIntent;
use castellan_core::user::User;
use castellan_crypto::{hs256, token::constant_time_eq};
use castellan_store::AnyConnection;

use castellan_store::Conn as DbConn;
use castellan_store::{rbac, sessions, tokens, users};
use http::request::Parts;
use serde_json::Value;

use crate::context::RequestContext;
use crate::error::ApiError;
use crate::group_tree::UserGroups;
use crate::session_binding::{self, Recheck};
use crate::state::AppState;

/// Session cookie name.
pub const SESSION_COOKIE: &str = "authentik_session";
/// CSRF cookie name.
pub const CSRF_COOKIE: &str = "authentik_csrf";
/// CSRF header echoing the cookie.
pub const CSRF_HEADER: &str = "x-authentik-csrf";
/// Session data key of the impersonated user's pk (authentik's key; the session's user is then
/// the impersonated user, so flows and pages act as them).
pub const SESSION_KEY_IMPERSONATE_USER: &str = "authentik/impersonate/user";
/// Session data key of the original (impersonating) user's pk.
pub const SESSION_KEY_IMPERSONATE_ORIGINAL_USER: &str = "authentik/impersonate/original_user";

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    /// An API token (Bearer).
    Token,
    /// The browser session with this key.
    Session(String),
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user.
    pub user: User,
    /// Whether the user is a superuser (through their recursive groups).
    pub is_superuser: bool,
    /// How they authenticated.
    pub method: AuthMethod,
    /// Every group, as read while authenticating (one snapshot per request, reused by handlers).
    pub groups: Arc<Vec<Group>>,
    /// While the session impersonates `user`: who started it (spec §1.1 `impersonate`).
    pub impersonation: Option<Arc<Impersonation>>,
    /// The RBAC permissions held (empty for superusers, who hold every permission).
    pub permissions: Arc<PermissionSet>,
}

impl Principal {
    /// Whether the caller holds the global permission `app_label.codename` (spec §12).
    pub fn has_perm(&self, permission: &str) -> bool {
        self.is_superuser || self.permissions.has(permission)
    }

    /// Whether the caller holds `permission` on one object: globally or on that object.
    pub fn has_perm_on(&self, permission: &str, model: &str, object_pk: &str) -> bool {
        self.is_superuser || self.permissions.has_on(permission, model, object_pk)
    }

    /// Whether the caller holds `permission` globally or on at least one object of `model`.
    pub fn has_perm_on_any(&self, permission: &str, model: &str) -> bool {
        self.is_superuser || self.permissions.has_any_on(permission, model)
    }
}

/// A session switched to another user by `POST /core/users/{id}/impersonate/`.
#[derive(Debug, Clone)]
pub struct Impersonation {
    /// The user who impersonates (events record them as `user`).
    pub original: User,
    /// The impersonated user (events record them as `on_behalf_of`).
    pub user: User,
}

/// The pks `(impersonated, original)` a session's data names, when both are present.
pub fn impersonation_keys(data: &Value) -> Option<(i64, i64)> {
    let user = data.get(SESSION_KEY_IMPERSONATE_USER)?.as_i64()?;
    let original = data.get(SESSION_KEY_IMPERSONATE_ORIGINAL_USER)?.as_i64()?;
    Some((user, original))
}

/// The impersonation of the request's caller, once authenticated (read by
/// [`RequestContext`] so events name the original user).
pub fn impersonation_of(parts: &Parts) -> Option<Arc<Impersonation>> {
    parts
        .extensions
        .get::<Principal>()
        .and_then(|p| p.impersonation.clone())
}

/// A caller who must be a superuser (endpoints not yet RBAC-checked: deny by default).
#[derive(Debug, Clone)]
pub struct Admin(pub Principal);

fn forbidden(msg: &str) -> ApiError {
    ApiError::Forbidden(msg.to_string())
}

/// Reads a cookie value from the `Cookie` headers.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| {
            h.split(';').find_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                (k == name).then(|| v.to_string())
            })
        })
}

/// Builds the principal from the user's groups: the group snapshot and the superuser flag.
async fn principal(
    conn: &mut AnyConnection,
    user: User,
    groups: UserGroups,
    method: AuthMethod,
) -> Result<Principal, ApiError> {
    let UserGroups { all, direct } = groups;
    let is_superuser = group::is_superuser(&direct, &all);
    let permissions = if is_superuser {
        PermissionSet::default()
    } else {
        rbac::permissions_of(conn, user.pk, &direct, &all).await?
    };
    Ok(Principal {
        user,
        is_superuser,
        method,
        groups: all,
        impersonation: None,
        permissions: Arc::new(permissions),
    })
}

async fn by_token(state: &AppState, value: &str) -> Result<(Principal, DbConn), ApiError> {
    let invalid = || forbidden("Token invalid/expired");
    let mut conn = state.store.conn().await?;
    let (token, user) = tokens::find_by_key_with_user(&mut conn, value)
        .await?
        .ok_or_else(invalid)?;
    if token.intent != TokenIntent::Api || token.is_expired(state.store.now()) || !user.is_active {
        return Err(invalid());
    }
    let groups = state.flows.groups.of_user(&mut conn, user.pk).await?;
    let p = principal(&mut conn, user, groups, AuthMethod::Token).await?;
    Ok((p, conn))
}

/// Resolves the session cookie to a session key, if the signature holds.
pub fn session_key_from_cookie(state: &AppState, raw: &str) -> Option<String> {
    let key = hs256::session_signing_key(&state.secret_key);
    let claims = hs256::verify(raw, &key, state.store.now().timestamp()).ok()?;
    claims
        .get("sid")
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

async fn by_session(
    state: &AppState,
    parts: &Parts,
    raw: &str,
) -> Result<Option<(Principal, DbConn)>, ApiError> {
    let Some(sid) = session_key_from_cookie(state, raw) else {
        return Ok(None);
    };
    let mut conn = state.store.conn().await?;
    let Some(mut session) = sessions::get(&mut conn, &sid, state.store.now()).await? else {
        return Ok(None);
    };
    let Some(pk) = session.user else {
        return Ok(None);
    };
    // Only a consistent pair counts (a later login in the same session replaces the user).
    let impersonating = impersonation_keys(&session.data).filter(|(user, _)| *user == pk);
    let original = match impersonating {
        // The original user must still exist and be active, or the session is over.
        Some((_, original)) => match users::get(&mut conn, original).await? {
            Some(u) if u.is_active => Some(u),
            _ => return Ok(None),
        },
        None => None,
    };
    // As authentik, an impersonated user counts as active. Its direct groups come with it.
    let (found, version) = users::get_with_config_version(&mut conn, pk).await?;
    let Some((user, direct)) = found.filter(|(u, _)| u.is_active || original.is_some()) else {
        return Ok(None);
    };
    if let Value::Object(data) = &mut session.data {
        let ip = RequestContext::client_ip_of(parts, state);
        match session_binding::recheck(state, &ip, data) {
            Recheck::Unchanged => {}
            Recheck::Moved => sessions::save(&mut conn, &session, state.store.now()).await?,
            Recheck::Broken(context) => {
                let ctx = RequestContext::of(parts, state);
                session_binding::end(state, &mut conn, &ctx, &sid, Some(&user), context).await?;
                return Ok(None);
            }
        }
    }
    if !parts.method.is_safe() {
        let header = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let cookie = cookie(parts, CSRF_COOKIE).unwrap_or_default();
        if header.is_empty() || cookie.is_empty() {
            return Err(forbidden("CSRF Failed: CSRF token missing."));
        }
        if !constant_time_eq(header.as_bytes(), cookie.as_bytes()) {
            return Err(forbidden("CSRF Failed: CSRF token incorrect."));
        }
    }
    let groups = UserGroups {
        all: state.flows.groups.at(&mut conn, version).await?,
        direct,
    };
    let mut p = principal(&mut conn, user, groups, AuthMethod::Session(sid)).await?;
    p.impersonation = original.map(|original| {
        Arc::new(Impersonation {
            original,
            user: p.user.clone(),
        })
    });
    Ok(Some((p, conn)))
}

/// A caller already authenticated by a page that calls the API in process (the admin interface,
/// after its own session and CSRF checks): the API takes it instead of looking the session up a
/// second time. Only code in this crate attaches it to a request; clients cannot.
#[derive(Clone)]
pub(crate) struct InProcessCaller(pub(crate) Principal);

/// Authenticates a request, keeping the connection it used; `Ok(None)` without credentials.
async fn authenticate_with_conn(
    state: &AppState,
    parts: &Parts,
) -> Result<Option<(Principal, DbConn)>, ApiError> {
    if let Some(InProcessCaller(p)) = parts.extensions.get::<InProcessCaller>() {
        return Ok(Some((p.clone(), state.store.conn().await?)));
    }
    if let Some(header) = parts.headers.get(http::header::AUTHORIZATION) {
        let header = header.to_str().map_err(|_| forbidden("Malformed header"))?;
        let (scheme, value) = header.split_once(' ').unwrap_or((header, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(forbidden("Unsupported authentication type"));
        }
        let value = value.trim();
        if value.is_empty() {
            return Err(forbidden("Malformed header"));
        }
        return by_token(state, value).await.map(Some);
    }
    if let Some(raw) = cookie(parts, SESSION_COOKIE) {
        return by_session(state, parts, &raw).await;
    }
    Ok(None)
}

/// Authenticates a request; `Ok(None)` when it carries no credentials at all.
pub async fn authenticate(state: &AppState, parts: &Parts) -> Result<Option<Principal>, ApiError> {
    Ok(authenticate_with_conn(state, parts).await?.map(|(p, _)| p))
}

/// A pooled connection handed to a handler together with the caller (see [`AdminDb`]).
pub struct Db(pub DbConn);

impl std::ops::Deref for Db {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.0
    }
}

impl std::ops::DerefMut for Db {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.0
    }
}

/// A superuser together with the connection authentication used, for read handlers on hot
/// paths: one pool acquisition per request instead of two. Nothing is left in the request, so a
/// handler that also opens a transaction never holds two connections.
pub struct AdminDb(pub Principal, pub Db);

impl FromRequestParts<AppState> for AdminDb {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (principal, conn) = authenticate_with_conn(state, parts)
            .await?
            .ok_or_else(|| forbidden("Authentication credentials were not provided."))?;
        if !principal.is_superuser {
            return Err(forbidden(
                "You do not have permission to perform this action.",
            ));
        }
        parts.extensions.insert(principal.clone());
        Ok(Self(principal, Db(conn)))
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
        }
        let (principal, conn) = authenticate_with_conn(state, parts)
            .await?
            .ok_or_else(|| forbidden("Authentication credentials were not provided."))?;
        drop(conn);
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        if !principal.is_superuser {
            return Err(forbidden(
                "You do not have permission to perform this action.",
            ));
        }
        Ok(Self(principal))
    }
}
