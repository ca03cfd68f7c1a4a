//! `grant_type=client_credentials` and `password` (RFC 6749 §4.4, §4.3; spec §7.1.4 grant 3):
//! the provider's own secret (a generated service account), or a user's app password. The
//! application's policies must pass for that user; scopes are restricted to the provider's
//! scope mappings (the CVE-2024-52287 fix). A JWT client assertion (RFC 7523) signed with a key
//! of one of the provider's `jwks_sources` speaks for a generated service account per subject.
use std::collections::BTreeMap;

use base64::Engine;
use castellan_core::application::Application;
use castellan_core::oauth2::OAuth2Provider;
use castellan_core::token::TokenIntent;
use castellan_core::user::{User, UserType};
use castellan_oauth::client_assertion::ASSERTION_TYPE;
use castellan_oauth::client_auth;
use castellan_oauth::error::ErrorCode;
use castellan_oauth::scope;
use castellan_store::users::NewUser;
use castellan_store::{AnyConnection, LazyConn, groups, tokens, users, write_all};
use http::request::Parts;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::issue::{IssueRequest, Login, mint, token_body};
use super::token::{Failure, GrantResult, oauth};
use super::{events, provider};
use crate::context::{RequestContext, base_url};
use crate::error::ApiError;
use crate::flow::env::StoreFlowEnv;
use crate::state::AppState;

/// Who a client_credentials / password request speaks for.
pub(super) struct Subject {
    /// The user.
    pub user: User,
    /// `auth_method` of the `login` event.
    pub method: &'static str,
    /// `auth_method_args` of the `login` event.
    pub method_args: Value,
    /// Added to the application's policy context (`oauth_jwt` for assertions).
    pub policy_context: Map<String, Value>,
    /// The user's direct groups, when they were read with the user.
    pub direct_groups: Option<Vec<Uuid>>,
}

impl Subject {
    fn of(user: User, method: &'static str) -> Self {
        Self {
            user,
            method,
            method_args: json!({}),
            policy_context: Map::new(),
            direct_groups: None,
        }
    }
}

/// The user a client_credentials / password request speaks for.
async fn subject_user(
    state: &AppState,
    conn: &mut LazyConn<'_>,
    form: &BTreeMap<String, String>,
    p: &OAuth2Provider,
    application: &Application,
    secret: &str,
    prefetched: Prefetched,
) -> Result<Subject, Failure> {
    if form.contains_key("client_assertion_type") {
        if form.get("client_assertion_type").map(String::as_str) != Some(ASSERTION_TYPE) {
            return Err(oauth(ErrorCode::InvalidGrant, "Invalid assertion type"));
        }
        let conn = conn.get().await?;
        return super::token_jwt::subject_user(state, conn, form, p, application).await;
    }
    if let Some(username) = form.get("username") {
        let password = form.get("password").map(String::as_str).unwrap_or_default();
        return app_password(state, conn.get().await?, username, password).await;
    }
    if !secret.is_empty() && client_auth::secret_matches(&p.client_secret, secret) {
        let (user, direct_groups) =
            service_account(state, conn, p, application, prefetched).await?;
        return Ok(Subject {
            direct_groups,
            ..Subject::of(user, "oauth_client_secret")
        });
    }
    // Neither the provider's secret nor base64 `username:app password`: the client failed to
    // authenticate (RFC 6749 §5.2).
    let refused = || oauth(ErrorCode::InvalidClient, "Client authentication failed");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(secret.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(refused)?;
    let (username, password) = decoded.split_once(':').ok_or_else(refused)?;
    app_password(state, conn.get().await?, username, password).await
}

/// `username` + an unexpired app password of that user.
async fn app_password(
    state: &AppState,
    conn: &mut AnyConnection,
    username: &str,
    password: &str,
) -> Result<Subject, Failure> {
    let denied = || oauth(ErrorCode::InvalidGrant, "Invalid username or app password");
    let user = users::get_by_username(conn, username)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(denied)?;
    let token = tokens::find_by_key(conn, password)
        .await?
        .ok_or_else(denied)?;
    let now = state.store.now();
    if token.intent != TokenIntent::AppPassword || token.user != user.pk || token.is_expired(now) {
        return Err(denied());
    }
    Ok(Subject::of(user, "token"))
}

/// The username of the provider's service account.
fn service_account_name(p: &OAuth2Provider) -> String {
    let name: String = p.base.name.chars().take(128).collect();
    format!("ak-{name}-client_credentials")
}

/// A service account (with its direct groups) read ahead, under the username it was read by.
pub(super) type Prefetched = Option<(String, Option<users::WithGroups>)>;

/// The provider's service account `ak-<provider name>-client_credentials`, created on first use
/// (`prefetched`: read with the configuration version, when the provider's name was known), with
/// its direct groups when they were read with it.
async fn service_account(
    state: &AppState,
    conn: &mut LazyConn<'_>,
    p: &OAuth2Provider,
    application: &Application,
    prefetched: Prefetched,
) -> Result<(User, Option<Vec<Uuid>>), Failure> {
    let username = service_account_name(p);
    let found = match prefetched {
        Some((name, found)) if name == username => found.map(|(u, direct)| (u, Some(direct))),
        _ => users::get_by_username(conn.get().await?, &username)
            .await?
            .map(|u| (u, None)),
    };
    if let Some((u, direct)) = found {
        return if u.is_active {
            Ok((u, direct))
        } else {
            Err(oauth(
                ErrorCode::InvalidGrant,
                "Service account is inactive",
            ))
        };
    }
    let new = NewUser {
        username: username.clone(),
        name: username,
        email: String::new(),
        password: castellan_crypto::password::make_unusable_password(),
        is_active: true,
        path: format!("goauthentik.io/apps/{}", application.slug),
        user_type: UserType::ServiceAccount,
        attributes: json!({"goauthentik.io/user/generated": true}),
        last_login: None,
    };
    Ok((
        users::create(conn.get().await?, &new, state.store.now()).await?,
        Some(Vec::new()),
    ))
}

/// Whether the application's policies let `user` in, with the user as scope mappings see it (its
/// groups are read once, for both, unless `direct` came with the user). Without enabled
/// bindings, and with the groups and bindings cached, no statement is needed.
async fn allowed<'s>(
    state: &'s AppState,
    conn: &mut LazyConn<'s>,
    parts: &Parts,
    application: &Application,
    who: &Subject,
    version: i64,
) -> Result<(bool, Value), Failure> {
    // The provider cache read the configuration version of this request already.
    let at = state.flows.config.sync_to(version);
    let unbound = state
        .flows
        .config
        .cached_policy_bindings(at, application.pk)
        .is_some_and(|b| !crate::flow::policies::any_enabled(&b));
    if let (true, Some(all), Some(direct)) = (
        unbound,
        state.flows.groups.fresh(version),
        &who.direct_groups,
    ) {
        let subject = crate::oauth_claims::claims_user(&who.user, &all, direct, &state.install_id);
        return Ok((true, subject));
    }
    let (user, context) = (&who.user, &who.policy_context);
    let ctx = RequestContext::of(parts, state);
    // The policy engine keeps a connection of its own; it is handed back afterwards.
    let owned = std::mem::replace(conn, state.store.lazy())
        .into_owned()
        .await?;
    let mut env = StoreFlowEnv::new(state.clone(), owned, ctx.clone());
    env.config_at = Some(at);
    let all = state.flows.groups.at(&mut env.conn, version).await?;
    let direct = match &who.direct_groups {
        Some(direct) => direct.clone(),
        None => {
            groups::direct_with_config_version(&mut env.conn, user.pk)
                .await?
                .0
        }
    };
    let tagged = crate::flow::user_json::tagged(user, &all, &direct, &state.install_id);
    let subject = crate::oauth_claims::claims_user(user, &all, &direct, &state.install_id);
    let request = castellan_flows::FlowRequest {
        client_ip: ctx.client_ip.clone(),
        user_agent: ctx.user_agent.clone(),
        request_id: ctx.request_id.clone(),
        is_superuser: tagged.get("is_superuser").and_then(Value::as_bool) == Some(true),
        user: Some(tagged.clone()),
        ..Default::default()
    };
    let verdict = crate::flow::policies::evaluate(
        &mut env,
        application.pk,
        application.policy_engine_mode,
        Some(&tagged),
        context,
        &request,
    )
    .await
    .map_err(|e| ApiError::Internal(e.0))?;
    *conn = LazyConn::Taken(env.conn);
    Ok((verdict.passing, subject))
}

/// Issues an access and ID token (no refresh token) for the client's subject.
pub async fn grant(
    state: &AppState,
    parts: &Parts,
    form: &BTreeMap<String, String>,
) -> GrantResult {
    let authorization = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let creds = client_auth::from_request(authorization, form)?
        .ok_or_else(|| oauth(ErrorCode::InvalidClient, "Client authentication failed"))?;
    // A connection of the shared pool is taken only when a cache is behind or a statement
    // beyond the direct paths is needed (see `LazyConn`).
    let mut conn = state.store.lazy();
    let cache = &state.flows.oauth_providers;
    // With the provider cached and no assertion or username, the client most likely presents
    // the provider's secret: its service account is read in the statement that reads the
    // configuration version.
    let by_secret = !form.contains_key("client_assertion_type") && !form.contains_key("username");
    let (prefetched, version) = match cache.peek(&creds.client_id) {
        Some(cached) if by_secret => {
            let username = service_account_name(&cached.provider);
            let mut reader = state.store.reader().await.map_err(ApiError::from)?;
            let (user, version) =
                users::get_by_username_with_config_version(reader.db(), &username)
                    .await
                    .map_err(ApiError::from)?;
            (Some((username, user)), Some(version))
        }
        _ => (None, None),
    };
    let config = match version.and_then(|v| cache.fresh(&creds.client_id, v)) {
        Some(config) => config,
        None => cache
            .get_at(state, conn.get().await?, &creds.client_id, version)
            .await?
            .ok_or_else(|| oauth(ErrorCode::InvalidClient, "Client authentication failed"))?,
    };
    let p = &config.provider;
    let application = config
        .application
        .clone()
        .ok_or_else(|| oauth(ErrorCode::InvalidGrant, "Provider has no application"))?;
    let secret = creds
        .client_secret
        .clone()
        .or_else(|| form.get("client_assertion").cloned())
        .unwrap_or_default();
    let who = subject_user(state, &mut conn, form, p, &application, &secret, prefetched).await?;
    let (passing, subject) =
        allowed(state, &mut conn, parts, &application, &who, config.version).await?;
    let user = who.user;
    if !passing {
        return Err(oauth(ErrorCode::InvalidGrant, "Policy denied access"));
    }
    let requested = scope::parse(form.get("scope").map(String::as_str).unwrap_or_default());
    let scopes = scope::restrict(&requested, &config.scope_names());
    let minted = mint(
        state,
        &mut conn,
        IssueRequest {
            provider: p,
            keys: config.keys.clone(),
            issuer: provider::issuer(p, &base_url(parts, state), &application),
            user: &user,
            scopes: scopes.clone(),
            nonce: None,
            login: Login {
                auth_time: Some(state.store.now()),
                ..Login::default()
            },
            access_token: true,
            id_token: true,
            refresh_token: false,
            code_for_hash: None,
            from_code: None,
            subject: Some(subject),
            mappings: Some(&config.mappings),
        },
    )
    .await?;
    // The `login` event and the access token are written together: on PostgreSQL as one
    // statement, on an SQLite file in one transaction of the direct path.
    let (mut writes, issued) = minted.into_writes();
    writes.insert(
        0,
        events::user_event_write(
            state,
            parts,
            Some(&user),
            "login",
            json!({"auth_method": who.method, "auth_method_args": who.method_args}),
        ),
    );
    write_all(&state.store, &mut conn, &writes)
        .await
        .map_err(ApiError::from)?;
    Ok(token_body(issued, &scopes))
}
