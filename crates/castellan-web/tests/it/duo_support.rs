//! A Duo Auth and Admin API server for tests: it checks every request's signature as Duo does
//! (HTTP Basic `ikey:hex(HMAC-SHA1(skey, canonical request))`, a fresh RFC 2822 `Date`; the Auth
//! API's keys under `/auth/`, the Admin API's under `/admin/`), answers 401 FAIL JSON to bad
//! ones, and serves `enroll`, `enroll_status`, `auth` and the paged `GET /admin/v1/users` from
//! a scripted state.
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
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
/// The Admin API integration key the server accepts.
pub const ADMIN_IKEY: &str = "DIADMINAPIINTEGRATION";
/// The Admin API secret key the server signs with.
pub const ADMIN_SKEY: &str = "AdminSecretKeyForDuoSignaturesOnly1234xyz";

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
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Decoded form (or, for `GET`, query) parameters.
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
    /// The Admin API's users: (`user_id`, `username`).
    pub admin_users: Vec<(String, String)>,
    /// Users per page of `/admin/v1/users` at most (whatever `limit` asks).
    pub admin_page: usize,
    /// `/admin/v1/users` fails (HTTP 500 FAIL JSON) from this offset on.
    pub admin_fail_from: Option<usize>,
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
    /// Sets the Admin API's users (`user_id`, `username`) and its page size.
    pub fn set_admin_users(&self, users: &[(&str, &str)], page: usize) {
        let mut st = self.state.lock().unwrap();
        st.admin_users = users
            .iter()
            .map(|(id, name)| (id.to_string(), name.to_string()))
            .collect();
        st.admin_page = page;
    }
    /// Makes `/admin/v1/users` fail from `offset` on (`None`: never).
    pub fn fail_admin_from(&self, offset: Option<usize>) {
        self.state.lock().unwrap().admin_fail_from = offset;
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
    method: &str,
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
    let (expected_ikey, skey) = if path.starts_with("/admin/") {
        (ADMIN_IKEY, ADMIN_SKEY)
    } else {
        (IKEY, SKEY)
    };
    if ikey != expected_ikey {
        return Err((40102, "Invalid integration key in request credentials"));
    }
    let mut pairs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect();
    pairs.sort();
    let canonical = format!("{date}\n{method}\n{host}\n{path}\n{}", pairs.join("&"));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(skey.as_bytes()).unwrap();
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

/// One page of `GET /admin/v1/users` (`limit`/`offset`, `metadata.next_offset` while more).
fn admin_users(st: &DuoState, params: &[(String, String)]) -> Response {
    let offset: usize = param(params, "offset").parse().unwrap_or(0);
    let limit: usize = param(params, "limit").parse().unwrap_or(100);
    if st.admin_fail_from.is_some_and(|from| offset >= from) {
        return fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            50000,
            "Duo is unavailable",
        );
    }
    let total = st.admin_users.len();
    let end = (offset + limit.min(st.admin_page)).min(total);
    let page: Vec<Value> = st.admin_users[offset.min(total)..end]
        .iter()
        .map(|(id, name)| json!({"user_id": id, "username": name, "status": "active"}))
        .collect();
    let mut metadata = json!({"total_objects": total});
    if end < total {
        metadata["next_offset"] = json!(end);
    }
    if offset > 0 {
        metadata["prev_offset"] = json!(offset.saturating_sub(limit));
    }
    axum::Json(json!({"stat": "OK", "response": page, "metadata": metadata})).into_response()
}

/// Starts the server with status `waiting` and auth `allow`.
pub async fn duo_server() -> DuoServer {
    let state = Arc::new(Mutex::new(DuoState {
        status: "waiting".into(),
        enroll_user_id: None,
        auth: AuthMode::Allow,
        seen: vec![],
        admin_users: vec![],
        admin_page: 100,
        admin_fail_from: None,
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let host = addr.to_string();
    let shared = state.clone();
    let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        let state = shared.clone();
        let host = host.clone();
        async move {
            let path = uri.path().to_string();
            let raw = if method == Method::GET {
                uri.query().unwrap_or_default().as_bytes().to_vec()
            } else {
                body.to_vec()
            };
            let params: Vec<(String, String)> = form_urlencoded::parse(&raw)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let checked = verify(&host, method.as_str(), &path, &headers, &params);
            let mut st = state.lock().unwrap();
            st.seen.push(Seen {
                method: method.to_string(),
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
                "/admin/v1/users" if method == Method::GET => admin_users(&st, &params),
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

/// The JSON of a Duo setup stage talking to `server` with Admin API keys (`admin_secret` as
/// the admin secret key).
pub fn duo_stage_body_admin(name: &str, server: &DuoServer, admin_secret: &str) -> Value {
    let mut body = duo_stage_body(name, server, SKEY);
    body["admin_integration_key"] = json!(ADMIN_IKEY);
    body["admin_secret_key"] = json!(admin_secret);
    body
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
