//! Renders the user interface pages: embedded minijinja templates (autoescaping on) over a shared
//! layout with the brand, the navigation and the signed-in user.
use castellan_core::brand::{Brand, DEFAULT_FAVICON, DEFAULT_LOGO, match_brand};
use castellan_store::{AnyConnection, StoreError, brands};
use http::request::Parts;
use minijinja::{Environment, Value, context};

/// Embedded templates by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("templates/layout.html")),
    ("library.html", include_str!("templates/library.html")),
    ("settings.html", include_str!("templates/settings.html")),
    ("sessions.html", include_str!("templates/sessions.html")),
    ("consents.html", include_str!("templates/consents.html")),
    ("mfa.html", include_str!("templates/mfa.html")),
    ("tokens.html", include_str!("templates/tokens.html")),
    ("pager.html", include_str!("templates/pager.html")),
    (
        "token_created.html",
        include_str!("templates/token_created.html"),
    ),
];

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Missing optional page values (`page.errors.identifier` …) render as nothing.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "user interface template");
        }
    }
    env
}

/// The brand of the request's host.
pub async fn brand(conn: &mut AnyConnection, parts: &Parts) -> Result<Brand, StoreError> {
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    Ok(match_brand(&brands::all(conn).await?, host))
}

/// What every page shows: brand, user, navigation state and the CSRF token for its forms.
pub struct Common<'a> {
    /// The request's brand.
    pub brand: &'a Brand,
    /// The signed-in user's display name.
    pub user: &'a str,
    /// The navigation entry of this page (`library`, `settings`, …).
    pub section: &'a str,
    /// The page title.
    pub title: &'a str,
    /// The CSRF token for forms.
    pub csrf: &'a str,
    /// While the session impersonates: the impersonated user's username (the banner).
    pub impersonating: Option<&'a str>,
    /// Whether the user may open the admin interface (a link in the header).
    pub admin: bool,
}

impl Common<'_> {
    /// The template context: brand (with the default logo and favicon), user, navigation, CSRF
    /// token, impersonation, and the page's own `page` values (shared with the admin interface).
    pub fn context(&self, page: Value) -> Value {
        let logo = non_empty(&self.brand.branding_logo, DEFAULT_LOGO);
        let favicon = non_empty(&self.brand.branding_favicon, DEFAULT_FAVICON);
        context! {
            brand => context! { title => &self.brand.branding_title, logo => logo, favicon => favicon },
            user => self.user,
            section => self.section,
            title => self.title,
            csrf_token => self.csrf,
            impersonating => self.impersonating,
            admin => self.admin,
            page => page,
        }
    }
}

/// Renders `template` with the common values and the page's own `page` values.
pub fn page(template: &str, common: &Common<'_>, page: Value) -> String {
    let ctx = common.context(page);
    let env = environment();
    match env.get_template(template).and_then(|t| t.render(ctx)) {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(template, error = %e, "user interface render");
            crate::flow::pages::render::error_page(500, "Error", "This page could not be shown.")
        }
    }
}

/// A serialisable value as a template value.
pub fn value<T: serde::Serialize>(v: T) -> Value {
    Value::from(minijinja::value::Serde(v))
}

fn non_empty<'a>(value: &'a str, default: &'a str) -> &'a str {
    if value.is_empty() { default } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_empty() {
        let brand = Brand::fallback();
        for (name, _) in TEMPLATES {
            if *name == "layout.html" || *name == "pager.html" {
                continue;
            }
            let common = Common {
                brand: &brand,
                user: "u",
                section: "library",
                title: "T",
                csrf: "tok",
                impersonating: None,
                admin: false,
            };
            let html = page(name, &common, value(serde_json::json!({})));
            assert!(!html.contains("could not be shown"), "{name}");
        }
    }

    #[test]
    fn banner_only_while_impersonating() {
        let brand = Brand::fallback();
        let mut common = Common {
            brand: &brand,
            user: "u",
            section: "library",
            title: "T",
            csrf: "tok",
            impersonating: None,
            admin: false,
        };
        let html = page("settings.html", &common, value(serde_json::json!({})));
        assert!(!html.contains("impersonating"));
        assert!(
            !html.contains("/if/admin/"),
            "no admin link for non-superusers"
        );
        common.admin = true;
        let html = page("settings.html", &common, value(serde_json::json!({})));
        assert!(
            html.contains("href=\"/if/admin/\">Admin interface</a>"),
            "{html}"
        );
        common.impersonating = Some("<bob>");
        let html = page("settings.html", &common, value(serde_json::json!({})));
        assert!(
            html.contains("You're currently impersonating &lt;bob&gt;."),
            "{html}"
        );
        assert!(
            html.contains("action=\"/if/user/impersonate_end/\""),
            "{html}"
        );
        assert!(
            html.contains("name=\"csrfmiddlewaretoken\" value=\"tok\""),
            "{html}"
        );
    }
}
