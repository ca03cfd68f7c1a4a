//! A flow client that speaks the executor protocol as authentik's web client and outposts do:
//! it keeps the session and CSRF cookies, follows the executor's 302s, and answers challenges.
use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::app::{Response, TestApp};

/// One request/response pair of the exchange, as the golden files record it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `"GET"` or the posted body.
    pub request: Value,
    /// Final status after following redirects.
    pub status: u16,
    /// The challenge (JSON body).
    pub challenge: Value,
}

/// A browser-like executor client bound to one flow.
pub struct FlowClient<'a> {
    app: &'a TestApp,
    /// Cookies by name.
    pub cookies: BTreeMap<String, String>,
    /// Flow slug.
    pub slug: String,
    /// Wrapped query string (`next=…`).
    pub query: String,
    /// Extra request headers (e.g. `X-Forwarded-For`).
    pub headers: Vec<(String, String)>,
    /// Every exchange so far.
    pub exchanges: Vec<Exchange>,
    /// Redirects followed on the last request.
    pub redirects: usize,
}

impl<'a> FlowClient<'a> {
    /// A client for `slug` with an empty query.
    pub fn new(app: &'a TestApp, slug: &str) -> Self {
        Self {
            app,
            cookies: BTreeMap::new(),
            slug: slug.to_string(),
            query: String::new(),
            headers: Vec::new(),
            exchanges: Vec::new(),
            redirects: 0,
        }
    }

    /// The executor URL with the wrapped query.
    pub fn url(&self) -> String {
        let encoded: String = form_urlencoded::byte_serialize(self.query.as_bytes()).collect();
        format!("/api/v3/flows/executor/{}/?query={encoded}", self.slug)
    }

    fn store_cookies(&mut self, res: &Response) {
        for v in res.headers.get_all(http::header::SET_COOKIE) {
            let Ok(v) = v.to_str() else { continue };
            let pair = v.split(';').next().unwrap_or_default();
            if let Some((k, val)) = pair.split_once('=') {
                self.cookies
                    .insert(k.trim().to_string(), val.trim().to_string());
            }
        }
    }

    async fn raw(&mut self, method: &str, url: &str, body: Option<&str>) -> Response {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let csrf = self
            .cookies
            .get("authentik_csrf")
            .cloned()
            .unwrap_or_default();
        let mut headers: Vec<(&str, &str)> = vec![("cookie", &cookie), ("x-authentik-csrf", &csrf)];
        for (k, v) in &self.headers {
            headers.push((k, v));
        }
        let res = self.app.send(method, url, body, &headers).await;
        self.store_cookies(&res);
        res
    }

    async fn follow(&mut self, mut res: Response) -> Response {
        self.redirects = 0;
        while res.status == 302 && self.redirects < 20 {
            let location = res
                .headers
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            self.redirects += 1;
            res = self.raw("GET", &location, None).await;
        }
        res
    }

    /// GET the current challenge.
    pub async fn get(&mut self) -> Response {
        let url = self.url();
        let res = self.raw("GET", &url, None).await;
        let res = self.follow(res).await;
        self.exchanges.push(Exchange {
            request: json!("GET"),
            status: res.status,
            challenge: res.json.clone(),
        });
        res
    }

    /// POST a challenge response (any JSON, valid or not).
    pub async fn post(&mut self, body: Value) -> Response {
        let url = self.url();
        let text = body.to_string();
        let res = self.raw("POST", &url, Some(&text)).await;
        let res = self.follow(res).await;
        self.exchanges.push(Exchange {
            request: body,
            status: res.status,
            challenge: res.json.clone(),
        });
        res
    }

    /// POST raw bytes (malformed bodies).
    pub async fn post_raw(&mut self, text: &str) -> Response {
        let url = self.url();
        let res = self.raw("POST", &url, Some(text)).await;
        self.follow(res).await
    }

    /// Runs a login with `uid` and `password`, answering identification and password challenges
    /// until a terminal challenge; returns it.
    pub async fn login(&mut self, uid: &str, password: &str) -> Value {
        let mut res = self.get().await;
        for _ in 0..10 {
            let component = res.json["component"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let body = match component.as_str() {
                "ak-stage-identification" => {
                    let mut b = json!({"component": component, "uid_field": uid});
                    if res.json["password_fields"] == json!(true) {
                        b["password"] = json!(password);
                    }
                    b
                }
                "ak-stage-password" => json!({"component": component, "password": password}),
                _ => return res.json,
            };
            res = self.post(body).await;
        }
        res.json
    }

    /// The session cookie, if one was issued.
    pub fn session_cookie(&self) -> Option<&String> {
        self.cookies.get("authentik_session")
    }
}
