//! A browser without JavaScript for the flow pages: a cookie jar, GETs, form posts that carry
//! the CSRF token, following the flow page's redirects, and logging in by identification and
//! password.
use std::collections::BTreeMap;

use castellan_testkit::TestApp;
use castellan_testkit::app::Response;

/// Cookies of one browser and the app it talks to.
pub struct FormBrowser<'a> {
    /// The app.
    pub app: &'a TestApp,
    /// Cookies by name.
    pub cookies: BTreeMap<String, String>,
}

impl<'a> FormBrowser<'a> {
    /// A browser with no cookies yet.
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: BTreeMap::new(),
        }
    }

    /// A GET, or a form POST of `fields` plus the CSRF token; keeps the cookies set.
    pub async fn send(&mut self, method: &str, path: &str, fields: &[(&str, &str)]) -> Response {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let res = if method == "GET" {
            self.app
                .send("GET", path, None, &[("cookie", &cookie)])
                .await
        } else {
            let csrf = self.cookies["authentik_csrf"].clone();
            let mut all: Vec<(&str, &str)> = fields.to_vec();
            all.push(("csrfmiddlewaretoken", &csrf));
            let body: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(all)
                .finish();
            let headers = [
                ("cookie", cookie.as_str()),
                ("content-type", "application/x-www-form-urlencoded"),
            ];
            self.app.send("POST", path, Some(&body), &headers).await
        };
        for v in res.headers.get_all("set-cookie") {
            let pair = v.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.insert(k.to_string(), v.to_string());
        }
        res
    }

    /// Sends, then follows redirects within the flow pages; returns the final response.
    pub async fn go(&mut self, method: &str, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut res = self.send(method, path, fields).await;
        while res.status == 302 {
            let to = res.headers["location"].to_str().unwrap().to_string();
            if !to.starts_with("/if/flow/") {
                break;
            }
            res = self.send("GET", &to, &[]).await;
        }
        res
    }

    /// Identifies as `username` with `password` on the flow page `page`; returns the HTML of the
    /// stage that follows.
    pub async fn log_in(&mut self, page: &str, username: &str, password: &str) -> String {
        self.send("GET", page, &[]).await;
        let fields = [
            ("component", "ak-stage-identification"),
            ("uid_field", username),
            ("password", password),
        ];
        let res = self.send("POST", page, &fields).await;
        assert_eq!(res.status, 302, "{}", res.text);
        self.send("GET", page, &[]).await.text
    }
}
