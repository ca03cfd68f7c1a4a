//! Helpers for OAuth2/OIDC tests: a signing key, a provider with the managed scope mappings,
//! its application, and a user to log in with.
use castellan_testkit::TestApp;
use serde_json::{Value, json};

use crate::flow_support::{create, defaults, flow, user};

/// A generated certificate-key pair (`alg`: `rsa` or `ecdsa`); returns its pk.
pub async fn keypair(app: &TestApp, name: &str, alg: &str) -> String {
    let r = app
        .admin(
            "POST",
            "/api/v3/crypto/certificatekeypairs/generate/",
            Some(json!({"common_name": name, "validity_days": 30, "alg": alg})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["pk"].as_str().unwrap().to_string()
}

/// The pks of the managed default scope mappings.
pub async fn managed_scopes(app: &TestApp) -> Vec<Value> {
    let mut conn = app.store.conn().await.unwrap();
    let list: Vec<Value> = castellan_store::scope_mappings::all(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| {
            m.managed
                .as_deref()
                .is_some_and(|s| s.starts_with("goauthentik.io/providers/oauth2/scope-"))
        })
        .map(|m| Value::String(m.pk.to_string()))
        .collect();
    assert_eq!(list.len(), 5, "managed scope mappings");
    list
}

/// What an OAuth test set up.
pub struct Client {
    /// Application slug.
    pub slug: String,
    /// Provider pk.
    pub provider: i64,
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: String,
    /// The registered redirect URI.
    pub redirect_uri: String,
}

/// Default blueprints, user `alice` (password `Alice-pw-1`), and an application `slug` with an
/// OAuth2 provider built from `extra` (merged over sensible defaults: implicit consent, the
/// managed scopes, one strict redirect URI).
pub async fn setup(app: &TestApp, slug: &str, extra: Value) -> Client {
    defaults(app).await;
    user(app, "alice", "Alice-pw-1").await;
    let authz = flow(app, "default-provider-authorization-implicit-consent").await;
    let invalidation = flow(app, "default-provider-invalidation-flow").await;
    let redirect_uri = format!("https://rp.example/{slug}/callback");
    let mut body = json!({
        "name": format!("{slug} provider"),
        "authorization_flow": authz["pk"],
        "invalidation_flow": invalidation["pk"],
        "client_type": "confidential",
        "redirect_uris": [{"matching_mode": "strict", "url": redirect_uri}],
        "property_mappings": managed_scopes(app).await,
    });
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    let p = create(app, "/api/v3/providers/oauth2/", body).await;
    create(
        app,
        "/api/v3/core/applications/",
        json!({"name": slug, "slug": slug, "provider": p["pk"]}),
    )
    .await;
    Client {
        slug: slug.to_string(),
        provider: p["pk"].as_i64().unwrap(),
        client_id: p["client_id"].as_str().unwrap().to_string(),
        client_secret: p["client_secret"].as_str().unwrap().to_string(),
        redirect_uri,
    }
}

/// The arguments every peer script takes.
pub fn peer_args(base: &str, c: &Client) -> Value {
    json!({
        "base": base, "slug": c.slug, "client_id": c.client_id, "client_secret": c.client_secret,
        "redirect_uri": c.redirect_uri, "username": "alice", "password": "Alice-pw-1",
    })
}

/// Makes `slug` the default brand's device code flow (`/device` answers 404 without one).
pub async fn brand_device_flow(app: &TestApp, slug: &str) {
    let brand = app.admin("GET", "/api/v3/core/brands/", None).await.json["results"][0].clone();
    let device_flow = flow(app, slug).await;
    let r = app
        .admin(
            "PATCH",
            &format!(
                "/api/v3/core/brands/{}/",
                brand["brand_uuid"].as_str().unwrap()
            ),
            Some(json!({"flow_device_code": device_flow["pk"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// `GET /application/o/userinfo/` with `access` as the Bearer token.
pub async fn userinfo(app: &TestApp, access: &str) -> castellan_testkit::Response {
    let bearer = format!("Bearer {access}");
    app.send(
        "GET",
        "/application/o/userinfo/",
        None,
        &[("authorization", &bearer)],
    )
    .await
}
