//! In-process calls into `/api/v3` on behalf of the signed-in admin. The admin pages are forms
//! and tables over the same endpoints the API serves, so every write gets the API's validation,
//! permission checks and audit events, without a network hop: the request carries the page
//! request's cookies, client address and request id, and the CSRF header only for writes whose
//! form token was already verified.
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use http::request::Parts;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use crate::auth::{CSRF_HEADER, InProcessCaller, Principal};

/// The `/api/v3` routes with the application state, for in-process calls.
#[derive(Clone)]
pub struct InternalApi(pub axum::Router);

/// The most bytes of an API answer read back.
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// An API answer: status and JSON body (`null` when empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Decoded JSON body.
    pub body: Value,
}

impl Answer {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        self.status.is_success()
    }

    /// The message of a non-field error answer (`detail`, or the status reason).
    pub fn detail(&self) -> String {
        self.body
            .get("detail")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                self.status
                    .canonical_reason()
                    .unwrap_or("Request failed")
                    .to_string()
            })
    }
}

/// A caller of the API for one page request.
pub struct Caller<'a> {
    api: &'a InternalApi,
    parts: &'a Parts,
    csrf: Option<&'a str>,
    principal: Principal,
}

impl<'a> Caller<'a> {
    /// A caller for reads by the page's signed-in `principal` (no CSRF token: the API refuses
    /// writes).
    pub fn reader(api: &'a InternalApi, parts: &'a Parts, principal: &Principal) -> Self {
        Self {
            api,
            parts,
            csrf: None,
            principal: principal.clone(),
        }
    }

    /// A caller for writes, once the page form's CSRF token matched the cookie's `token`.
    pub fn writer(
        api: &'a InternalApi,
        parts: &'a Parts,
        principal: &Principal,
        token: &'a str,
    ) -> Self {
        Self {
            api,
            parts,
            csrf: Some(token),
            principal: principal.clone(),
        }
    }

    /// `GET /api/v3{path}`.
    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    /// Calls `/api/v3{path}` with an optional JSON body.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        let body = match body.map(serde_json::to_vec) {
            Some(Ok(bytes)) => Some(("application/json", bytes)),
            Some(Err(e)) => {
                tracing::error!(error = %e, path, "in-process API body");
                return Answer {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    body: Value::Null,
                };
            }
            None => None,
        };
        self.send_raw(method, path, body).await
    }

    /// Calls `/api/v3{path}` with an optional body of the given content type (a multipart
    /// upload, for instance).
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Answer {
        match self.try_send(method, path, body).await {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(error = %e, path, "in-process API call failed");
                Answer {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    body: Value::Null,
                }
            }
        }
    }

    async fn try_send(
        &self,
        method: Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Answer, String> {
        let uri = format!("/api/v3{path}");
        let mut builder = Request::builder().method(method.clone()).uri(uri);
        for name in [
            header::COOKIE,
            header::HOST,
            header::USER_AGENT,
            header::ACCEPT_LANGUAGE,
        ] {
            if let Some(v) = self.parts.headers.get(&name) {
                builder = builder.header(name, v.clone());
            }
        }
        for name in ["x-request-id", "x-forwarded-for", "x-real-ip"] {
            if let Some(v) = self.parts.headers.get(name) {
                builder = builder.header(name, v.clone());
            }
        }
        if method != Method::GET
            && let Some(token) = self.csrf
        {
            let v = HeaderValue::from_str(token).map_err(|e| e.to_string())?;
            builder = builder.header(CSRF_HEADER, v);
        }
        let body = match body {
            Some((content_type, bytes)) => {
                builder = builder.header(header::CONTENT_TYPE, content_type);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let mut req = builder.body(body).map_err(|e| e.to_string())?;
        if let Some(ci) = self.parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            req.extensions_mut().insert(*ci);
        }
        // Reads carry the page's caller; writes too, but only once their CSRF token was checked
        // (a write without it goes through the API's own session and CSRF checks, and fails).
        if method == Method::GET || self.csrf.is_some() {
            req.extensions_mut()
                .insert(InProcessCaller(self.principal.clone()));
        }
        let res = self
            .api
            .0
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status();
        let bytes = http_body_util::Limited::new(res.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Answer { status, body })
    }
}
