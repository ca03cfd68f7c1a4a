//! `GET`/`POST /if/flow/{slug}/`: the flow executor as server-rendered HTML pages (plain form
//! posts, no JavaScript needed) over the same session, brand and executor as the JSON API.
pub mod autoselect;
pub mod form;
pub mod multipart;
pub mod qr;
pub mod render;
pub mod sms;
pub mod webauthn;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use castellan_flows::{Method, Outcome};
use http::request::Parts;
use serde_json::Value;

use crate::auth::{CSRF_COOKIE, cookie};
use crate::error::{ApiError, ApiResult};
use crate::flow::executor_api::{Executed, original_path_and_query, run_executor};
use crate::state::AppState;

/// The embedded stylesheet (light and dark theme, layouts, phone-sized screens).
const CSS: &str = include_str!("templates/castellan.css");
/// The embedded CAPTCHA widget loader (only used when JavaScript is on).
const CAPTCHA_JS: &str = include_str!("templates/captcha.js");
/// The embedded page enhancement (in-place stage changes when JavaScript is on).
const FLOW_JS: &str = include_str!("templates/flow.js");
/// The embedded WebAuthn ceremonies (registration and assertion through the browser).
const WEBAUTHN_JS: &str = include_str!("templates/webauthn.js");
/// The embedded Duo activation polling (the setup page continues once Duo reports it).
const DUO_JS: &str = include_str!("templates/duo.js");
/// The request header the enhancement sends with its background form posts.
pub const FETCH_HEADER: &str = "x-castellan-page";
/// The answer header carrying where the browser goes when the flow is done (the enhancement
/// navigates there itself: a fetch cannot follow a redirect to another origin).
pub const REDIRECT_HEADER: &str = "x-castellan-redirect";

/// Castellan's own default artwork, served at the paths authentik's default brand and flows
/// point to (SVG whatever the file name says; browsers go by the content type).
const LOGO_SVG: &str = include_str!("assets/logo.svg");
const BACKGROUND_SVG: &str = include_str!("assets/background.svg");
const ICON_SVG: &str = include_str!("assets/icon.svg");
/// The default avatar users without one get (`User.avatar`), at authentik's path.
const AVATAR_SVG: &str = include_str!("assets/avatar.svg");

/// Routes of the flow pages and their static files.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/if/flow/{flow_slug}/", axum::routing::get(get).post(post))
        .route("/static/dist/castellan.css", axum::routing::get(css))
        .route("/static/dist/custom.css", axum::routing::get(custom_css))
        .route(
            "/static/dist/castellan-flow.js",
            axum::routing::get(|| async { static_file(FLOW_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/dist/castellan-webauthn.js",
            axum::routing::get(|| async {
                static_file(WEBAUTHN_JS, "text/javascript; charset=utf-8")
            }),
        )
        .route(
            "/static/dist/castellan-duo.js",
            axum::routing::get(|| async { static_file(DUO_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/dist/castellan-captcha.js",
            axum::routing::get(captcha_js),
        )
        .route(
            castellan_core::brand::DEFAULT_LOGO,
            axum::routing::get(|| async { static_file(LOGO_SVG, SVG) }),
        )
        .route(
            castellan_core::brand::DEFAULT_FAVICON,
            axum::routing::get(|| async { static_file(ICON_SVG, SVG) }),
        )
        .route(
            castellan_core::user::DEFAULT_AVATAR,
            axum::routing::get(|| async { static_file(AVATAR_SVG, SVG) }),
        )
        .route(
            castellan_core::flow::DEFAULT_BACKGROUND,
            axum::routing::get(|| async { static_file(BACKGROUND_SVG, SVG) }),
        )
}

const SVG: &str = "image/svg+xml";

async fn css() -> Response {
    static_file(CSS, "text/css; charset=utf-8")
}

/// `web.custom_css` (authentik's `custom.css`), loaded by every page after Castellan's styles:
/// read on each request so an edit shows at once; empty when unset or unreadable.
async fn custom_css(State(state): State<AppState>) -> Response {
    let body = match &state.settings.custom_css {
        Some(path) => tokio::fs::read_to_string(path).await.unwrap_or_else(|e| {
            tracing::warn!(path = %path.display(), error = %e, "web.custom_css cannot be read");
            String::new()
        }),
        None => String::new(),
    };
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

async fn captcha_js() -> Response {
    static_file(CAPTCHA_JS, "text/javascript; charset=utf-8")
}

fn static_file(body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// GET: the current challenge as a page.
pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    mut parts: Parts,
) -> Response {
    let query = parts.uri.query().unwrap_or_default().to_string();
    let run = run_executor(&state, &slug, &mut parts, Method::Get, query, false).await;
    answer(&parts, run)
}

/// POST: a form-encoded (or, with a file prompt, multipart) challenge response (CSRF checked
/// against the cookie first).
pub async fn post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    mut parts: Parts,
    body: axum::body::Bytes,
) -> Response {
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let fields = match multipart::boundary(content_type) {
        Some(b) => match multipart::parse(&b, &body) {
            Ok(fields) => fields,
            Err(multipart::Malformed(why)) => {
                let html = render::error_page(400, "Bad request", why);
                return secured(StatusCode::BAD_REQUEST, HeaderMap::new(), html, None);
            }
        },
        None => form::parse(&body),
    };
    let cookie_token = cookie(&parts, CSRF_COOKIE).unwrap_or_default();
    if !form::csrf_ok(&fields, &cookie_token) {
        let html = render::error_page(403, "Forbidden", "CSRF verification failed.");
        return secured(StatusCode::FORBIDDEN, HeaderMap::new(), html, None);
    }
    let query = parts.uri.query().unwrap_or_default().to_string();
    let body = form::to_json(&fields);
    let run = run_executor(&state, &slug, &mut parts, Method::Post(body), query, false).await;
    answer(&parts, run)
}

fn answer(parts: &Parts, run: ApiResult<Executed>) -> Response {
    let run = match run {
        Ok(run) => run,
        Err(ApiError::NotFound) => return not_found(),
        Err(e) => {
            tracing::warn!(error = ?e, "flow page failed");
            let html = render::error_page(500, "Error", "Something went wrong.");
            return secured(
                StatusCode::INTERNAL_SERVER_ERROR,
                HeaderMap::new(),
                html,
                None,
            );
        }
    };
    let mut headers = run.headers;
    match run.outcome {
        Outcome::NotFound => not_found(),
        Outcome::Reload => redirect(headers, &original_path_and_query(parts)),
        Outcome::Challenge(challenge) => {
            if challenge.get("component").and_then(Value::as_str) == Some("xak-flow-redirect") {
                let to = challenge.get("to").and_then(Value::as_str).unwrap_or("/");
                if parts.headers.contains_key(FETCH_HEADER)
                    && let Ok(v) = HeaderValue::from_str(to)
                {
                    headers.insert(REDIRECT_HEADER, v);
                    add_security(&mut headers, None);
                    return (StatusCode::NO_CONTENT, headers).into_response();
                }
                return redirect(headers, to);
            }
            let action = original_path_and_query(parts);
            let languages = parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let locale = crate::i18n::negotiate(languages);
            let page = render::page_in(&challenge, &run.brand, &run.csrf_token, &action, locale);
            let captcha = render::captcha_origin(&challenge);
            headers.insert(
                header::VARY,
                HeaderValue::from_static("Cookie, Accept-Language"),
            );
            secured(StatusCode::OK, headers, page, captcha.as_deref())
        }
    }
}

fn not_found() -> Response {
    let html = render::error_page(404, "Not found", "This flow does not exist.");
    secured(StatusCode::NOT_FOUND, HeaderMap::new(), html, None)
}

/// A `302 Found` to `to` with the page security headers (shared with the user interface).
pub fn redirect(mut headers: HeaderMap, to: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(to) {
        headers.insert(header::LOCATION, v);
    }
    add_security(&mut headers, None);
    (StatusCode::FOUND, headers).into_response()
}

/// An HTML answer with the page security headers (shared with the user interface).
pub fn secured(
    status: StatusCode,
    mut headers: HeaderMap,
    html: String,
    captcha: Option<&str>,
) -> Response {
    add_security(&mut headers, captcha);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    (status, headers, html).into_response()
}

/// `Content-Security-Policy` (the CAPTCHA provider's origin only on CAPTCHA pages), framing,
/// referrer and caching headers.
pub fn add_security(headers: &mut HeaderMap, captcha: Option<&str>) {
    let extra = captcha.map(|o| format!(" {o}")).unwrap_or_default();
    let csp = format!(
        "default-src 'self'; script-src 'self'{extra}; frame-src 'self'{extra}; \
         connect-src 'self'{extra}; style-src 'self'{extra}; img-src 'self' data: https:; \
         object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}
