//! The busiest OAuth2 endpoints read through the direct paths and the caches alone: with every
//! connection of the shared pool held elsewhere, userinfo and introspection of a valid token
//! still answer at once (a connection of the shared pool would only come after the 5-second
//! acquire timeout, as a 503).
use castellan_testkit::{Response, TestApp, db_test};
use serde_json::json;

use crate::oauth_support::{Client, setup, userinfo};

async fn post(app: &TestApp, c: &Client, path: &str, body: &str) -> Response {
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{}:{}", c.client_id, c.client_secret)
        )
    );
    app.send("POST", path, Some(body), &[("authorization", &basic)])
        .await
}

db_test!(
    userinfo_and_introspection_need_no_pooled_connection,
    |app: TestApp| async move {
        let app = app;
        let c = setup(&app, "direct-paths", json!({})).await;
        let r = post(
            &app,
            &c,
            "/application/o/token/",
            "grant_type=client_credentials&scope=openid%20profile",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let access = r.json["access_token"].as_str().unwrap().to_string();
        // Once, so the provider and the group hierarchy are cached.
        let warm = userinfo(&app, &access).await;
        assert_eq!(warm.status, 200, "{}", warm.text);
        let size = app.store.pool().options().get_max_connections();
        let mut held = Vec::new();
        for _ in 0..size {
            held.push(app.store.conn().await.unwrap());
        }
        let r = userinfo(&app, &access).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json, warm.json);
        let r = post(
            &app,
            &c,
            "/application/o/introspect/",
            &format!("token={access}"),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["active"], true, "{}", r.text);
        drop(held);
    }
);
