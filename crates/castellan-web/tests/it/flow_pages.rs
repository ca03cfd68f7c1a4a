//! Flow pages (`/if/flow/{slug}/`): logging in with plain form posts (no JavaScript), errors
//! beside their field, CSRF, escaping, security headers, `next`, prompt fields and 404.
use std::collections::BTreeMap;

use castellan_testkit::app::Response;
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::flow_prompt::{flow, prompt, stage};
use crate::flow_support::{defaults, user};

const AUTH: &str = "/if/flow/default-authentication-flow/";

/// A browser without JavaScript: a cookie jar, GETs and form POSTs.
struct Browser<'a> {
    app: &'a TestApp,
    cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join("; ")
    }

    fn keep(&mut self, res: &Response) {
        for v in res.headers.get_all("set-cookie") {
            let text = v.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.insert(k.to_string(), v.to_string());
        }
    }

    async fn get(&mut self, path: &str) -> Response {
        let cookie = self.cookie_header();
        let res = self
            .app
            .send("GET", path, None, &[("cookie", &cookie)])
            .await;
        self.keep(&res);
        res
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let cookie = self.cookie_header();
        let headers = [
            ("cookie", cookie.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        let res = self.app.send("POST", path, Some(&body), &headers).await;
        self.keep(&res);
        res
    }

    fn csrf(&self) -> String {
        self.cookies["authentik_csrf"].clone()
    }
}

fn location(res: &Response) -> String {
    res.headers["location"].to_str().unwrap().to_string()
}

/// The value of the hidden input `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{name}: {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

db_test!(login_with_form_posts, |app: TestApp| async move {
    defaults(&app).await;
    user(&app, "page-user", "Page-pw-1").await;
    let mut b = Browser::new(&app);
    let page = format!("{AUTH}?next=%2Fapp%2F");
    let res = b.get(&page).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(
        res.text
            .contains("<label for=\"uid_field\">Email or Username</label>")
    );
    assert!(res.text.contains("autocomplete=\"username\""));
    let token = hidden(&res.text, "csrfmiddlewaretoken");
    assert_eq!(token, b.csrf());
    let res = b
        .post(
            &page,
            &[
                ("csrfmiddlewaretoken", &token),
                ("component", "ak-stage-identification"),
                ("uid_field", "page-user"),
            ],
        )
        .await;
    assert_eq!((res.status, location(&res)), (302, page.clone()));
    let res = b.get(&page).await;
    assert!(
        res.text.contains("autocomplete=\"current-password\""),
        "{}",
        res.text
    );
    assert!(res.text.contains("page-user"));
    // A wrong password: the error beside the password field.
    let res = b
        .post(
            &page,
            &[
                ("csrfmiddlewaretoken", &token),
                ("component", "ak-stage-password"),
                ("password", "wrong"),
            ],
        )
        .await;
    assert_eq!(res.status, 200);
    assert!(
        res.text
            .contains("aria-invalid=\"true\" aria-describedby=\"err-password\"")
    );
    assert!(
        res.text.contains(
            "<p class=\"ak-error\" id=\"err-password\" role=\"alert\">Invalid password</p>"
        ),
        "{}",
        res.text
    );
    let res = b
        .post(
            &page,
            &[
                ("csrfmiddlewaretoken", &token),
                ("component", "ak-stage-password"),
                ("password", "Page-pw-1"),
            ],
        )
        .await;
    assert_eq!(res.status, 302);
    // On through any remaining stages (user login) to the final redirect.
    let mut loc = location(&res);
    for _ in 0..5 {
        if loc != page {
            break;
        }
        let res = b.get(&page).await;
        if res.status == 302 {
            loc = location(&res);
            continue;
        }
        let component = hidden(&res.text, "component");
        let res = b
            .post(
                &page,
                &[("csrfmiddlewaretoken", &token), ("component", &component)],
            )
            .await;
        loc = location(&res);
    }
    assert_eq!(loc, "/app/");
    let cookie = b.cookie_header();
    let me = app
        .send(
            "GET",
            "/api/v3/core/users/me/",
            None,
            &[("cookie", &cookie)],
        )
        .await;
    assert_eq!(me.json["user"]["username"], "page-user", "{}", me.text);
});

db_test!(
    csrf_missing_or_wrong_is_forbidden,
    |app: TestApp| async move {
        defaults(&app).await;
        user(&app, "csrf-user", "Csrf-pw-1").await;
        let mut b = Browser::new(&app);
        b.get(AUTH).await;
        for token in [None, Some("wrong")] {
            let mut fields = vec![
                ("component", "ak-stage-identification"),
                ("uid_field", "csrf-user"),
            ];
            if let Some(t) = token {
                fields.push(("csrfmiddlewaretoken", t));
            }
            let res = b.post(AUTH, &fields).await;
            assert_eq!(res.status, 403, "{}", res.text);
            assert!(res.text.contains("CSRF"));
        }
        // Nothing happened: still the identification stage.
        let res = b.get(AUTH).await;
        assert!(res.text.contains("name=\"uid_field\""));
        // No cookie at all (a cross-site post) is refused too.
        let fresh = app
            .send(
                "POST",
                AUTH,
                Some("csrfmiddlewaretoken=x&uid_field=csrf-user"),
                &[],
            )
            .await;
        assert_eq!(fresh.status, 403);
    }
);

db_test!(security_headers_and_404, |app: TestApp| async move {
    defaults(&app).await;
    let mut b = Browser::new(&app);
    let res = b.get(AUTH).await;
    let h = |n: &str| res.headers[n].to_str().unwrap().to_string();
    assert!(h("content-security-policy").starts_with("default-src 'self'"));
    assert!(h("content-security-policy").contains("frame-ancestors 'none'"));
    assert_eq!(h("x-frame-options"), "DENY");
    assert_eq!(h("referrer-policy"), "same-origin");
    assert_eq!(h("cache-control"), "no-store");
    assert!(h("content-type").starts_with("text/html"));
    assert!(res.text.contains("href=\"/static/dist/castellan.css\""));
    let css = app
        .send("GET", "/static/dist/castellan.css", None, &[])
        .await;
    assert_eq!(css.status, 200);
    assert!(css.text.contains("prefers-color-scheme: dark"));
    assert!(
        css.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    // The default avatar users point at (`User.avatar`) and the page enhancement script are served.
    let avatar = app
        .send("GET", castellan_core::user::DEFAULT_AVATAR, None, &[])
        .await;
    assert_eq!(
        (
            avatar.status,
            avatar.headers["content-type"].to_str().unwrap()
        ),
        (200, "image/svg+xml")
    );
    assert!(avatar.text.starts_with("<svg"));
    let js = app
        .send("GET", "/static/dist/castellan-flow.js", None, &[])
        .await;
    assert_eq!(js.status, 200);
    assert!(js.text.contains("X-Castellan-Page"));
    // The page's language follows Accept-Language among the shipped catalogs (English only so
    // far), and caches are told so.
    assert!(res.text.contains("<html lang=\"en\">"), "{}", res.text);
    assert!(h("vary").contains("Accept-Language"), "{}", h("vary"));
    let asked = app
        .send(
            "GET",
            AUTH,
            None,
            &[("accept-language", "de-CH, de;q=0.9, en;q=0.5")],
        )
        .await;
    assert!(asked.text.contains("<html lang=\"en\">"), "{}", asked.text);
    assert!(asked.text.contains(">Log in<"), "{}", asked.text);
    let missing = b.get("/if/flow/no-such-flow/").await;
    assert_eq!(missing.status, 404);
    assert!(missing.text.contains("<html"));
    assert_eq!(missing.headers["x-frame-options"], "DENY");
});

db_test!(next_must_be_relative, |app: TestApp| async move {
    defaults(&app).await;
    user(&app, "next-user", "Next-pw-1").await;
    let mut b = Browser::new(&app);
    let page = format!("{AUTH}?next=https%3A%2F%2Fevil.example%2F");
    b.get(&page).await;
    let t = b.csrf();
    b.post(
        &page,
        &[
            ("csrfmiddlewaretoken", &t),
            ("component", "ak-stage-identification"),
            ("uid_field", "next-user"),
        ],
    )
    .await;
    let mut res = b
        .post(
            &page,
            &[
                ("csrfmiddlewaretoken", &t),
                ("component", "ak-stage-password"),
                ("password", "Next-pw-1"),
            ],
        )
        .await;
    for _ in 0..5 {
        if res.status != 302 || location(&res) != page {
            break;
        }
        let got = b.get(&page).await;
        res = if got.status == 302 || !got.text.contains("name=\"component\"") {
            got
        } else {
            let c = hidden(&got.text, "component");
            b.post(&page, &[("csrfmiddlewaretoken", &t), ("component", &c)])
                .await
        };
    }
    // authentik refuses a `next` that is not relative: never a redirect to it.
    if res.status == 302 {
        assert!(!location(&res).contains("evil"), "{}", location(&res));
    } else {
        assert_eq!(res.status, 200);
        assert!(
            res.text.contains("Request has been denied."),
            "{}",
            res.text
        );
        assert!(res.text.contains("Invalid next URL"));
    }
});

db_test!(
    prompt_shows_every_field_type_escaped,
    |app: TestApp| async move {
        let kinds = [
            "text",
            "text_area",
            "text_read_only",
            "text_area_read_only",
            "username",
            "email",
            "password",
            "number",
            "checkbox",
            "radio-button-group",
            "dropdown",
            "date",
            "date-time",
            "file",
            "separator",
            "hidden",
            "static",
            "ak-locale",
        ];
        let mut fields = Vec::new();
        for (i, kind) in kinds.iter().enumerate() {
            let key = format!("f_{}", kind.replace('-', "_"));
            let mut body = json!({"field_key": key, "label": format!("Label {kind}"), "type": kind,
                              "required": false, "order": i});
            if matches!(*kind, "radio-button-group" | "dropdown") {
                body["placeholder"] = json!("return ['a', 'b']");
                body["placeholder_expression"] = json!(true);
            }
            if *kind == "text" {
                body["placeholder"] = json!("<script>alert(1)</script>");
            }
            fields.push(prompt(&app, &format!("p-{kind}"), body).await);
        }
        let p = stage(
            &app,
            "stages/prompt/stages",
            json!({"name": "all-types", "fields": fields}),
        )
        .await;
        flow(&app, "all-types", json!({}), &[p]).await;
        let mut b = Browser::new(&app);
        let res = b.get("/if/flow/all-types/").await;
        assert_eq!(res.status, 200, "{}", res.text);
        let html = &res.text;
        assert!(!html.contains("<script>alert(1)</script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;"), "{html}");
        for kind in kinds {
            let key = format!("f_{}", kind.replace('-', "_"));
            match kind {
                "hidden" => assert!(html.contains(&format!("type=\"hidden\" name=\"{key}\""))),
                "separator" | "static" => {}
                "radio-button-group" => {
                    assert!(
                        html.contains(&format!("<legend>Label {kind}</legend>")),
                        "{kind}"
                    );
                    assert!(
                        html.contains(&format!("<label for=\"field-{key}-1\">a</label>")),
                        "{html}"
                    );
                }
                _ => assert!(
                    html.contains(&format!("<label for=\"field-{key}\">Label {kind}</label>")),
                    "{kind}: {html}"
                ),
            }
        }
        assert!(html.contains("type=\"datetime-local\""));
        assert!(html.contains("autocomplete=\"new-password\""));
        assert!(html.contains("<option value=\"b\">b</option>"));
        assert!(html.contains("name=\"_bool\" value=\"f_checkbox\""));
        // Posting the form: the checkbox and number arrive typed, and the flow completes.
        let t = b.csrf();
        let res = b
            .post(
                "/if/flow/all-types/",
                &[
                    ("csrfmiddlewaretoken", &t),
                    ("component", "ak-stage-prompt"),
                    ("_bool", "f_checkbox"),
                    ("_number", "f_number"),
                    ("f_number", "42"),
                    ("f_text", "x"),
                    ("f_email", "a@example.org"),
                    ("f_dropdown", "b"),
                    ("f_radio_button_group", "a"),
                    ("f_date", "2024-01-02"),
                ],
            )
            .await;
        assert_eq!(res.status, 302, "{}", res.text);
    }
);

db_test!(captcha_page_and_layout, |app: TestApp| async move {
    let server = crate::flow_support::siteverify().await;
    let s = stage(
        &app,
        "stages/captcha",
        json!({"name": "cap", "public_key": "pk", "private_key": "sk", "api_url": server.url,
               "js_url": "https://captcha.example/api.js?render=explicit"}),
    )
    .await;
    flow(&app, "cap-page", json!({"layout": "sidebar_left"}), &[s]).await;
    let mut b = Browser::new(&app);
    let page = "/if/flow/cap-page/";
    let res = b.get(page).await;
    assert_eq!(res.status, 200, "{}", res.text);
    let csp = res.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self' https://captcha.example;"),
        "{csp}"
    );
    assert!(
        res.text
            .contains("class=\"ak-flow ak-layout-sidebar_left\"")
    );
    assert!(res.text.contains("id=\"ak-captcha\" data-site-key=\"pk\""));
    assert!(res.text.contains("name=\"token\" id=\"ak-captcha-token\""));
    // Other pages allow no third-party script.
    let login = b.get(AUTH).await;
    let csp = login.headers["content-security-policy"].to_str().unwrap();
    assert!(!csp.contains("captcha.example"));
    // A wrong token: the error beside the widget; the right one ends the flow.
    let t = b.csrf();
    let fields = [
        ("csrfmiddlewaretoken", t.as_str()),
        ("component", "ak-stage-captcha"),
        ("token", "nope"),
    ];
    let res = b.post(page, &fields).await;
    assert!(
        res.text
            .contains("id=\"err-token\" role=\"alert\">Invalid captcha response"),
        "{}",
        res.text
    );
    let fields = [
        ("csrfmiddlewaretoken", t.as_str()),
        ("component", "ak-stage-captcha"),
        ("token", "good"),
    ];
    let res = b.post(page, &fields).await;
    assert_eq!((res.status, location(&res)), (302, "/".to_string()));
    let js = app
        .send("GET", "/static/dist/castellan-captcha.js", None, &[])
        .await;
    assert_eq!(js.status, 200);
});
