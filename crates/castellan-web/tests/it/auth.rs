//! Authentication, authorisation and CSRF.
use castellan_core::session::Session;
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

db_test!(bearer_rules, |app: TestApp| async move {
    let r = app.send("GET", "/api/v3/core/users/", None, &[]).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json["detail"],
        "Authentication credentials were not provided."
    );
    let r = app
        .send(
            "GET",
            "/api/v3/core/users/",
            None,
            &[("authorization", "Basic Zm9vOmJhcg==")],
        )
        .await;
    assert_eq!(r.json["detail"], "Unsupported authentication type");
    let r = app
        .send(
            "GET",
            "/api/v3/core/users/",
            None,
            &[("authorization", "Bearer ")],
        )
        .await;
    assert_eq!(r.json["detail"], "Malformed header");
    let r = app
        .send(
            "GET",
            "/api/v3/core/users/",
            None,
            &[("authorization", "Bearer nope")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json["detail"], "Token invalid/expired");
    let r = app.admin("GET", "/api/v3/core/users/", None).await;
    assert_eq!(r.status, 200);
});

db_test!(
    non_superusers_are_denied_admin_endpoints,
    |app: TestApp| async move {
        let (_, key) = app.user_with_token("eve").await;
        let auth = format!("Bearer {key}");
        let r = app
            .send(
                "GET",
                "/api/v3/core/users/",
                None,
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 403);
        let r = app
            .send(
                "GET",
                "/api/v3/core/users/me/",
                None,
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json["user"]["username"], "eve");
        assert_eq!(r.json["user"]["is_superuser"], false);
        let r = app
            .send(
                "POST",
                "/api/v3/core/users/",
                Some("{}"),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 403);
    }
);

db_test!(
    expired_and_non_api_tokens_are_refused,
    |app: TestApp| async move {
        let (_, key) = app.user_with_token("frank").await;
        let mut conn = app.store.conn().await.unwrap();
        let mut t = castellan_store::tokens::get_by_identifier(&mut conn, "frank-token")
            .await
            .unwrap()
            .unwrap();
        t.expiring = true;
        t.expires = Some(app.store.now() - chrono::Duration::seconds(1));
        castellan_store::tokens::save(&mut conn, &t, false)
            .await
            .unwrap();
        drop(conn);
        let auth = format!("Bearer {key}");
        let r = app
            .send(
                "GET",
                "/api/v3/core/users/me/",
                None,
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.json["detail"], "Token invalid/expired");
        let mut conn = app.store.conn().await.unwrap();
        t.expiring = false;
        t.intent = castellan_core::token::TokenIntent::AppPassword;
        castellan_store::tokens::save(&mut conn, &t, false)
            .await
            .unwrap();
        drop(conn);
        let r = app
            .send(
                "GET",
                "/api/v3/core/users/me/",
                None,
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 403);
    }
);

fn session_cookie(app: &TestApp, sid: &str) -> String {
    let key = castellan_crypto::hs256::session_signing_key(castellan_testkit::app::TEST_SECRET_KEY);
    let jwt = castellan_crypto::hs256::sign(
        &json!({"sid": sid, "iss": "authentik", "sub": "x", "authenticated": true, "acr": "goauthentik.io/core/default"}),
        &key,
    )
    .unwrap();
    let _ = app;
    jwt
}

db_test!(session_cookie_and_csrf, |app: TestApp| async move {
    let mut conn = app.store.conn().await.unwrap();
    let now = app.store.now();
    castellan_store::sessions::save(
        &mut conn,
        &Session {
            session_key: "sess-1".into(),
            user: Some(app.admin_pk),
            data: json!({}),
            expires: now + chrono::Duration::hours(1),
        },
        now,
    )
    .await
    .unwrap();
    drop(conn);
    let cookie = format!(
        "authentik_session={}; authentik_csrf=abc123",
        session_cookie(&app, "sess-1")
    );
    let r = app
        .send(
            "GET",
            "/api/v3/core/users/me/",
            None,
            &[("cookie", &cookie)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["user"]["username"], "akadmin");
    let body = json!({"username": "gina", "name": "G"}).to_string();
    let r = app
        .send(
            "POST",
            "/api/v3/core/users/",
            Some(&body),
            &[("cookie", &cookie)],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json["detail"], "CSRF Failed: CSRF token missing.");
    let r = app
        .send(
            "POST",
            "/api/v3/core/users/",
            Some(&body),
            &[("cookie", &cookie), ("x-authentik-csrf", "abc124")],
        )
        .await;
    assert_eq!(r.json["detail"], "CSRF Failed: CSRF token incorrect.");
    let r = app
        .send(
            "POST",
            "/api/v3/core/users/",
            Some(&body),
            &[("cookie", &cookie), ("x-authentik-csrf", "abc123")],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // A cookie signed with another key is ignored.
    let forged = castellan_crypto::hs256::sign(&json!({"sid": "sess-1"}), b"other").unwrap();
    let r = app
        .send(
            "GET",
            "/api/v3/core/users/me/",
            None,
            &[("cookie", &format!("authentik_session={forged}"))],
        )
        .await;
    assert_eq!(r.status, 403);
});
