//! `GET`/`POST /api/v3/flows/executor/{flow_slug}/?query=…` (spec §3.5): loads the session,
//! runs the transport-free executor and answers a challenge (200), a 302 back to itself after a
//! passed stage, or 404 for an unknown flow.
use axum::extract::{FromRequestParts, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use castellan_core::brand::{Brand, match_brand};
use castellan_crypto::token::constant_time_eq;
use castellan_flows::{FlowRequest, Method, Outcome, SessionState, execute};
use castellan_store::users;
use http::request::Parts;
use serde_json::Value;

use crate::auth::{CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, cookie};
use crate::body::parse_object;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::flow::env::StoreFlowEnv;
use crate::flow::{session, user_json};
use crate::session_binding::{self, Recheck};
use crate::state::AppState;

/// GET: the current challenge.
pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    parts: Parts,
) -> ApiResult<Response> {
    run(state, slug, parts, Method::Get).await
}

/// POST: a challenge response.
pub async fn post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    parts: Parts,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let body = Value::Object(parse_object(&body)?);
    run(state, slug, parts, Method::Post(body)).await
}

fn wrapped_query(parts: &Parts) -> String {
    parts
        .uri
        .query()
        .and_then(|q| castellan_flows::next_url::query_param(q, "query"))
        .unwrap_or_default()
}

/// The request brand's name and flows (from the configuration cache).
async fn brand_facts(env: &mut StoreFlowEnv, req: &mut FlowRequest) -> ApiResult<Brand> {
    let at = env.config_at().await?;
    let cache = env.state.flows.config.clone();
    let all = cache.brands(&mut env.conn, at).await?;
    let brand = match_brand(&all, &env.ctx.host);
    req.brand_name = brand.branding_title.clone();
    let mut slug = async |id: Option<uuid::Uuid>| -> ApiResult<Option<String>> {
        let Some(id) = id else {
            return Ok(None);
        };
        let flow = cache.flow_by_pk(&mut env.conn, at, id).await?;
        Ok(flow.map(|f| f.slug.clone()))
    };
    req.brand_invalidation_flow = slug(brand.flow_invalidation).await?;
    req.brand_recovery_flow = slug(brand.flow_recovery).await?;
    Ok(brand)
}

async fn run(
    state: AppState,
    slug: String,
    mut parts: Parts,
    method: Method,
) -> ApiResult<Response> {
    let query = wrapped_query(&parts);
    let Executed {
        outcome,
        mut headers,
        ..
    } = run_executor(&state, &slug, &mut parts, method, query, true).await?;
    Ok(match outcome {
        Outcome::NotFound => return Err(ApiError::NotFound),
        Outcome::Reload => {
            if let Ok(v) = HeaderValue::from_str(&original_path_and_query(&parts)) {
                headers.insert(header::LOCATION, v);
            }
            (StatusCode::FOUND, headers).into_response()
        }
        Outcome::Challenge(v) => (StatusCode::OK, headers, axum::Json(v)).into_response(),
    })
}

/// The path and query the client used (a nested router sees the path without its prefix).
pub(crate) fn original_path_and_query(parts: &Parts) -> String {
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|o| o.0.clone())
        .unwrap_or_else(|| parts.uri.clone());
    uri.path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default()
}

/// What one executor run produced for a transport (JSON API or HTML pages).
pub(crate) struct Executed {
    /// The executor's answer.
    pub outcome: Outcome,
    /// `Set-Cookie` headers (session, CSRF) to send.
    pub headers: HeaderMap,
    /// The request's brand.
    pub brand: Brand,
    /// The CSRF token of this browser (the cookie's, or the one set now).
    pub csrf_token: String,
}

/// Loads the session and brand, runs the executor for `slug` with the page `query`, and saves
/// the session. `api_csrf` checks the API's CSRF header for logged-in sessions (form pages
/// check their own token before calling).
pub(crate) async fn run_executor(
    state: &AppState,
    slug: &str,
    parts: &mut Parts,
    method: Method,
    query: String,
    api_csrf: bool,
) -> ApiResult<Executed> {
    let state = state.clone();
    let ctx = RequestContext::from_request_parts(parts, &state)
        .await
        .unwrap_or_else(|e| match e {});
    let mut conn = state.store.conn().await?;
    let raw = cookie(parts, SESSION_COOKIE);
    let (mut sess, config_at) =
        session::load_with_config_version(&state, &mut conn, raw.as_deref()).await?;
    let mut request = FlowRequest {
        query,
        client_ip: ctx.client_ip.clone(),
        user_agent: ctx.user_agent.clone(),
        request_id: ctx.request_id.clone(),
        ..FlowRequest::default()
    };
    // A bound session that moved keeps its binding (saved below) or ends here.
    let mut moved = false;
    if sess.user.is_some() {
        match session_binding::recheck(&state, &ctx.client_ip, &mut sess.data) {
            Recheck::Unchanged => {}
            Recheck::Moved => moved = true,
            Recheck::Broken(context) => {
                let user = match sess.user {
                    Some(pk) => users::get(&mut conn, pk).await?,
                    None => None,
                };
                let key = sess.key.clone().unwrap_or_default();
                session_binding::end(&state, &mut conn, &ctx, &key, user.as_ref(), context).await?;
                sess = SessionState::default();
            }
        }
    }
    if let Some(pk) = sess.user {
        match user_json::load(&state, &mut conn, pk).await? {
            Some(u) if u.get("is_active").and_then(Value::as_bool) == Some(true) => {
                request.is_superuser = u.get("is_superuser").and_then(Value::as_bool) == Some(true);
                request.user = Some(u);
            }
            _ => sess.user = None,
        }
    }
    if api_csrf && matches!(method, Method::Post(_)) && request.user.is_some() {
        check_csrf(parts)?;
    }
    // The session row is written only when this request changed it.
    let loaded = (sess.data.clone(), sess.user, sess.expires);
    let registry = state.flows.stages.clone();
    let mut env = StoreFlowEnv::new(state.clone(), conn, ctx);
    env.config_at = Some(state.flows.config.sync_to(config_at));
    let brand = brand_facts(&mut env, &mut request).await?;
    // The scheme the browser used (TLS, or a trusted proxy's X-Forwarded-Proto): WebAuthn
    // compares it with the origin the browser reports.
    request.base_url = crate::context::base_url(parts, &state);
    request.mfa_cookie = cookie(parts, crate::flow::remember_mfa::COOKIE);
    let outcome = execute(&registry, &mut env, &mut sess, &request, slug, method).await?;
    let mut conn = env.conn;
    let now = state.store.now();
    let mut headers = HeaderMap::new();
    let https = request.base_url.starts_with("https://");
    for c in &env.cookies {
        if let Some(v) = crate::flow::remember_mfa::header(&state, c, https) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    let unchanged = sess.key.is_some()
        && !sess.rotated
        && !moved
        && (&sess.data, sess.user, sess.expires) == (&loaded.0, loaded.1, loaded.2);
    if outcome != Outcome::NotFound
        && !unchanged
        && let Some(c) = session::save(&state, &mut conn, &mut sess, now).await?
        && let Ok(v) = HeaderValue::from_str(&c)
    {
        headers.append(header::SET_COOKIE, v);
    }
    let csrf_token =
        crate::flow::pages::form::ensure_csrf(cookie(parts, CSRF_COOKIE), &mut headers);
    Ok(Executed {
        outcome,
        headers,
        brand,
        csrf_token,
    })
}

fn check_csrf(parts: &Parts) -> ApiResult<()> {
    let header = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let cookie = cookie(parts, CSRF_COOKIE).unwrap_or_default();
    if header.is_empty() || cookie.is_empty() {
        return Err(ApiError::Forbidden(
            "CSRF Failed: CSRF token missing.".into(),
        ));
    }
    if !constant_time_eq(header.as_bytes(), cookie.as_bytes()) {
        return Err(ApiError::Forbidden(
            "CSRF Failed: CSRF token incorrect.".into(),
        ));
    }
    Ok(())
}
