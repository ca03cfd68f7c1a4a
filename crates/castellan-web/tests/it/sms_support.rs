//! Helpers for SMS tests: a local SMS gateway (axum on 127.0.0.1:0) that records every request
//! and answers as a generic webhook (200) or Twilio's Messages API (201 with a message JSON),
//! or with a forced error; SMS setup stages pointed at it; SMS devices written to the store.
use std::sync::{Arc, Mutex};

use castellan_core::mfa::{DeviceCommon, SmsDevice, Throttle};
use castellan_store::devices_sms;
use castellan_testkit::TestApp;
use serde_json::{Value, json};

use crate::flow_prompt::stage;

/// One request the gateway received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// `Authorization` header.
    pub authorization: String,
    /// `Content-Type` header.
    pub content_type: String,
    /// Body text.
    pub body: String,
}

/// A running gateway.
#[derive(Clone)]
pub struct Gateway {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Requests received, in order.
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// A forced answer: (status, body).
    pub fail: Arc<Mutex<Option<(u16, String)>>>,
}

impl Gateway {
    /// The generic webhook URL.
    pub fn webhook(&self) -> String {
        format!("{}/webhook", self.base)
    }
    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
    /// The last request.
    pub fn last(&self) -> Seen {
        self.seen.lock().unwrap().last().cloned().unwrap()
    }
    /// Makes every following request fail with this answer (`None`: succeed again).
    pub fn fail_with(&self, answer: Option<(u16, &str)>) {
        *self.fail.lock().unwrap() = answer.map(|(s, b)| (s, b.to_string()));
    }
    /// The code of the last message (generic `Body`, or the digits ending Twilio's `Body`).
    pub fn last_code(&self) -> String {
        let seen = self.last();
        if seen.content_type.starts_with("application/json") {
            let body: Value = serde_json::from_str(&seen.body).unwrap();
            return body["Body"].as_str().unwrap().to_string();
        }
        let text = form(&seen.body)
            .into_iter()
            .find(|(k, _)| k == "Body")
            .map(|(_, v)| v)
            .unwrap();
        text.rsplit(' ').next().unwrap().to_string()
    }
}

/// The decoded fields of a form body.
pub fn form(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Starts a gateway.
pub async fn gateway() -> Gateway {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let fail: Arc<Mutex<Option<(u16, String)>>> = Arc::new(Mutex::new(None));
    let (rec, forced) = (seen.clone(), fail.clone());
    let app = axum::Router::new().fallback(
        move |method: http::Method, uri: http::Uri, headers: http::HeaderMap, body: String| {
            let (rec, forced) = (rec.clone(), forced.clone());
            async move {
                let header = |name: http::header::HeaderName| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string()
                };
                rec.lock().unwrap().push(Seen {
                    method: method.to_string(),
                    path: uri.path().to_string(),
                    authorization: header(http::header::AUTHORIZATION),
                    content_type: header(http::header::CONTENT_TYPE),
                    body,
                });
                let forced = forced.lock().unwrap().clone();
                let (status, body) = match forced {
                    Some(answer) => answer,
                    None if uri.path().ends_with("/Messages.json") => (
                        201,
                        json!({"sid": "SM0123", "status": "queued", "error_code": null})
                            .to_string(),
                    ),
                    None => (200, json!({"ok": true}).to_string()),
                };
                (
                    http::StatusCode::from_u16(status).unwrap(),
                    [(http::header::CONTENT_TYPE, "application/json")],
                    body,
                )
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Gateway {
        base: format!("http://{addr}"),
        seen,
        fail,
    }
}

/// Points the app's Twilio API base URL at `base`.
pub fn use_twilio_at(app: &mut TestApp, base: &str) {
    let mut settings = (*app.state.settings).clone();
    settings.twilio_api_url = base.to_string();
    app.state.settings = Arc::new(settings);
    app.router = castellan_web::router(app.state.clone());
}

/// Creates an SMS setup stage with these settings (merged over a generic bearer webhook);
/// returns its pk.
pub async fn sms_stage(app: &TestApp, gw: &Gateway, name: &str, settings: Value) -> Value {
    let mut body = json!({"name": name, "provider": "generic", "from_number": "+15550000",
                          "account_sid": gw.webhook(), "auth": "tok", "auth_type": "bearer"});
    for (k, v) in settings.as_object().unwrap() {
        body[k] = v.clone();
    }
    stage(app, "stages/authenticator/sms", body).await
}

/// Stores a confirmed SMS device of `stage`; returns its pk.
pub async fn sms_device(app: &TestApp, user: i64, stage: &Value, number: &str) -> i64 {
    let now = app.store.now();
    let d = SmsDevice {
        common: DeviceCommon {
            pk: 0,
            user,
            name: "SMS Device".into(),
            confirmed: true,
            created: now,
            last_updated: now,
            last_used: None,
        },
        stage: uuid::Uuid::parse_str(stage.as_str().unwrap()).unwrap(),
        phone_number: number.into(),
        token: None,
        valid_until: None,
        last_t: None,
        throttle: Throttle::default(),
    };
    let mut conn = app.store.conn().await.unwrap();
    devices_sms::create(&mut conn, &d).await.unwrap().unwrap()
}
