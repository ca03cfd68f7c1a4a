//! `GET|POST /application/o/authorize/` (RFC 6749 §4.1.1, §4.2.1; OIDC Core §3.1.2, §3.2.2,
//! §3.3.2; spec §7.1.3 and the policy-access steps of §7): validates the request, sends
//! anonymous users to log in, enforces `max_age` and `prompt=login`, checks the application's
//! policies, then plans the provider's authorization flow with the fulfillment stage appended.
use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use castellan_core::application::Application;
use castellan_core::oauth2::{OAuth2Provider, ScopeMapping};
use castellan_flows::context::{APPLICATION, CONSENT_HEADER, CONSENT_PERMISSIONS, IS_SSO};
use castellan_flows::plan::PlanEntry;
use castellan_flows::{SessionState, planner};
use castellan_oauth::authorize_request::{
    AuthorizeError, AuthorizeRequest, ErrorRedirect, validate,
};
use castellan_oauth::error::ErrorCode;
use castellan_oauth::redirect_uri::invalid_regexes;
use castellan_store::{AnyConnection, flows, oauth2_providers};
use http::request::Parts;
use serde_json::{Map, Value, json};

use super::fulfillment::{self, FulfillmentSettings};
use super::token::parse_form;
use super::{events, flow_start, login, provider};
use crate::auth::{SESSION_COOKIE, cookie};
use crate::context::base_url;
use crate::error::{ApiError, ApiResult};
use crate::flow::env::StoreFlowEnv;
use crate::flow::pages::{redirect, render, secured};
use crate::flow::{session, user_json};
use crate::state::AppState;

/// Session key: the login id `prompt=login` asked to replace.
pub const SESSION_PROMPT_LOGIN: &str = "authentik/providers/oauth2/prompt_login";
/// Session key of the application an anonymous user is logging in for.
pub const SESSION_APPLICATION_PRE: &str = "authentik/flows/application_pre";
/// Plan context key of the authorization request.
pub const PARAMS: &str = "goauthentik.io/providers/oauth2/params";

/// An error page (never a redirect: the redirect URI is not trusted yet).
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let html = render::error_page(status.as_u16(), title, message);
    secured(status, HeaderMap::new(), html, None)
}

/// `GET|POST /application/o/authorize/`.
pub async fn authorize(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let query = parts.uri.query().unwrap_or_default();
    let params = if parts.method == Method::POST {
        parse_form(&body)
    } else {
        if query.is_empty() {
            return Err(ApiError::NotFound);
        }
        parse_form(query.as_bytes())
    };
    handle(&state, &parts, params, false).await
}

/// Redirects an error to the client; `form_post` errors travel in the query (the error page
/// cannot auto-submit without the flow interface).
fn error_redirect(e: &ErrorRedirect) -> Response {
    let mut e = e.clone();
    if e.mode == castellan_oauth::response_type::ResponseMode::FormPost {
        e.mode = castellan_oauth::response_type::ResponseMode::Query;
    }
    redirect(HeaderMap::new(), &e.url())
}

/// Validates and runs an authorization request (shared with the GitHub-compatible endpoint).
pub async fn handle(
    state: &AppState,
    parts: &Parts,
    params: BTreeMap<String, String>,
    github: bool,
) -> ApiResult<Response> {
    let mut conn = state.store.conn().await?;
    let client_id = params.get("client_id").cloned().unwrap_or_default();
    let Some(p) = provider::by_client_id(&mut conn, &client_id).await? else {
        return Ok(error_page(
            StatusCode::BAD_REQUEST,
            "Client ID Error",
            "The client identifier (client_id) is missing or invalid.",
        ));
    };
    for pattern in invalid_regexes(&p.redirect_uris) {
        let message = format!(
            "Invalid redirect URI regex of provider {}: {pattern}",
            p.base.name
        );
        events::configuration_error(state, &mut conn, parts, message).await?;
    }
    let mappings = provider::mappings(&mut conn, &p).await?;
    let validated = match validate(&params, &p, &provider::scope_names(&mappings), github) {
        Ok(v) => v,
        Err(AuthorizeError::Page { title, message }) => {
            return Ok(error_page(StatusCode::BAD_REQUEST, &title, &message));
        }
        Err(AuthorizeError::Redirect(e)) => return Ok(error_redirect(&e)),
    };
    if let Some(first) = validated.save_redirect {
        let mut updated = p.clone();
        updated.redirect_uris = vec![first];
        oauth2_providers::update(&mut conn, &updated).await?;
    }
    let req = validated.request;
    let Some(application) = provider::application_of(&mut conn, &p).await? else {
        return Ok(error_page(
            StatusCode::BAD_REQUEST,
            "Application Error",
            "Failed to resolve application",
        ));
    };
    let raw = cookie(parts, SESSION_COOKIE);
    let mut sess = session::load(state, &mut conn, raw.as_deref()).await?;
    let user = match sess.user {
        Some(pk) => user_json::load(state, &mut conn, pk)
            .await?
            .filter(|u| u.get("is_active").and_then(Value::as_bool) == Some(true)),
        None => None,
    };
    let here = format!(
        "/application/o/authorize/?{}",
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter())
            .finish()
    );
    let login_time = login::login_time(&sess.data);
    let (Some(user), Some(login_time)) = (user, login_time) else {
        if req.prompt.iter().any(|p| p == "none") {
            return Ok(error_redirect(&req_error(
                &req,
                ErrorCode::LoginRequired,
                "User not logged in",
            )));
        }
        return to_login(state, &mut conn, &mut sess, &p, &application, &here).await;
    };
    let now = state.store.now();
    // The login time has whole seconds: the elapsed time errs on the side of logging in again.
    // `max_age=0` asks for a fresh login once, like `prompt=login` (a fresh login is always
    // more than 0 s old, so comparing times would loop).
    let too_old = req.max_age.is_some_and(|max_age| {
        max_age > 0 && (now - login_time).num_milliseconds() > max_age.saturating_mul(1000)
    });
    let fresh_login =
        req.prompt.iter().any(|p| p == "login") || req.max_age.is_some_and(|max_age| max_age <= 0);
    let mut relogin = too_old;
    if !too_old && fresh_login {
        let current = login::login_id(&sess.data).unwrap_or_default();
        match sess.data.get(SESSION_PROMPT_LOGIN).and_then(Value::as_str) {
            Some(asked) if asked != current => {
                sess.data.remove(SESSION_PROMPT_LOGIN);
            }
            _ => {
                sess.data
                    .insert(SESSION_PROMPT_LOGIN.into(), Value::String(current));
                relogin = true;
            }
        }
    }
    if relogin {
        // `prompt=none` forbids showing the login (OIDC Core §3.1.2.6).
        if req.prompt.iter().any(|p| p == "none") {
            return Ok(error_redirect(&req_error(
                &req,
                ErrorCode::LoginRequired,
                "Login required",
            )));
        }
        return to_login(state, &mut conn, &mut sess, &p, &application, &here).await;
    }
    let issuer = provider::issuer(&p, &base_url(parts, state), &application);
    plan_authorization(
        state,
        conn,
        parts,
        sess,
        user,
        &p,
        &application,
        &mappings,
        req,
        issuer,
    )
    .await
}

fn req_error(req: &AuthorizeRequest, code: ErrorCode, description: &str) -> ErrorRedirect {
    ErrorRedirect {
        redirect_uri: req.redirect_uri.clone(),
        mode: req.response_mode,
        code,
        description: description.to_string(),
        state: req.state.clone(),
    }
}

/// Remembers the application and sends the browser to the provider's (or the brand's)
/// authentication flow, coming back here afterwards.
async fn to_login(
    state: &AppState,
    conn: &mut AnyConnection,
    sess: &mut SessionState,
    p: &OAuth2Provider,
    application: &Application,
    here: &str,
) -> ApiResult<Response> {
    sess.data.insert(
        SESSION_APPLICATION_PRE.into(),
        json!({"pk": application.pk, "name": application.name, "slug": application.slug}),
    );
    let mut headers = HeaderMap::new();
    if let Some(c) = session::save(state, conn, sess, state.store.now()).await?
        && let Ok(v) = HeaderValue::from_str(&c)
    {
        headers.append(header::SET_COOKIE, v);
    }
    let next = form_urlencoded::Serializer::new(String::new())
        .append_pair("next", here)
        .finish();
    let flow = match p.base.authentication_flow {
        Some(pk) => flows::get(conn, pk).await?,
        None => None,
    };
    let to = match flow {
        Some(f) => format!("/if/flow/{}/?{next}", f.slug),
        None => format!("/flows/-/default/authentication/?{next}"),
    };
    Ok(redirect(headers, &to))
}

/// The consent permissions of the requested scopes that have a description.
fn permissions(mappings: &[ScopeMapping], scopes: &[String], github: bool) -> Vec<Value> {
    let mut out: Vec<Value> = mappings
        .iter()
        .filter(|m| !m.description.is_empty() && scopes.contains(&m.scope_name))
        .map(|m| json!({"id": m.scope_name, "name": m.description}))
        .collect();
    if github {
        for (scope, text) in [
            ("user", "Read and write user information"),
            ("read:user", "Read user information"),
            ("user:email", "Read user email addresses"),
            ("read:org", "Read organization and team membership"),
        ] {
            if scopes.iter().any(|s| s == scope) {
                out.push(json!({"id": scope, "name": text}));
            }
        }
    }
    out
}

/// Checks the application's policies, plans the authorization flow with the fulfillment stage
/// and sends the browser to the flow.
#[allow(clippy::too_many_arguments)]
async fn plan_authorization(
    state: &AppState,
    conn: castellan_store::Conn,
    parts: &Parts,
    mut sess: SessionState,
    user: Value,
    p: &OAuth2Provider,
    application: &Application,
    mappings: &[ScopeMapping],
    req: AuthorizeRequest,
    issuer: String,
) -> ApiResult<Response> {
    let (ctx, request) = flow_start::flow_request(state, parts, &user);
    let mut env = StoreFlowEnv::new(state.clone(), conn, ctx);
    let mut policy_context = Map::new();
    policy_context.insert("oauth_scopes".into(), json!(req.scopes));
    policy_context.insert(
        "oauth_grant_type".into(),
        json!(format!("{:?}", req.response_type.grant())),
    );
    policy_context.insert("oauth_code_challenge".into(), json!(req.code_challenge));
    policy_context.insert(
        "oauth_code_challenge_method".into(),
        json!(req.code_challenge_method),
    );
    policy_context.insert("oauth_max_age".into(), json!(req.max_age));
    policy_context.insert("oauth_redirect_uri".into(), json!(req.redirect_uri));
    policy_context.insert(
        "oauth_response_type".into(),
        json!(req.response_type.as_str()),
    );
    let verdict = crate::flow::policies::evaluate(
        &mut env,
        application.pk,
        application.policy_engine_mode,
        Some(&user),
        &policy_context,
        &request,
    )
    .await?;
    if !verdict.passing {
        let message = if verdict.messages.is_empty() {
            "You are not allowed to access this application.".to_string()
        } else {
            verdict.messages.join(" ")
        };
        return Ok(error_page(
            StatusCode::FORBIDDEN,
            "Permission denied",
            &message,
        ));
    }
    let flow = match p.base.authorization_flow {
        Some(pk) => flows::get(&mut env.conn, pk).await?,
        None => None,
    };
    let Some(flow) = flow else {
        return Ok(error_page(
            StatusCode::BAD_REQUEST,
            "Flow Error",
            "The provider has no authorization flow.",
        ));
    };
    let mut context = Map::new();
    context.insert(IS_SSO.into(), Value::Bool(true));
    context.insert(
        APPLICATION.into(),
        json!({"pk": application.pk, "name": application.name, "slug": application.slug,
               "meta_launch_url": application.meta_launch_url}),
    );
    context.insert(
        CONSENT_HEADER.into(),
        json!(format!("You're about to sign into {}.", application.name)),
    );
    context.insert(
        CONSENT_PERMISSIONS.into(),
        Value::Array(permissions(mappings, &req.scopes, req.github)),
    );
    context.insert(PARAMS.into(), fulfillment::params_json(&req));
    let mut plan = match planner::plan(&flow, &mut env, &request, context).await? {
        Ok(plan) => plan,
        Err(denied) => {
            return Ok(error_page(
                StatusCode::FORBIDDEN,
                "Permission denied",
                &denied.message(),
            ));
        }
    };
    let consent = castellan_stages::consent::KIND;
    if req.prompt.iter().any(|p| p == "consent")
        && !plan.entries.iter().any(|e| e.stage.kind == consent)
    {
        let mut config = Map::new();
        config.insert("mode".into(), json!("always_require"));
        plan.append_stage(PlanEntry::in_memory(consent, "OAuth2 consent", config));
    }
    let settings = FulfillmentSettings {
        provider: p.base.pk,
        application: application.pk,
        application_name: application.name.clone(),
        issuer,
        request: fulfillment::params_json(&req),
    };
    plan.append_stage(PlanEntry::in_memory(
        fulfillment::KIND,
        "OAuth2 fulfillment",
        settings.to_config(),
    ));
    let mut conn = env.conn;
    flow_start::save_and_go(state, &mut conn, &mut sess, &plan, &flow.slug).await
}
