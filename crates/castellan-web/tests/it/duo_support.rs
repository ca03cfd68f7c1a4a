//! A Duo Auth API server for tests: it checks every request's signature as Duo does (HTTP Basic
//! `ikey:hex(HMAC-SHA1(skey, canonical request))`, a fresh RFC 2822 `Date`), answers 401 FAIL
//! JSON to bad ones, and serves `enroll`, `enroll_status` and `auth` from a scripted state.
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use castellan_core::mfa::{DeviceCommon, DuoDevice};
use castellan_store::devices_duo;
use castellan_testkit::TestApp;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

/// The integration key the server accepts.
pub const IKEY: &str = "DITESTINTEGRATIONKEY";
/// The secret key the server signs with.
pub const SKEY: &str = "TestSecretKeyForDuoSignaturesOnly4242abcd";

/// How the server answers `/auth/v2/auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// `result: allow`.
    Allow,
    /// `result: deny`.
    Deny,
    /// `stat: FAIL` (HTTP 400).
    Fail,
    /// HTTP 500 without JSON.
    Crash,
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Path.
    pub path: String,
    /// Decoded form parameters.
    pub params: Vec<(String, String)>,
    /// Whether the signature was valid.
    pub signed: bool,
}

/// The scripted state.
#[derive(Debug)]
pub struct DuoState {
    /// `enroll_status` answer.
    pub status: String,
    /// Duo user id `enroll` returns (default `DU-<username>`).
    pub enroll_user_id: Option<String>,
    /// `auth` behaviour.
    pub auth: AuthMode,
    /// Requests received.
    pub seen: Vec<Seen>,
}

/// A running server.
pub struct DuoServer {
    /// Base URL (`http://127.0.0.1:PORT`), usable as a stage's `api_hostname`.
    pub url: String,
    /// Its state.
    pub state: Arc<Mutex<DuoState>>,
}

impl DuoServer {
    /// Requests to `path` so far.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        let st = self.state.lock().unwrap();
        st.seen.iter().filter(|s| s.path == path).cloned().collect()
    }
    /// Sets the `enroll_status` answer.
    pub fn set_status(&self, status: &str) {
        self.state.lock().unwrap().status = status.into();
    }
    /// Sets the `auth` behaviour.
    pub fn set_auth(&self, mode: AuthMode) {
        self.state.lock().unwrap().auth = mode;
    }
}

/// RFC 3986 percent-encoding (unreserved kept, `%XX` upper case), written independently of
/// the code under test.
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn fail(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"stat": "FAIL", "code": code, "message": message})),
    )
        .into_response()
}

fn ok(response: Value) -> Response {
    axum::Json(json!({"stat": "OK", "response": response})).into_response()
}

/// Checks the request as Duo does; `Err` is the code and message of the 401 answer.
fn verify(
    host: &str,
    path: &str,
    headers: &HeaderMap,
    params: &[(String, String)],
) -> Result<(), (i64, &'static str)> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let date = header("date");
    let Ok(at) = chrono::DateTime::parse_from_rfc2822(&date) else {
        return Err((40105, "Missing or invalid Date header"));
    };
    let skew = (chrono::Utc::now() - at.with_timezone(&chrono::Utc))
        .num_seconds()
        .abs();
    if skew > 300 {
        return Err((40105, "Request date out of range"));
    }
    let auth = header("authorization");
    let Some(b64) = auth.strip_prefix("Basic ") else {
        return Err((40101, "Missing request credentials"));
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let Some((ikey, sig)) = decoded.split_once(':') else {
        return Err((40101, "Missing request credentials"));
    };
    if ikey != IKEY {
        return Err((40102, "Invalid integration key in request credentials"));
    }
    let mut pairs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect();
    pairs.sort();
    let canonical = format!("{date}\nPOST\n{host}\n{path}\n{}", pairs.join("&"));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SKEY.as_bytes()).unwrap();
    mac.update(canonical.as_bytes());
    if hex::encode(mac.finalize().into_bytes()) != sig {
        return Err((40103, "Invalid signature in request credentials"));
    }
    Ok(())
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> &'a str {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// Starts the server with status `waiting` and auth `allow`.
pub async fn duo_server() -> DuoServer {
    let state = Arc::new(Mutex::new(DuoState {
        status: "waiting".into(),
        enroll_user_id: None,
        auth: AuthMode::Allow,
        seen: vec![],
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let host = addr.to_string();
    let shared = state.clone();
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let state = shared.clone();
        let host = host.clone();
        async move {
            let path = uri.path().to_string();
            let params: Vec<(String, String)> = form_urlencoded::parse(&body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let checked = verify(&host, &path, &headers, &params);
            let mut st = state.lock().unwrap();
            st.seen.push(Seen {
                path: path.clone(),
                params: params.clone(),
                signed: checked.is_ok(),
            });
            if let Err((code, message)) = checked {
                return fail(StatusCode::UNAUTHORIZED, code, message);
            }
            match path.as_str() {
                "/auth/v2/enroll" => {
                    let username = param(&params, "username");
                    let user_id = st
                        .enroll_user_id
                        .clone()
                        .unwrap_or_else(|| format!("DU-{username}"));
                    ok(json!({
                        "activation_barcode": format!("https://api-test.duosecurity.com/frame/qr?value=duo%3A%2F%2F{username}"),
                        "activation_code": format!("duo://{username}-activation"),
                        "activation_url": "https://m-test.duosecurity.com/activate/x",
                        "expiration": 1_900_000_000,
                        "user_id": user_id,
                        "username": username,
                    }))
                }
                "/auth/v2/enroll_status" => ok(json!(st.status)),
                "/auth/v2/auth" => match st.auth {
                    AuthMode::Allow => ok(json!({"result": "allow", "status": "allow",
                                                 "status_msg": "Success. Logging you in..."})),
                    AuthMode::Deny => ok(json!({"result": "deny", "status": "deny",
                                                "status_msg": "Login request denied."})),
                    AuthMode::Fail => fail(StatusCode::BAD_REQUEST, 40002, "Invalid request parameters"),
                    AuthMode::Crash => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
                },
                _ => fail(StatusCode::NOT_FOUND, 40401, "Resource not found"),
            }
        }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    DuoServer {
        url: format!("http://{addr}"),
        state,
    }
}

/// The JSON of a Duo setup stage talking to `server` (with `secret` as its secret key).
pub fn duo_stage_body(name: &str, server: &DuoServer, secret: &str) -> Value {
    json!({"name": name, "client_id": IKEY, "client_secret": secret,
           "api_hostname": server.url})
}

/// Stores a confirmed Duo device of setup stage `stage`; returns its pk.
pub async fn duo_device(app: &TestApp, user: i64, stage: &str, duo_user_id: &str) -> i64 {
    let now = app.store.now();
    let d = DuoDevice {
        common: DeviceCommon {
            pk: 0,
            user,
            name: "Duo Authenticator".into(),
            confirmed: true,
            created: now,
            last_updated: now,
            last_used: None,
        },
        stage: stage.parse().unwrap(),
        duo_user_id: duo_user_id.into(),
        last_t: None,
    };
    let mut conn = app.store.conn().await.unwrap();
    devices_duo::create(&mut conn, &d).await.unwrap().unwrap()
}
