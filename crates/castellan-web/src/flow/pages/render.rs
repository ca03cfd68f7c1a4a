//! Renders a flow challenge as an HTML page: one embedded minijinja template per component
//! (`ak-stage-password.html` …) over a base layout, with autoescaping on.
use castellan_core::brand::{Brand, DEFAULT_FAVICON, DEFAULT_LOGO};
use minijinja::{Environment, context};
use serde_json::{Value, json};

/// Embedded templates by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("error.html", include_str!("templates/error.html")),
    ("form_head.html", include_str!("templates/form_head.html")),
    ("macros.html", include_str!("templates/macros.html")),
    (
        "unsupported.html",
        include_str!("templates/unsupported.html"),
    ),
    (
        "ak-stage-identification.html",
        include_str!("templates/ak-stage-identification.html"),
    ),
    (
        "ak-stage-password.html",
        include_str!("templates/ak-stage-password.html"),
    ),
    (
        "ak-stage-user-login.html",
        include_str!("templates/ak-stage-user-login.html"),
    ),
    (
        "ak-stage-prompt.html",
        include_str!("templates/ak-stage-prompt.html"),
    ),
    (
        "ak-stage-consent.html",
        include_str!("templates/ak-stage-consent.html"),
    ),
    (
        "ak-stage-email.html",
        include_str!("templates/ak-stage-email.html"),
    ),
    (
        "ak-stage-captcha.html",
        include_str!("templates/ak-stage-captcha.html"),
    ),
    (
        "ak-stage-access-denied.html",
        include_str!("templates/ak-stage-access-denied.html"),
    ),
    (
        "ak-stage-flow-error.html",
        include_str!("templates/ak-stage-flow-error.html"),
    ),
    (
        "ak-stage-session-end.html",
        include_str!("templates/ak-stage-session-end.html"),
    ),
    (
        "ak-stage-dummy.html",
        include_str!("templates/ak-stage-dummy.html"),
    ),
    (
        "ak-stage-autosubmit.html",
        include_str!("templates/ak-stage-autosubmit.html"),
    ),
    (
        "ak-stage-authenticator-totp.html",
        include_str!("templates/ak-stage-authenticator-totp.html"),
    ),
    (
        "ak-stage-authenticator-static.html",
        include_str!("templates/ak-stage-authenticator-static.html"),
    ),
    (
        "ak-stage-authenticator-webauthn.html",
        include_str!("templates/ak-stage-authenticator-webauthn.html"),
    ),
    (
        "ak-stage-authenticator-sms.html",
        include_str!("templates/ak-stage-authenticator-sms.html"),
    ),
    (
        "ak-stage-authenticator-duo.html",
        include_str!("templates/ak-stage-authenticator-duo.html"),
    ),
    (
        "ak-stage-authenticator-validate.html",
        include_str!("templates/ak-stage-authenticator-validate.html"),
    ),
    (
        "ak-provider-oauth2-device-code.html",
        include_str!("templates/ak-provider-oauth2-device-code.html"),
    ),
    (
        "ak-provider-oauth2-device-code-finish.html",
        include_str!("templates/ak-provider-oauth2-device-code-finish.html"),
    ),
];

/// The layouts a flow may choose (`flow_info.layout`); anything else is `stacked`.
const LAYOUTS: &[&str] = &[
    "stacked",
    "content_left",
    "content_right",
    "sidebar_left",
    "sidebar_right",
];

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.add_function("_", crate::i18n::gettext);
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "flow page template");
        }
    }
    env
}

/// The identification field's label and input type for `user_fields` (authentik's wording).
fn uid_label(fields: &[Value]) -> (String, &'static str) {
    let labels: Vec<&str> = fields
        .iter()
        .filter_map(Value::as_str)
        .map(|f| match f {
            "email" => "Email",
            "username" => "Username",
            "upn" => "UPN",
            _ => "Identifier",
        })
        .collect();
    let kind = if labels == ["Email"] { "email" } else { "text" };
    (labels.join(" or "), kind)
}

/// The CAPTCHA script's origin (`scheme://host[:port]`) when the page shows a CAPTCHA.
pub fn captcha_origin(challenge: &Value) -> Option<String> {
    let c = captcha(challenge)?;
    let url = c.get("js_url")?.as_str()?;
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "https" | "http") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty() || host.contains([' ', ';', '\'', '"', ',']) {
        return None;
    }
    Some(format!("{scheme}://{host}"))
}

fn captcha(challenge: &Value) -> Option<&Value> {
    match challenge.get("component").and_then(Value::as_str) {
        Some("ak-stage-captcha") => Some(challenge),
        Some("ak-stage-identification") => challenge.get("captcha_stage").filter(|c| c.is_object()),
        _ => None,
    }
}

/// The page for a challenge in the source language; see [`page_in`].
pub fn page(challenge: &Value, brand: &Brand, csrf_token: &str, action: &str) -> String {
    page_in(challenge, brand, csrf_token, action, crate::i18n::SOURCE)
}

/// The page for a challenge in `locale`; `action` is the page's own path and query (the form
/// target).
pub fn page_in(
    challenge: &Value,
    brand: &Brand,
    csrf_token: &str,
    action: &str,
    locale: &str,
) -> String {
    let component = challenge
        .get("component")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = format!("{component}.html");
    let env = environment();
    let template = env
        .get_template(&name)
        .or_else(|_| env.get_template("unsupported.html"));
    let info = challenge.get("flow_info").cloned().unwrap_or(json!({}));
    let layout = info
        .get("layout")
        .and_then(Value::as_str)
        .filter(|l| LAYOUTS.contains(l))
        .unwrap_or("stacked");
    let title = info
        .get("title")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .unwrap_or(&brand.branding_title);
    let (label, uid_type) = uid_label(
        challenge
            .get("user_fields")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default(),
    );
    let logo = non_empty(&brand.branding_logo, DEFAULT_LOGO);
    let favicon = non_empty(&brand.branding_favicon, DEFAULT_FAVICON);
    let ctx = context! {
        challenge => json_ctx(challenge.clone()),
        component => component,
        errors => json_ctx(super::sms::shown_errors(challenge)),
        title => title,
        layout => layout,
        background => info.get("background").and_then(Value::as_str),
        cancel_url => info.get("cancel_url").and_then(Value::as_str),
        brand => context! { title => &brand.branding_title, logo => logo, favicon => favicon },
        csrf_token => csrf_token,
        action => action,
        captcha => captcha(challenge).cloned().map(json_ctx),
        uid_label => label,
        uid_type => uid_type,
        locale => locale,
        languages => crate::i18n::choices(),
        mfa_selected => super::autoselect::autoselect(challenge),
        webauthn => super::webauthn::options(challenge),
        qr_svg => super::qr::otpauth_svg(challenge),
        code_device => super::webauthn::code_devices(challenge),
        sms_sent => super::sms::code_sent(challenge),
        input_types => json_ctx(json!({
            "text": "text", "text_read_only": "text", "username": "text", "email": "email",
            "password": "password", "number": "number", "date": "date",
            "date-time": "datetime-local", "file": "file"})),
        autocomplete => json_ctx(json!({
            "username": "username", "email": "email", "password": "new-password"})),
    };
    match template.and_then(|t| t.render(ctx)) {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(component, error = %e, "flow page render");
            error_page(500, "Error", "This page could not be shown.")
        }
    }
}

fn json_ctx(v: Value) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(v))
}

fn non_empty<'a>(value: &'a str, default: &'a str) -> &'a str {
    if value.is_empty() { default } else { value }
}

/// A plain error page (404 for an unknown flow, 403 for a failed CSRF check …).
pub fn error_page(status: u16, title: &str, message: &str) -> String {
    let env = environment();
    env.get_template("error.html")
        .and_then(|t| t.render(context! { status, title, message }))
        .unwrap_or_else(|_| format!("{status} {title}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_labels_follow_user_fields() {
        assert_eq!(
            uid_label(&[json!("email"), json!("username")]),
            ("Email or Username".into(), "text")
        );
        assert_eq!(uid_label(&[json!("email")]), ("Email".into(), "email"));
    }

    #[test]
    fn captcha_origin_is_scheme_and_host() {
        let c = json!({"component": "ak-stage-captcha",
                       "js_url": "https://js.hcaptcha.com/1/api.js?render=explicit"});
        assert_eq!(
            captcha_origin(&c).as_deref(),
            Some("https://js.hcaptcha.com")
        );
        let bad = json!({"component": "ak-stage-captcha", "js_url": "javascript:x"});
        assert_eq!(captcha_origin(&bad), None);
    }

    #[test]
    fn every_component_renders() {
        let info = json!({"title": "T", "layout": "content_right", "cancel_url": "/flows/-/cancel/",
                          "background": "/bg.jpg"});
        let samples = [
            json!({"component": "ak-stage-identification", "user_fields": ["username"],
                   "password_fields": true, "enroll_url": "/e/", "recovery_url": "/r/",
                   "passwordless_url": "/p/", "primary_action": "Log in",
                   "captcha_stage": {"js_url": "https://c.example/a.js", "site_key": "k",
                                     "interactive": true}}),
            json!({"component": "ak-stage-password", "pending_user": "u"}),
            json!({"component": "ak-stage-user-login", "pending_user": "u"}),
            json!({"component": "ak-stage-prompt", "fields": []}),
            json!({"component": "ak-stage-consent", "token": "t", "header_text": "h",
                   "permissions": [{"id": "openid", "name": "OpenID"}],
                   "additional_permissions": []}),
            json!({"component": "ak-stage-email"}),
            json!({"component": "ak-stage-captcha", "js_url": "https://c.example/a.js",
                   "site_key": "k", "interactive": false}),
            json!({"component": "ak-stage-access-denied", "error_message": "no"}),
            json!({"component": "ak-stage-flow-error", "error": "boom"}),
            json!({"component": "ak-stage-session-end", "application_name": "App",
                   "invalidation_flow_url": "/if/flow/logout/"}),
            json!({"component": "ak-stage-dummy", "name": "d"}),
            json!({"component": "ak-stage-authenticator-sms", "pending_user": "u",
                   "phone_number_required": true}),
            json!({"component": "ak-stage-autosubmit", "url": "https://sp.example/acs",
                   "attrs": {"SAMLResponse": "x"}, "title": "Redirecting"}),
            json!({"component": "xak-flow-frame", "url": "https://x.example/"}),
        ];
        let brand = Brand::fallback();
        for mut c in samples {
            c["flow_info"] = info.clone();
            let html = page(&c, &brand, "tok", "/if/flow/x/");
            assert!(!html.contains("could not be shown"), "{c}");
            assert!(html.contains("ak-layout-content_right"), "{c}");
        }
    }

    #[test]
    fn every_template_parses() {
        let env = environment();
        for (name, _) in TEMPLATES {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
    }

    /// The English catalog lists exactly the messages the pages use: translators start from it.
    #[test]
    fn english_catalog_is_complete() {
        let mut used: Vec<String> = TEMPLATES
            .iter()
            .flat_map(|(_, source)| crate::i18n::extract(source))
            .collect();
        used.sort();
        used.dedup();
        let mut listed = crate::i18n::messages("en");
        listed.sort();
        assert_eq!(listed, used);
        for m in &used {
            assert_eq!(&crate::i18n::translate("en", m), m);
        }
    }
}
