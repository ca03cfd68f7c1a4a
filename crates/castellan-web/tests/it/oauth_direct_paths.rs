//! The busiest OAuth2 endpoints read through the direct paths and the caches alone: with every
//! connection of the shared pool held elsewhere, `client_credentials`, the code and refresh
//! grants, userinfo and introspection of a valid token still answer at once (a connection of the
//! shared pool would only come after the 5-second acquire timeout, as a 503). The application's
//! policies still decide: a binding added, or disabled, counts from the next request.
use base64::Engine;
use castellan_testkit::{Response, TestApp, db_test};
use chrono::{Duration, SubsecRound};
use serde_json::{Value, json};

use crate::flow_support::bind_expression;
use crate::oauth_errors::{store_code, token_as};
use crate::oauth_support::{Client, setup, userinfo};

const CLIENT_CREDENTIALS: &str = "grant_type=client_credentials&scope=openid%20profile";

/// Every connection of the shared pool, held until dropped.
async fn hold_pool(app: &TestApp) -> Vec<castellan_store::Conn> {
    let size = app.store.pool().options().get_max_connections();
    let mut held = Vec::new();
    for _ in 0..size {
        held.push(app.store.conn().await.unwrap());
    }
    held
}

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
        // Once, so the provider, the group hierarchy and the (empty) bindings are cached.
        let first = post(&app, &c, "/application/o/token/", CLIENT_CREDENTIALS).await;
        assert_eq!(first.status, 200, "{}", first.text);
        let warm = userinfo(&app, first.json["access_token"].as_str().unwrap()).await;
        assert_eq!(warm.status, 200, "{}", warm.text);
        let held = hold_pool(&app).await;
        let r = post(&app, &c, "/application/o/token/", CLIENT_CREDENTIALS).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["scope"], "openid profile", "{}", r.text);
        let access = r.json["access_token"].as_str().unwrap().to_string();
        assert_ne!(Some(access.as_str()), first.json["access_token"].as_str());
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

db_test!(
    client_credentials_answers_to_the_applications_policies,
    |app: TestApp| async move {
        let app = app;
        let c = setup(&app, "cc-policies", json!({})).await;
        let token = async || post(&app, &c, "/application/o/token/", CLIENT_CREDENTIALS).await;
        let r = token().await;
        assert_eq!(r.status, 200, "{}", r.text);
        let application = app
            .admin(
                "GET",
                &format!("/api/v3/core/applications/{}/", c.slug),
                None,
            )
            .await;
        let target = application.json["pk"].as_str().unwrap().to_string();
        // The policy sees the service account as `request.user`.
        let policy = bind_expression(
            &app,
            &target,
            "no-service-accounts",
            "return not request.user.username.endswith('-client_credentials')",
            false,
        )
        .await;
        for _ in 0..2 {
            let r = token().await;
            assert_eq!(r.status, 400, "{}", r.text);
            assert_eq!(r.json["error"], "invalid_grant", "{}", r.text);
            assert_eq!(r.json["error_description"], "Policy denied access");
        }
        let bindings = app
            .admin(
                "GET",
                &format!("/api/v3/policies/bindings/?policy={policy}"),
                None,
            )
            .await;
        let binding = bindings.json["results"][0]["pk"].as_str().unwrap();
        let r = app
            .admin(
                "PATCH",
                &format!("/api/v3/policies/bindings/{binding}/"),
                Some(json!({"enabled": false})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        // A disabled binding, once cached, needs no connection either.
        assert_eq!(token().await.status, 200);
        let held = hold_pool(&app).await;
        let r = token().await;
        assert_eq!(r.status, 200, "{}", r.text);
        drop(held);
    }
);

/// The claims of a compact JWS.
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

db_test!(
    code_and_refresh_grants_need_no_pooled_connection,
    |app: TestApp| async move {
        let app = app;
        let c = setup(&app, "direct-code", json!({})).await;
        let now = app.store.now().trunc_subsecs(0);
        // A code from a browser login: its session carries the login facts.
        let key = format!("key-{}", uuid::Uuid::new_v4().simple());
        let login = json!({"time": now.timestamp() - 30, "auth_method": "password"});
        let session = castellan_testkit::sessions::login(
            &app,
            castellan_testkit::sessions::Login {
                key: &key,
                user: app.admin_pk,
                data: json!({ castellan_web::flow::session::SESSION_LOGIN_EVENT: login }),
                expires: now + Duration::hours(1),
                ip: "192.0.2.1",
                user_agent: "test",
            },
        )
        .await;
        let mut codes = Vec::new();
        for _ in 0..2 {
            let code = store_code(&app, &c, |row| {
                row.grant.auth_time = None;
                row.grant.session = Some(session);
                row.nonce = Some("n-1".into());
            })
            .await;
            codes.push(code);
        }
        let exchange = async |code: &str| {
            let form = [
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", c.redirect_uri.as_str()),
            ];
            token_as(&app, &c.client_id, &c.client_secret, &form).await
        };
        // Once, so the provider and the group hierarchy are cached.
        let first = exchange(&codes[0]).await;
        assert_eq!(first.status, 200, "{}", first.text);
        let held = hold_pool(&app).await;
        let r = exchange(&codes[1]).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let id = claims(r.json["id_token"].as_str().unwrap());
        assert_eq!(id["nonce"], "n-1");
        assert_eq!(id["auth_time"], now.timestamp() - 30, "{id}");
        assert_eq!(id["amr"], json!(["pwd"]), "{id}");
        assert_eq!(id["sid"], castellan_oauth::tokens::token_hash(&key), "{id}");
        let refresh = r.json["refresh_token"].as_str().unwrap();
        let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
        let r = token_as(&app, &c.client_id, &c.client_secret, &form).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_ne!(r.json["refresh_token"].as_str(), Some(refresh));
        // The code again: refused, and what it issued is revoked (this takes a pooled connection).
        drop(held);
        let again = exchange(&codes[1]).await;
        assert_eq!(again.status, 400, "{}", again.text);
        assert_eq!(again.json["error"], "invalid_grant", "{}", again.text);
    }
);
