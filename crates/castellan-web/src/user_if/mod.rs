//! `/if/user/`: the user interface as server-rendered pages (no JavaScript needed): the
//! application library, settings links, sessions, consents, tokens and app passwords, and MFA
//! devices. Pages need a logged-in browser session; every write is a plain form post with the
//! CSRF double-submit token and records the same audit event as the matching `/api/v3` endpoint.
//! While the session impersonates another user, every page shows a banner with a button that
//! ends it; lists are paged on the server (`?page=N`).
pub mod consents;
pub mod impersonation;
pub mod library;
pub mod mfa;
pub mod paging;
pub mod render;
pub mod sessions;
pub mod settings;
pub mod tokens;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use http::request::Parts;

use crate::auth::{AuthMethod, CSRF_COOKIE, CSRF_HEADER, Principal, authenticate, cookie};
use crate::error::ApiError;
use crate::flow::pages::{form, redirect, secured};
use crate::state::AppState;

/// Where anonymous visitors are sent (the brand's authentication flow, then back here).
pub const LOGIN_URL: &str = "/flows/-/default/authentication/?next=/if/user/";

/// Routes of the user interface.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        // As authentik's root view: the start page is the user interface (which sends anonymous
        // visitors to the authentication flow).
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/if/user/") }),
        )
        .route("/if/user/", get(library::page))
        .route("/if/user/settings/", get(settings::page))
        .route("/if/user/sessions/", get(sessions::page))
        .route("/if/user/sessions/{id}/revoke/", post(sessions::revoke))
        .route("/if/user/consents/", get(consents::page))
        .route("/if/user/consents/{id}/revoke/", post(consents::revoke))
        .route("/if/user/tokens/", get(tokens::page).post(tokens::create))
        .route("/if/user/tokens/{id}/revoke/", post(tokens::revoke))
        .route("/if/user/mfa/", get(mfa::page))
        .route("/if/user/mfa/{class}/{id}/rename/", post(mfa::rename))
        .route("/if/user/mfa/{class}/{id}/delete/", post(mfa::delete))
        .route("/if/user/impersonate_end/", post(impersonation::end))
}

/// A signed-in page request: the user, the CSRF token for forms and headers to send back.
pub struct Visitor {
    /// The logged-in user (by session cookie only).
    pub principal: Principal,
    /// The CSRF token every form carries.
    pub csrf: String,
    /// Headers to add to the answer (a new CSRF cookie).
    pub headers: HeaderMap,
}

impl Visitor {
    /// The principal restricted to their own objects (the API's owner scope for non-superusers):
    /// the user interface never acts on somebody else's sessions, consents or tokens.
    pub fn own(&self) -> Principal {
        let mut p = self.principal.clone();
        p.is_superuser = false;
        p
    }

    /// The impersonated username while the session impersonates (the banner's text).
    pub fn impersonating(&self) -> Option<&str> {
        self.principal
            .impersonation
            .as_ref()
            .map(|_| self.principal.user.username.as_str())
    }
}

/// Why a page cannot be shown to the request.
pub enum Refusal {
    /// Not logged in: redirect to the login flow.
    Anonymous,
    /// Form without a valid CSRF token.
    Csrf,
    /// Something failed.
    Error(ApiError),
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Self::Error(e)
    }
}

impl From<castellan_store::StoreError> for Refusal {
    fn from(e: castellan_store::StoreError) -> Self {
        Self::Error(e.into())
    }
}

/// The page answer for a refusal.
pub fn refused(r: Refusal) -> Response {
    match r {
        Refusal::Anonymous => redirect(HeaderMap::new(), LOGIN_URL),
        Refusal::Csrf => error(StatusCode::FORBIDDEN, "CSRF verification failed."),
        Refusal::Error(ApiError::NotFound) => {
            error(StatusCode::NOT_FOUND, "This object does not exist.")
        }
        Refusal::Error(e) => {
            tracing::warn!(error = ?e, "user interface page failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.")
        }
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let html = crate::flow::pages::render::error_page(status.as_u16(), title, message);
    secured(status, HeaderMap::new(), html, None)
}

/// Authenticates a page view by the session cookie (API tokens do not open the interface).
pub async fn visitor(state: &AppState, parts: &Parts) -> Result<Visitor, Refusal> {
    let mut headers = HeaderMap::new();
    let csrf = form::ensure_csrf(cookie(parts, CSRF_COOKIE), &mut headers);
    if parts.headers.contains_key(header::AUTHORIZATION) {
        return Err(Refusal::Anonymous);
    }
    match authenticate(state, parts).await {
        Ok(Some(principal)) if matches!(principal.method, AuthMethod::Session(_)) => Ok(Visitor {
            principal,
            csrf,
            headers,
        }),
        Ok(_) | Err(ApiError::Forbidden(_)) => Err(Refusal::Anonymous),
        Err(e) => Err(e.into()),
    }
}

/// Authenticates a form post: the form's CSRF token must equal the cookie's (checked before
/// anything else), then the session as for [`visitor`]. Returns the decoded fields too.
pub async fn poster(
    state: &AppState,
    parts: &mut Parts,
    body: &[u8],
) -> Result<(Visitor, Vec<(String, String)>), Refusal> {
    let fields = form::parse(body);
    let token = cookie(parts, CSRF_COOKIE).unwrap_or_default();
    if !form::csrf_ok(&fields, &token) {
        return Err(Refusal::Csrf);
    }
    // The form field carried the double-submit token; the API's session check reads the header.
    let value = HeaderValue::from_str(&token).map_err(|_| Refusal::Csrf)?;
    parts.headers.insert(CSRF_HEADER, value);
    let v = visitor(state, parts).await?;
    // Events of the write name the impersonating user (see `RequestContext::impersonation`).
    parts.extensions.insert(v.principal.clone());
    Ok((v, fields))
}

/// The value of a form field (empty when absent).
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// A page answer: `200` (or `status`) with the security headers and the visitor's cookies.
pub fn html(status: StatusCode, v: Visitor, body: String) -> Response {
    let mut headers = v.headers;
    headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
    secured(status, headers, body, None)
}

/// A page of the user interface for the signed-in visitor: the layout's common values (brand,
/// user, navigation `section`, `title`) around `template` rendered with `data`.
pub fn section_page(
    status: StatusCode,
    v: Visitor,
    brand: &castellan_core::brand::Brand,
    (section, title, template): (&str, &str, &str),
    data: minijinja::Value,
) -> Response {
    let common = render::Common {
        brand,
        user: library::display(&v.principal.user),
        section,
        title,
        csrf: &v.csrf,
        impersonating: v.impersonating(),
        admin: v.principal.is_superuser,
    };
    let body = render::page(template, &common, data);
    html(status, v, body)
}

/// `303 See Other` back to a list after a write (post/redirect/get).
pub fn see_other(to: &str) -> Response {
    let mut res = redirect(HeaderMap::new(), to);
    *res.status_mut() = StatusCode::SEE_OTHER;
    res
}
