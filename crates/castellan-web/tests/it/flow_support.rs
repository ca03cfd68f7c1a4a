//! Helpers for flow tests: default blueprints, users with passwords, policies, and a local
//! CAPTCHA siteverify server speaking the real form-POST/JSON protocol.
use castellan_core::user::UserType;
use castellan_store::users::{self, NewUser};
use castellan_testkit::TestApp;
use serde_json::{Value, json};

/// Applies Castellan's embedded default blueprints.
pub async fn defaults(app: &TestApp) {
    castellan_web::blueprints::apply_defaults(&app.store, &Default::default())
        .await
        .expect("default blueprints");
}

/// Creates a user with a password; returns its pk.
pub async fn user(app: &TestApp, username: &str, password: &str) -> i64 {
    let mut conn = app.store.conn().await.unwrap();
    let hash = castellan_crypto::password::hash_password(password).unwrap();
    let new = NewUser {
        username: username.into(),
        name: username.into(),
        email: format!("{username}@example.org"),
        password: hash,
        is_active: true,
        path: "users".into(),
        user_type: UserType::Internal,
        attributes: json!({}),
        last_login: None,
    };
    users::create(&mut conn, &new, app.store.now())
        .await
        .unwrap()
        .pk
}

/// Sets akadmin's password.
pub async fn admin_password(app: &TestApp, password: &str) {
    let mut conn = app.store.conn().await.unwrap();
    let hash = castellan_crypto::password::hash_password(password).unwrap();
    users::set_password(&mut conn, app.admin_pk, &hash, app.store.now())
        .await
        .unwrap();
}

/// Creates an object through the admin API and returns its JSON.
pub async fn create(app: &TestApp, path: &str, body: Value) -> Value {
    let r = app.admin("POST", path, Some(body)).await;
    assert_eq!(r.status, 201, "{path}: {}", r.text);
    r.json
}

/// A flow by slug through the API.
pub async fn flow(app: &TestApp, slug: &str) -> Value {
    let r = app
        .admin("GET", &format!("/api/v3/flows/instances/{slug}/"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

/// A stage by name (any type) through `/stages/all/`.
pub async fn stage_pk(app: &TestApp, name: &str) -> String {
    let r = app
        .admin("GET", &format!("/api/v3/stages/all/?name={name}"), None)
        .await;
    r.json["results"]
        .as_array()
        .and_then(|l| l.iter().find(|s| s["name"] == name))
        .map(|s| s["pk"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("stage {name}: {}", r.text))
}

/// Binds an expression policy to a target; returns the policy pk.
pub async fn bind_expression(
    app: &TestApp,
    target: &str,
    name: &str,
    expression: &str,
    failure_result: bool,
) -> String {
    let policy = create(
        app,
        "/api/v3/policies/expression/",
        json!({"name": name, "expression": expression}),
    )
    .await;
    let pk = policy["pk"].as_str().unwrap().to_string();
    create(
        app,
        "/api/v3/policies/bindings/",
        json!({"target": target, "policy": pk, "order": 0, "failure_result": failure_result}),
    )
    .await;
    pk
}

/// A local siteverify endpoint: answers `response` tokens by table, records requests.
pub struct Siteverify {
    /// `http://127.0.0.1:port/siteverify`
    pub url: String,
    /// The form bodies received.
    pub received: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// Starts a siteverify server: token `good` succeeds with score 0.9, `low` with 0.1,
/// `expired` fails with a retriable code, anything else fails with `invalid-input-secret`.
pub async fn siteverify() -> Siteverify {
    use axum::routing::post;
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = received.clone();
    let app = axum::Router::new().route(
        "/siteverify",
        post(move |body: String| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(body.clone());
                let token = form_urlencoded::parse(body.as_bytes())
                    .find(|(k, _)| k == "response")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                let answer = match token.as_str() {
                    "good" => json!({"success": true, "score": 0.9, "hostname": "localhost"}),
                    "low" => json!({"success": true, "score": 0.1}),
                    "expired" => json!({"success": false, "error-codes": ["timeout-or-duplicate"]}),
                    _ => json!({"success": false, "error-codes": ["invalid-input-secret"]}),
                };
                axum::Json(answer)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Siteverify {
        url: format!("http://{addr}/siteverify"),
        received,
    }
}
