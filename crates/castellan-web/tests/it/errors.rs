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

/// PostgreSQL-specific: every connection of the pool is killed server-side (as on a database
/// restart); the next requests succeed without any restart of Castellan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovers_when_postgresql_connections_are_killed() {
    let app = TestApp::new(castellan_testkit::DbKind::Postgres).await;
    let r = app.admin("GET", "/api/v3/core/users/", None).await;
    assert_eq!(r.status, 200);
    let name = app.db.url.rsplit('/').next().unwrap().to_string();
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(
        &castellan_testkit::db::postgres_admin_url(),
    )
    .await
    .unwrap();
    let killed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1) t",
    )
    .bind(&name)
    .fetch_one(&mut admin)
    .await
    .unwrap();
    assert!(killed >= 1, "the pool had live connections");
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
