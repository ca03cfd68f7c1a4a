//! A signed-in browser for page tests that need no real browser: the cookies the default login
//! flow leaves, page views, form posts with or without the CSRF token, and API calls with the
//! CSRF header.
use castellan_testkit::TestApp;
use castellan_testkit::app::Response;
use castellan_testkit::flow_client::FlowClient;

/// The cookies and CSRF token of a logged-in session.
pub struct PageSession {
    /// The `Cookie` header value.
    pub cookies: String,
    /// The CSRF double-submit token.
    pub csrf: String,
}

/// Logs in through `default-authentication-flow` and keeps the cookies.
pub async fn login(app: &TestApp, username: &str, password: &str) -> PageSession {
    let mut client = FlowClient::new(app, "default-authentication-flow");
    let done = client.login(username, password).await;
    assert_eq!(done["component"], "xak-flow-redirect", "{done}");
    assert!(client.session_cookie().is_some());
    let cookies = client
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    PageSession {
        cookies,
        csrf: client.cookies["authentik_csrf"].clone(),
    }
}

impl PageSession {
    /// A page view.
    pub async fn get(&self, app: &TestApp, path: &str) -> Response {
        app.send("GET", path, None, &[("cookie", &self.cookies)])
            .await
    }

    /// A form post of exactly `fields` (no CSRF token unless given).
    pub async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Response {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let headers = [
            ("cookie", self.cookies.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        app.send("POST", path, Some(&body), &headers).await
    }

    /// A form post with the CSRF token and `extra` fields.
    pub async fn submit(&self, app: &TestApp, path: &str, extra: &[(&str, &str)]) -> Response {
        let mut fields = vec![("csrfmiddlewaretoken", self.csrf.as_str())];
        fields.extend_from_slice(extra);
        self.post(app, path, &fields).await
    }

    /// An API call with the session cookie and the CSRF header.
    pub async fn api(&self, app: &TestApp, method: &str, path: &str) -> Response {
        let headers = [
            ("cookie", self.cookies.as_str()),
            ("x-authentik-csrf", self.csrf.as_str()),
        ];
        app.send(method, path, None, &headers).await
    }
}
