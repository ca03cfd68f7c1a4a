//! `/if/admin/`: the admin interface for superusers. Server-rendered list, detail, form and
//! action pages for every kind in [`catalog`], over the `/api/v3` endpoints called in process
//! ([`dispatch`]): the same validation, permissions and audit events as the API, with field
//! errors shown beside their inputs. Works without JavaScript; every write is a form post with
//! the CSRF double-submit token. Non-superusers are sent to the user interface, as authentik does.
// Page steps stop early with the finished answer (`Err(Response)`: a login redirect, a 404 page);
// it is built and moved once per request, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

pub mod actions;
pub mod blueprint_pages;
pub mod catalog;
pub mod detail;
pub mod dispatch;
pub mod fields;
pub mod flow_import;
pub mod forms;
pub mod list;
pub mod overview;
pub mod plan_view;
pub mod render;
pub mod upload;
pub mod user_devices;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use castellan_core::brand::Brand;
use http::request::Parts;
use serde_json::Value;

use crate::flow::pages::redirect;
use crate::state::AppState;
use crate::user_if::{self, Visitor, poster, refused, visitor};
use catalog::Kind;
use dispatch::{Caller, InternalApi};

/// Routes of the admin interface.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/if/admin/", get(overview::page))
        .route("/if/admin/system/", get(overview::system))
        .route(
            blueprint_pages::VALIDATE,
            get(blueprint_pages::validate_page).post(blueprint_pages::validate),
        )
        .route(
            "/if/admin/blueprints/{id}/plan/",
            get(blueprint_pages::plan),
        )
        .route(
            flow_import::IMPORT,
            get(flow_import::page).post(flow_import::run),
        )
        .route("/if/admin/users/{id}/mfa/", get(user_devices::page))
        .route(
            "/if/admin/users/{id}/mfa/{class}/{pk}/delete/",
            axum::routing::post(user_devices::delete),
        )
        .route("/if/admin/{kind}/", get(list::page))
        .route(
            "/if/admin/{kind}/new/",
            get(forms::create_page).post(forms::create),
        )
        .route("/if/admin/{kind}/{id}/", get(detail::page))
        .route(
            "/if/admin/{kind}/{id}/edit/",
            get(forms::edit_page).post(forms::edit),
        )
        .route(
            "/if/admin/{kind}/{id}/delete/",
            get(detail::delete_page).post(detail::delete),
        )
        .route(
            "/if/admin/{kind}/{id}/do/{action}/",
            get(actions::page).post(actions::run),
        )
}

/// A page answer or the answer that stops it (login redirect, 404 page, …).
pub type Answer = Result<Response, Response>;

/// A signed-in superuser viewing a page, with the request's brand.
pub struct Admin {
    /// The visitor (session, CSRF token, cookies to send back).
    pub v: Visitor,
    /// The request's brand.
    pub brand: Brand,
}

impl Admin {
    /// Renders a page of the admin interface.
    pub fn show(
        self,
        status: StatusCode,
        (section, title, template): (&str, &str, &str),
        data: Value,
    ) -> Response {
        let common = render::Common {
            brand: &self.brand,
            user: user_if::library::display(&self.v.principal.user),
            section,
            title,
            csrf: &self.v.csrf,
            impersonating: self.v.impersonating(),
            admin: true,
        };
        let body = render::page(
            template,
            &common,
            minijinja::Value::from(minijinja::value::Serde(&data)),
        );
        user_if::html(status, self.v, body)
    }

    /// The page shown when an object or kind does not exist.
    pub fn not_found(self) -> Response {
        self.show(
            StatusCode::NOT_FOUND,
            ("", "Not found", "result.html"),
            serde_json::json!({"error": "This object does not exist.", "back": "/if/admin/"}),
        )
    }
}

async fn brand_of(state: &AppState, parts: &Parts) -> Result<Brand, Response> {
    let mut conn = state
        .store
        .conn()
        .await
        .map_err(|e| refused(user_if::Refusal::from(e)))?;
    user_if::render::brand(&mut conn, parts)
        .await
        .map_err(|e| refused(user_if::Refusal::from(e)))
}

fn admit(v: Visitor) -> Result<Visitor, Response> {
    if v.principal.is_superuser {
        Ok(v)
    } else {
        Err(redirect(HeaderMap::new(), "/if/user/"))
    }
}

/// Authenticates a page view: a superuser's browser session.
pub async fn viewer(state: &AppState, parts: &Parts) -> Result<Admin, Response> {
    let v = admit(visitor(state, parts).await.map_err(refused)?)?;
    let brand = brand_of(state, parts).await?;
    Ok(Admin { v, brand })
}

/// Authenticates a form post (CSRF first) and returns its fields.
pub async fn writer(
    state: &AppState,
    parts: &mut Parts,
    body: &Bytes,
) -> Result<(Admin, Vec<(String, String)>), Response> {
    let (v, fields) = poster(state, parts, body).await.map_err(refused)?;
    let v = admit(v)?;
    let brand = brand_of(state, parts).await?;
    Ok((Admin { v, brand }, fields))
}

/// A reader of the API for this page request by its signed-in admin.
pub fn reader<'a>(api: &'a InternalApi, parts: &'a Parts, a: &Admin) -> Caller<'a> {
    Caller::reader(api, parts, &a.v.principal)
}

/// The kind at `key`, or the not-found page.
pub fn kind_or_404(a: Admin, key: &str) -> Result<(Admin, &'static Kind), Response> {
    match catalog::kind(key) {
        Some(k) => Ok((a, k)),
        None => Err(a.not_found()),
    }
}

/// A path segment with everything but unreserved characters percent-encoded.
pub fn segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query string of a request as pairs.
pub fn query(parts: &Parts) -> Vec<(String, String)> {
    parts
        .uri
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The first value of `name` among `pairs`.
pub fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Pairs as a query string.
pub fn encode(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// A `next` target the admin may be sent to: a path inside the admin interface only (no
/// scheme, no protocol-relative `//host`, no backslashes), so a crafted link cannot redirect
/// elsewhere.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let n = next?.trim();
    (n.starts_with("/if/admin/") && !n.contains("//") && !n.contains('\\') && !n.contains(':'))
        .then(|| n.to_string())
}

/// The admin URL of an object of `kind` given its API representation.
pub fn object_href(kind: &Kind, obj: &Value) -> Option<String> {
    let id = fields::scalar(catalog::at(obj, kind.lookup)?);
    (!id.is_empty()).then(|| format!("/if/admin/{}/{}/", kind.key, segment(&id)))
}

/// `303 See Other` to `to`.
pub fn see_other(to: &str) -> Response {
    user_if::see_other(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_inside_the_admin_interface() {
        assert_eq!(
            safe_next(Some("/if/admin/flows/x/")).as_deref(),
            Some("/if/admin/flows/x/")
        );
        for bad in [
            "https://evil/",
            "//evil/if/admin/",
            "/if/admin//evil",
            "/if/user/",
            "/if/admin/\\evil",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad}");
        }
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(segment("a b/c"), "a%20b%2Fc");
        assert_eq!(segment("default-flow_1"), "default-flow_1");
    }
}
