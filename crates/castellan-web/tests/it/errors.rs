//! Bad input: malformed JSON, wrong shapes, oversized bodies, unknown routes, database down.
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

db_test!(
    malformed_json_is_a_400_with_authentiks_message,
    |app: TestApp| async move {
        let auth = format!("Bearer {}", app.admin_token);
        let r = app
            .send(
                "POST",
                "/api/v3/core/users/",
                Some("{username: 1}"),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json,
            json!({"detail": "JSON parse error - unexpected character: line 1 column 2 (char 1)"})
        );
        let r = app
            .send(
                "POST",
                "/api/v3/core/users/",
                Some("[1,2]"),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json["non_field_errors"][0],
            "Invalid data. Expected a dictionary, but got list."
        );
        let r = app
            .send(
                "POST",
                "/api/v3/core/users/",
                Some("{\"username\": \"a\""),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(
            r.json["detail"]
                .as_str()
                .unwrap()
                .starts_with("JSON parse error - unexpected end of data")
        );
    }
);

db_test!(oversized_body_is_413, |app: TestApp| async move {
    let auth = format!("Bearer {}", app.admin_token);
    let huge = format!("{{\"username\": \"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let r = app
        .send(
            "POST",
            "/api/v3/core/users/",
            Some(&huge),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.json["code"], "payload_too_large");
});

db_test!(unknown_routes_and_methods, |app: TestApp| async move {
    let r = app.admin("GET", "/api/v3/nope/", None).await;
    assert_eq!(r.status, 404);
    let r = app.admin("DELETE", "/api/v3/core/users/", None).await;
    assert_eq!(r.status, 405);
    let r = app.admin("GET", "/api/v3/core/users/abc/", None).await;
    assert!(r.status == 400 || r.status == 404, "{}", r.status);
});

db_test!(
    database_down_gives_503_and_ready_turns_503,
    |app: TestApp| async move {
        let r = app.send("GET", "/-/health/ready/", None, &[]).await;
        assert_eq!(r.status, 200);
        let r = app.send("GET", "/-/health/live/", None, &[]).await;
        assert_eq!(r.status, 200);
        app.store.close().await;
        let r = app.send("GET", "/-/health/ready/", None, &[]).await;
        assert_eq!(r.status, 503);
        let r = app.admin("GET", "/api/v3/core/users/", None).await;
        assert_eq!(r.status, 503);
        assert_eq!(r.json["code"], "service_unavailable");
        let r = app.send("GET", "/-/health/live/", None, &[]).await;
        assert_eq!(r.status, 200);
    }
);

db_test!(every_response_has_a_request_id, |app: TestApp| async move {
    let r = app
        .send(
            "GET",
            "/-/health/live/",
            None,
            &[("x-request-id", "abc-123")],
        )
        .await;
    assert_eq!(r.headers.get("x-request-id").unwrap(), "abc-123");
    let r = app.send("GET", "/-/health/live/", None, &[]).await;
    assert_eq!(r.headers.get("x-request-id").unwrap().len(), 32);
});

/// Ends every server process connected to the app's PostgreSQL database, as a restart would;
/// how many there were.
async fn kill_backends(app: &TestApp) -> i64 {
    let name = app.db.url.rsplit('/').next().unwrap().to_string();
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(
        &castellan_testkit::db::postgres_admin_url(),
    )
    .await
    .unwrap();
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1) t",
    )
    .bind(&name)
    .fetch_one(&mut admin)
    .await
    .unwrap()
}

/// PostgreSQL-specific: every connection of the pool is killed server-side (as on a database
/// restart); the next requests succeed without any restart of Castellan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovers_when_postgresql_connections_are_killed() {
    let app = TestApp::new(castellan_testkit::DbKind::Postgres).await;
    let r = app.admin("GET", "/api/v3/core/users/", None).await;
    assert_eq!(r.status, 200);
    assert!(
        kill_backends(&app).await >= 1,
        "the pool had live connections"
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.admin("GET", "/api/v3/core/users/", None).await.status);
    }
    assert!(
        statuses.iter().all(|s| *s == 200),
        "statuses after the kill: {statuses:?}"
    );
    let r = app.send("GET", "/-/health/ready/", None, &[]).await;
    assert_eq!(r.status, 200);
}

/// The same for the OAuth2 endpoints on the direct PostgreSQL path (their own connections): a
/// `client_credentials` token and its introspection keep answering 200 after every connection of
/// the database was killed, twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_endpoints_recover_when_postgresql_connections_are_killed() {
    let app = TestApp::new(castellan_testkit::DbKind::Postgres).await;
    let c = crate::oauth_support::setup(&app, "killed", json!({})).await;
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{}:{}", c.client_id, c.client_secret)
        )
    );
    let post = |path: &'static str, body: String| {
        let (app, basic) = (&app, basic.clone());
        async move {
            app.send("POST", path, Some(&body), &[("authorization", &basic)])
                .await
        }
    };
    let round = || async {
        let r = post(
            "/application/o/token/",
            "grant_type=client_credentials&scope=openid".into(),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let access = r.json["access_token"].as_str().unwrap().to_string();
        post("/application/o/introspect/", format!("token={access}")).await
    };
    for _ in 0..3 {
        let r = round().await;
        assert_eq!(r.json["active"], true, "{}", r.text);
        // Both endpoints answer on the direct path alone: its connection is the one killed.
        assert!(
            kill_backends(&app).await >= 1,
            "the direct path had a live connection"
        );
    }
    let r = round().await;
    assert_eq!(r.json["active"], true, "{}", r.text);
}
